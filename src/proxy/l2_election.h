// Layer-2 announcement election: which LoadBalancer IPs THIS node answers ARP
// for, so that the host reaches an LB IP on the node network with no tunnel
// (the L2 mode of bare-metal load balancers such as MetalLB).
//
// Rule, per LB IP X:
//   * Only type LoadBalancer Services of a class netkube serves ("" or
//     kNetkubeLoadBalancerClass) contribute; X comes from
//     Service.load_balancer_ips (status.loadBalancer.ingress[].ip). Only IPv4
//     addresses are elected (announcement is ARP; the pool is IPv4).
//   * A Service's candidates are the Ready nodes; under
//     externalTrafficPolicy: Local only the Ready nodes that host a ready
//     endpoint (conditions.ready) of that Service.
//   * An IP shared by several Services has the candidates common to all of
//     them; when they have none in common, the union (some Service still
//     answers rather than none).
//   * The winner is the candidate with the smallest L2ElectionScore(node, X)
//     (ties: the smaller node name). No candidate: nobody announces X.
// Every node evaluates the same rule over the same informer data, so each IP
// has at most one announcer once the caches agree; when a node stops being
// Ready the next-smallest candidate takes over.
//
// The caller decides which nodes are "Ready" (e.g. Ready condition True, and
// not labelled node.kubernetes.io/exclude-from-external-load-balancers when
// other nodes remain).
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/types.h"

namespace netkube::proxy {

// spec.loadBalancerClass that netkube's LB allocator serves besides "" (kept
// equal to controllers::kNetkubeLoadBalancerClass; proxy does not link the
// controllers).
inline constexpr char kNetkubeLoadBalancerClass[] = "netkube.io/lb";

// A stable 64-bit score of (node, ip): FNV-1a 64 of node + "#" + ip, then a
// 64-bit finaliser (splitmix64) so that names differing in one character
// spread evenly. Same on every node and every run.
uint64_t L2ElectionScore(std::string_view node, std::string_view ip);

// Every elected LB IP -> the node that announces it. IPs without a candidate
// are absent.
std::map<std::string, std::string> ElectL2Announcers(const std::vector<Service>& services,
                                                     const std::vector<EndpointSlice>& slices,
                                                     const std::set<std::string>& ready_nodes);

// The LB IPs `node_name` announces: the keys of ElectL2Announcers whose value
// is `node_name`. Empty when the node is not Ready.
std::set<std::string> AnnouncedLoadBalancerIPs(const std::vector<Service>& services,
                                               const std::vector<EndpointSlice>& slices,
                                               const std::set<std::string>& ready_nodes,
                                               const std::string& node_name);

}  // namespace netkube::proxy
