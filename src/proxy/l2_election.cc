#include "proxy/l2_election.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>

namespace netkube::proxy {
namespace {

bool Announced(const Service& s) {
  return s.type == ServiceType::kLoadBalancer &&
         (s.load_balancer_class.empty() || s.load_balancer_class == kNetkubeLoadBalancerClass);
}

// Ready nodes that host a ready endpoint of `service`.
std::set<std::string> LocalCandidates(const NamespacedName& service, const std::vector<EndpointSlice>& slices,
                                      const std::set<std::string>& ready_nodes) {
  std::set<std::string> out;
  for (const auto& slice : slices) {
    if (slice.ServiceKey() != service) continue;
    for (const auto& ep : slice.endpoints) {
      if (ep.conditions.ready && !ep.node_name.empty() && ready_nodes.count(ep.node_name)) out.insert(ep.node_name);
    }
  }
  return out;
}

std::set<std::string> Intersect(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

std::optional<std::string> Winner(const std::string& ip, const std::set<std::string>& candidates) {
  std::optional<std::string> best;
  uint64_t best_score = std::numeric_limits<uint64_t>::max();
  for (const auto& node : candidates) {  // sorted: the first of equal scores wins
    uint64_t score = L2ElectionScore(node, ip);
    if (!best || score < best_score) {
      best = node;
      best_score = score;
    }
  }
  return best;
}

}  // namespace

uint64_t L2ElectionScore(std::string_view node, std::string_view ip) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;  // FNV prime
    }
  };
  mix(node);
  mix("#");
  mix(ip);
  // splitmix64 finaliser.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

std::map<std::string, std::string> ElectL2Announcers(const std::vector<Service>& services,
                                                     const std::vector<EndpointSlice>& slices,
                                                     const std::set<std::string>& ready_nodes) {
  // Per IP: the candidate set of each Service that holds it.
  std::map<std::string, std::vector<std::set<std::string>>> per_ip;
  for (const auto& s : services) {
    if (!Announced(s)) continue;
    std::optional<std::set<std::string>> candidates;
    for (const auto& ip : s.load_balancer_ips) {
      if (FamilyOf(ip) != IPFamily::kIPv4) continue;
      if (!candidates) {
        candidates = s.external_traffic_policy == TrafficPolicy::kLocal ? LocalCandidates(s.name, slices, ready_nodes)
                                                                        : ready_nodes;
      }
      per_ip[ip].push_back(*candidates);
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& [ip, sets] : per_ip) {
    std::set<std::string> common = sets.front(), all;
    for (const auto& set : sets) {
      common = Intersect(common, set);
      all.insert(set.begin(), set.end());
    }
    if (auto winner = Winner(ip, common.empty() ? all : common)) out[ip] = *winner;
  }
  return out;
}

std::set<std::string> AnnouncedLoadBalancerIPs(const std::vector<Service>& services,
                                               const std::vector<EndpointSlice>& slices,
                                               const std::set<std::string>& ready_nodes,
                                               const std::string& node_name) {
  std::set<std::string> out;
  if (!ready_nodes.count(node_name)) return out;
  for (const auto& [ip, node] : ElectL2Announcers(services, slices, ready_nodes)) {
    if (node == node_name) out.insert(ip);
  }
  return out;
}

}  // namespace netkube::proxy
