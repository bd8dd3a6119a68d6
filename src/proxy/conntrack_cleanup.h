// Stale conntrack entries of the service proxy: after a sync, the UDP (and
// SCTP) flows that the kernel still sends to an endpoint the plan no longer
// lists. TCP needs none of this (a connection to a gone endpoint is reset or
// times out, and the next connection is DNATed afresh); a UDP "flow" lives as
// long as the client keeps sending, so without cleanup a client such as a DNS
// resolver keeps talking to a deleted pod — the classic stale-DNS bug.
//
// The agent's loop after each applied sync:
//   auto entries = netlink::ListConntrack(IPPROTO_UDP);
//   auto stale = proxy::StaleConntrackEntries(plan, *entries);
//   netlink::DeleteConntrack(stale);
//
// Thread-safety: a pure function of its arguments; safe from any thread.
#pragma once

#include <vector>

#include "netlink/conntrack_entry.h"
#include "proxy/plan.h"

namespace netkube::proxy {

// The entries of `entries` to delete, in input order, each at most once.
//
// Only UDP and SCTP service ports of `plan` are considered, and only entries
// of the same protocol whose ORIGINAL destination is one of that port's
// frontends: cluster_ip:port, each external_ips[i]:port, each
// load_balancer_ips[i]:port, and each node_port_ips[j]:node_port. Such an
// entry is stale when its reply source (the DNAT target) is not one of the
// port's all_reachable_endpoints (ip:port), namely:
//   * it was DNATed to an endpoint that is gone (or whose port changed) —
//     also when no endpoint is left, so the next packet meets the reject rule
//     instead of vanishing into the old one;
//   * it was never DNATed (reply source == original destination: the packet
//     arrived while the service had no endpoint) and the port now has
//     endpoints, so the next packet is load-balanced.
// Every other entry (TCP, other destinations, ports of other protocols) is
// never returned. Addresses are compared as text (the plan's and the kernel's
// IPv4 forms are canonical), so a plan of another family matches nothing.
std::vector<netlink::ConntrackEntry> StaleConntrackEntries(const ProxyPlan& plan,
                                                           const std::vector<netlink::ConntrackEntry>& entries);

}  // namespace netkube::proxy
