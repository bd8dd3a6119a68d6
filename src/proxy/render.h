// The service proxy's nftables form: ServicePortPlans -> one nft::Table
// (family ip, default name "netkube-proxy") that the agent applies atomically
// with nft::Applier. Pure: no I/O.
//
// The table (kube-proxy's nftables layout, with random choice written as a
// cascade of numgen rules; see src/nft/README.md):
//
//   filter-prerouting / filter-output   (filter, priority -110)
//       ct state new -> service-endpoints-check: traffic to a service address
//       with no usable endpoint is rejected (TCP reset, ICMP port unreachable
//       for UDP/SCTP) or dropped (eTP Local), before DNAT and routing.
//   nat-prerouting / nat-output         (nat, priority -100) -> services:
//       "daddr . proto . dport" in @service-ips and "proto . dport" for
//       @nodeport-ips in @service-nodeports pick the service's chain.
//   nat-postrouting                     (nat, priority 100) -> masquerading:
//       packets carrying the masquerade mark bit are SNATed to the node.
//       Rules set the bit inline ("meta mark set meta mark | 0x4000").
//
// Per service port (BASE = "NS/NAME/PROTO/PORTNAME"):
//   service-BASE   cluster endpoints: masquerade non-pod ClusterIP clients,
//                  ClientIP affinity, then a uniform random endpoint.
//   local-BASE     the same over this node's endpoints (iTP/eTP Local).
//   external-BASE  NodePort, LoadBalancer and external IPs: masquerade (eTP
//                  Cluster) or keep the client IP (eTP Local, short-circuiting
//                  pod- and node-originated traffic to service-BASE).
//   endpoint-BASE__IP/PORT  hairpin masquerade, affinity update, DNAT.
//   set affinity-BASE__IP/PORT  (ClientIP affinity: dynamic, with timeout).
//
// Thread-safety: plain values; a ProxyTableRenderer is owned by one loop.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "nft/ruleset.h"
#include "proxy/plan.h"
#include "util/status.h"

namespace netkube::proxy {

struct RenderOptions {
  std::string table_name = "netkube-proxy";
  // The cluster's pod network ("10.244.0.0/16"): ClusterIP traffic from
  // outside it is masqueraded (ClusterIPMasquerade::kNonPodSources), and
  // eTP Local short-circuits traffic from inside it. "" = unknown: every
  // ClusterIP client is treated as a non-pod source and masqueraded.
  std::string cluster_pod_cidr;
  uint32_t masquerade_mark = 0x4000;
};

// The whole table for `plan`. Invalid when an option is malformed (bad CIDR,
// zero mark); entries with addresses the rule builder refuses are skipped and
// reported through `skipped` (may be null), never fatal for the others.
StatusOr<nft::Table> RenderProxyTable(const ProxyPlan& plan, const RenderOptions& options,
                                      std::vector<std::string>* skipped = nullptr);

// Incremental rendering: keeps the table and, per service port, what it added
// (chains, sets, map elements), so a change re-renders only the touched
// entries. After any sequence of Update calls, table() equals
// RenderProxyTable over the same entries.
class ProxyTableRenderer {
 public:
  // Errors in `options` surface from the first Update.
  explicit ProxyTableRenderer(RenderOptions options);

  // Re-renders the named entries from `entries` (an entry absent from
  // `entries` is removed); `full` re-renders everything, including the node's
  // addresses. Entries whose rules cannot be built are left out and listed in
  // skipped() until they render.
  Status Update(const std::map<ServicePortName, ServicePortPlan>& entries,
                const std::vector<std::string>& node_port_ips, ClusterIPMasquerade masquerade,
                const std::set<ServicePortName>& changed, bool full);

  const nft::Table& table() const { return table_; }
  // "ns/name:port: why" for every entry currently left out.
  std::vector<std::string> skipped() const;
  // Chains + rules + set elements: the "rules" count for metrics.
  size_t RuleCount() const;

  // The chains and sets/maps added, changed or removed by the Update calls
  // since the last TakeTouched (for nft::Applier::ApplyChanged); `all` after
  // a full render. Resets the record.
  struct Touched {
    bool all = false;
    std::set<std::string> chains;
    std::set<std::string> sets;
  };
  Touched TakeTouched();

 private:
  struct Fragment {
    std::vector<std::string> chains;
    std::vector<std::string> sets;
    std::vector<std::pair<std::string, std::string>> elements;  // (map, key)
  };
  void Remove(const ServicePortName& name);
  Status Add(const ServicePortPlan& entry, ClusterIPMasquerade masquerade);
  Status RenderStatic(const std::vector<std::string>& node_port_ips);

  RenderOptions options_;
  Status options_status_;
  nft::Table table_;
  std::map<ServicePortName, Fragment> fragments_;
  std::map<ServicePortName, std::string> skipped_;
  // (map, key) -> owner: two entries claiming one key (the same external IP
  // and port in two services) keep the first claim.
  std::map<std::pair<std::string, std::string>, ServicePortName> owners_;
  Touched touched_;
};

// The chain-name base of an entry: "NS/NAME/PROTO/PORTNAME" (PORTNAME empty
// for an unnamed port), as kube-proxy names its chains.
std::string ChainBase(const ServicePortName& name);

}  // namespace netkube::proxy
