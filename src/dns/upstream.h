// Where the forward plugin sends queries: the TO addresses of a `forward`
// directive, as CoreDNS reads them.
//
// A TO is an address — "10.0.0.1", "10.0.0.1:5353", "fd00::1", "[fd00::1]:53",
// each optionally prefixed "dns://" — or the path of a resolv.conf-style file,
// whose nameserver lines become upstreams on port 53 (or `file_port`, a hook
// for tests: resolv.conf has no port syntax). "tls://" and "https://" upstreams
// are not supported (kInvalid), nor are host names.
//
// Thread-safety: values and pure functions.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::dns {

// CoreDNS's limit on upstreams per forward directive.
inline constexpr size_t kMaxUpstreams = 15;

struct UpstreamAddress {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  // "10.0.0.1:53", "[fd00::1]:53": the `to` label of the metrics.
  std::string name;

  int family() const { return addr.ss_family; }
};

// One address (no file). `default_port` applies when none is written.
StatusOr<UpstreamAddress> ParseUpstreamAddress(std::string_view text, int default_port = 53);

// Every TO of a directive, in order: addresses and the nameservers of files.
// Errors: an unsupported scheme, a word that is neither an address nor a
// readable file, a file without nameservers.
StatusOr<std::vector<UpstreamAddress>> ExpandUpstreams(const std::vector<std::string>& to, int file_port = 53);

}  // namespace netkube::dns
