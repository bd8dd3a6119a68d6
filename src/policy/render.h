// Render: PolicyPlan -> the nft table `inet netkube-policy` that the node
// agent applies atomically with nft::Applier (beside `ip netkube-proxy`).
// Family inet (as the issue asks): the rules match "ip saddr/daddr", which in
// an inet table only see IPv4; pods are IPv4-only today, so IPv6 forwarded
// traffic passes unjudged (README "Not done yet").
//
//   chain forward  (filter, hook forward, priority 0, policy accept)
//       ct state established,related accept     replies and admitted flows
//       ip saddr vmap @egress-pods               jump egress-NS/NAME
//       ip daddr vmap @ingress-pods              jump ingress-NS/NAME
//   chain output   (filter, hook output, priority 0, policy accept)
//       counter accept                           node-originated traffic (the
//                                                node itself and hostNetwork
//                                                pods) is always allowed
//   chain egress-NS/NAME    ip daddr POD return;
//                           one rule per Allow with verdict "return" (go on
//                           to the ingress check); counter drop. An egress
//                           named port is "ip daddr . meta l4proto . th
//                           dport vmap @named-HASH" (its elements return)
//   chain ingress-NS/NAME   ip saddr POD accept; one rule per Allow with
//                           verdict "accept"; counter drop
//   map egress-pods / ingress-pods   ipv4_addr : verdict (one element per
//                                    isolated local pod IP)
//   map named-HASH   ipv4_addr . inet_proto . inet_service : verdict, one
//                    per distinct (peer, egress named port): every
//                    destination pod's resolved ip . proto . port : return
//   set pods-HASH    ipv4_addr, members of one selector peer
//   set cidrs-HASH   ipv4_addr, flags interval: one ipBlock minus except
//
// The forward hook runs after the proxy's DNAT (prerouting -100), so Service
// traffic is judged on the chosen endpoint.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "nft/ruleset.h"
#include "policy/compile.h"
#include "util/status.h"

namespace netkube::policy {

inline constexpr char kPolicyTableName[] = "netkube-policy";

// The table, or Invalid when a plan value cannot be rendered (a bad address).
StatusOr<nft::Table> Render(const PolicyPlan& plan, const std::string& table_name = kPolicyTableName);

// The per-pod chain names.
std::string IngressChainName(const PodPolicy& pod);
std::string EgressChainName(const PodPolicy& pod);

}  // namespace netkube::policy
