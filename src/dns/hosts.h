// The `hosts` plugin: answers A, AAAA and PTR queries from a file in
// /etc/hosts format and from lines inlined in the Corefile, as CoreDNS's
// hosts plugin does.
//
//   hosts [FILE [ZONES...]] {
//       [INLINE]
//       ttl SECONDS               (default 3600; 1..65535)
//       no_reverse                (no PTR records from the entries)
//       reload DURATION           (default 5s; 0 disables)
//       fallthrough [ZONES...]
//       fallthrough_unsupported   (other query types of known names go on too)
//   }
//
// FILE defaults to /etc/hosts (relative paths are taken from the Corefile's
// directory); ZONES default to the server block's zones. Names of the file
// outside ZONES are ignored. A leftmost `*` label matches one label
// (`*.example.com` answers `a.example.com`, not `example.com` nor
// `a.b.example.com`) and makes no PTR record.
//
// Answers (authoritative): the addresses of the asked family; a name that has
// only the other family gets NOERROR with no answer (NODATA), as does any
// other query type for a known name. A name that is not there goes to the next
// plugin with `fallthrough` (for its zones), else gets SERVFAIL as in CoreDNS
// (there is no SOA to make an NXDOMAIN with). PTR queries are answered for any
// zone; an address that is not there always goes to the next plugin. Queries
// outside ZONES go to the next plugin.
//
// The file is checked every `reload` period and re-read when its modification
// time or size changed; then the data generation is bumped (plugin.h) and
// every answer carries the generation it was built from. A missing file is a
// warning, and the inline lines are still served.
//
// Thread-safety: Serve may be called from several threads; the reload thread
// swaps the table under a mutex.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dns/name.h"
#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

// The entries of one hosts text, keyed by the lower-cased wire form of the
// name (Name::key()) or, for `ptr`, by the 4 or 16 address bytes.
struct HostsTable {
  std::unordered_map<std::string, std::vector<std::array<uint8_t, 4>>> v4, wild4;
  std::unordered_map<std::string, std::vector<std::array<uint8_t, 16>>> v6, wild6;
  std::unordered_map<std::string, std::vector<Name>> ptr;
  size_t entries = 0;  // addresses plus reverse names, as coredns_hosts_entries counts
};

// Parses /etc/hosts text: "IP NAME [ALIASES...]" per line, `#` comments;
// lines with a bad address or fewer than two fields are skipped. Only names
// inside one of `zones` are kept; `reverse` adds the PTR entries.
HostsTable ParseHostsText(std::string_view text, const std::vector<Name>& zones, bool reverse);

// The address a reverse name stands for ("4.3.2.1.in-addr.arpa." -> the 4
// bytes 1.2.3.4; 32 nibble labels under ip6.arpa. -> 16 bytes); "" when the
// name is no full reverse address.
std::string AddressFromReverse(const Name& name);

struct HostsOptions {
  std::string path = "/etc/hosts";
  std::vector<Name> zones;
  std::string inline_text;  // the INLINE lines joined by '\n'
  uint32_t ttl = 3600;
  bool reverse = true;
  std::chrono::milliseconds reload{5000};
  bool fallthrough = false;
  std::vector<Name> fallthrough_zones;  // empty with fallthrough = every zone
  bool fallthrough_unsupported = false;
};

class HostsPlugin : public Plugin {
 public:
  // Reads the file once; starts the reload thread when options.reload > 0.
  explicit HostsPlugin(HostsOptions options);
  ~HostsPlugin() override;
  HostsPlugin(const HostsPlugin&) = delete;
  HostsPlugin& operator=(const HostsPlugin&) = delete;

  std::string_view name() const override { return "hosts"; }
  void Serve(RequestPtr req) override;
  void RenderMetrics(std::ostream& out) const override;

  // Re-reads the file when it changed since the last read; true when it did
  // (and the data generation was bumped). The reload thread calls this.
  bool CheckFile();

 private:
  struct Data {
    HostsTable file, inline_entries;
  };
  std::shared_ptr<const Data> Snapshot() const;
  bool Falls(const Name& qname) const;
  void ReloadLoop();

  const HostsOptions options_;
  HostsTable inline_table_;
  mutable std::mutex mu_;
  std::shared_ptr<const Data> data_;  // guarded by mu_
  std::mutex check_mu_;                // serializes CheckFile
  int64_t mtime_ns_ = -1, size_ = -1;  // of the file last read; guarded by check_mu_
  double reload_timestamp_ = 0;        // guarded by mu_
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mu_
  std::thread reloader_;
};

}  // namespace netkube::dns
