// The `loadbalance` plugin: CoreDNS's round-robin shuffle
// (plugin/loadbalance/README.md).
//
//   loadbalance [round_robin]
//
// Each section of a NOERROR reply (answer, authority, additional) is put in
// the order CNAME records, other records, A and AAAA records shuffled, MX
// records shuffled, so stub resolvers that want the CNAME first (glibc) are
// served. Zone transfers are left alone. The `weighted` policy and the
// `prefer` block option are not supported (a setup error says so).
//
// It works as a ResponseFilter. FilterWire answers from the header alone
// when no section holds more than one record, so a cache hit for one
// address costs nothing; otherwise it reorders the records in place in the
// wire, unless a compression pointer points into the bytes that would move
// (then the parsed path does it).
//
// Thread-safety: Serve may be called from several threads; the shuffle uses
// a per-thread generator.
#pragma once

#include <memory>
#include <string>

#include "dns/corefile.h"
#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

class Loadbalance : public Plugin, public ResponseFilter {
 public:
  std::string_view name() const override { return "loadbalance"; }
  // Pushes itself as the request's filter and hands the request on.
  void Serve(RequestPtr req) override;

  void Filter(const Request& req, Message& reply) override;
  bool FilterWire(const Request& req, std::string& wire) override;
};

// Reorders `records` as described above (exposed for tests).
void RoundRobin(std::vector<ResourceRecord>& records);

}  // namespace netkube::dns
