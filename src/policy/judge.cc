#include "policy/judge.h"

#include <algorithm>

namespace netkube::policy {

bool AllowMatches(const PolicyPlan& plan, const Allow& allow, const std::string& remote, Protocol proto,
                  int port) {
  if (auto it = plan.named_port_sets.find(allow.peer_set); it != plan.named_port_sets.end()) {
    return std::binary_search(it->second.begin(), it->second.end(), NamedPortTarget{remote, proto, port});
  }
  if (allow.protocol) {
    if (*allow.protocol != proto) return false;
    if (allow.port_lo != 0 && (port < allow.port_lo || port > allow.port_hi)) return false;
  }
  if (allow.peer_set.empty()) return true;
  if (auto it = plan.pod_sets.find(allow.peer_set); it != plan.pod_sets.end()) {
    return std::binary_search(it->second.begin(), it->second.end(), remote);
  }
  if (auto it = plan.cidr_sets.find(allow.peer_set); it != plan.cidr_sets.end()) {
    std::optional<uint32_t> addr = ParseIpv4(remote);
    if (!addr) return false;
    for (const std::string& cidr : it->second) {
      auto range = ParseCidr(cidr);
      if (range && *addr >= range->first && *addr <= range->second) return true;
    }
  }
  return false;
}

namespace {
bool Check(const PolicyPlan& plan, const std::map<std::string, PodPolicy>& dir, const std::string& local,
           const std::string& remote, Protocol proto, int port) {
  auto it = dir.find(local);
  if (it == dir.end() || local == remote) return true;
  for (const Allow& a : it->second.allows) {
    if (AllowMatches(plan, a, remote, proto, port)) return true;
  }
  return false;
}
}  // namespace

bool EgressAllows(const PolicyPlan& plan, const std::string& src, const std::string& dst, Protocol proto,
                  int port) {
  return Check(plan, plan.egress, src, dst, proto, port);
}

bool IngressAllows(const PolicyPlan& plan, const std::string& src, const std::string& dst, Protocol proto,
                   int port) {
  return Check(plan, plan.ingress, dst, src, proto, port);
}

bool ForwardAllows(const PolicyPlan& plan, const std::string& src, const std::string& dst, Protocol proto,
                   int port) {
  return EgressAllows(plan, src, dst, proto, port) && IngressAllows(plan, src, dst, proto, port);
}

}  // namespace netkube::policy
