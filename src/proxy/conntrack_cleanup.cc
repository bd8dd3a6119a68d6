#include "proxy/conntrack_cleanup.h"

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace netkube::proxy {

namespace {

// IANA protocol numbers (as conntrack reports them).
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoSctp = 132;

std::string Key(uint8_t protocol, const std::string& ip, int port) {
  return std::to_string(protocol) + "/" + ip + ":" + std::to_string(port);
}

std::string HostPort(const std::string& ip, int port) { return ip + ":" + std::to_string(port); }

// What cleanup needs of one service port: its DNAT targets.
struct Backends {
  std::unordered_set<std::string> endpoints;  // "ip:port"
};

}  // namespace

std::vector<netlink::ConntrackEntry> StaleConntrackEntries(const ProxyPlan& plan,
                                                           const std::vector<netlink::ConntrackEntry>& entries) {
  std::vector<Backends> backends;
  backends.reserve(plan.ports.size());
  std::unordered_map<std::string, size_t> frontends;  // Key -> index into backends
  for (const ServicePortPlan& p : plan.ports) {
    uint8_t proto;
    if (p.protocol == Protocol::kUDP) {
      proto = kIpProtoUdp;
    } else if (p.protocol == Protocol::kSCTP) {
      proto = kIpProtoSctp;
    } else {
      continue;
    }
    Backends b;
    for (const Endpoint& ep : p.all_reachable_endpoints) b.endpoints.insert(HostPort(ep.ip, ep.port));
    size_t index = backends.size();
    backends.push_back(std::move(b));
    if (!p.cluster_ip.empty()) frontends.emplace(Key(proto, p.cluster_ip, p.port), index);
    for (const auto& ip : p.external_ips) frontends.emplace(Key(proto, ip, p.port), index);
    for (const auto& ip : p.load_balancer_ips) frontends.emplace(Key(proto, ip, p.port), index);
    if (p.node_port != 0) {
      for (const auto& ip : plan.node_port_ips) frontends.emplace(Key(proto, ip, p.node_port), index);
    }
  }

  std::vector<netlink::ConntrackEntry> stale;
  if (frontends.empty()) return stale;
  for (const netlink::ConntrackEntry& e : entries) {
    if (e.protocol != kIpProtoUdp && e.protocol != kIpProtoSctp) continue;
    auto it = frontends.find(Key(e.protocol, e.orig_dst, e.orig_dport));
    if (it == frontends.end()) continue;
    const Backends& b = backends[it->second];
    if (b.endpoints.contains(HostPort(e.reply_src, e.reply_sport))) continue;
    bool dnated = e.reply_src != e.orig_dst || e.reply_sport != e.orig_dport;
    if (dnated || !b.endpoints.empty()) stale.push_back(e);
  }
  return stale;
}

}  // namespace netkube::proxy
