#include "policy/compile.h"
#include "util/hash.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>

namespace netkube::policy {
namespace {

std::string Hash16(const std::string& key) { return Hex16(Fnv1a64(key)); }

std::string SelectorKey(const std::optional<LabelSelector>& s) {
  return s ? "{" + s->Canonical() + "}" : "-";
}

// A pod that can be a policy peer: on the pod network with an IPv4 address.
struct Member {
  const PodInfo* pod;
  std::string ip;
};

class Compiler {
 public:
  Compiler(const Snapshot& snapshot, const std::string& node) : snapshot_(snapshot), node_(node) {
    for (const NamespaceInfo& ns : snapshot.namespaces) {
      Labels labels = ns.labels;
      labels[kNamespaceNameLabel] = ns.name;
      ns_labels_[ns.name] = std::move(labels);
    }
    for (const PodInfo& pod : snapshot.pods) {
      std::string ip = pod.Ipv4();
      if (pod.host_network || ip.empty()) continue;
      members_.push_back({&pod, ip});
    }
  }

  PolicyPlan Run() {
    for (const Member& local : members_) {
      if (local.pod->node_name != node_) continue;
      for (const PolicyInfo& policy : snapshot_.policies) {
        if (policy.ns != local.pod->ns || !policy.pod_selector.Matches(local.pod->labels)) continue;
        if (policy.Isolates(PolicyType::kIngress)) {
          PodPolicy& pp = Entry(plan_.ingress, local);
          for (const PolicyRule& rule : policy.ingress) AddRule(policy, rule, /*ingress=*/true, local, pp);
        }
        if (policy.Isolates(PolicyType::kEgress)) {
          PodPolicy& pp = Entry(plan_.egress, local);
          for (const PolicyRule& rule : policy.egress) AddRule(policy, rule, /*ingress=*/false, local, pp);
        }
      }
    }
    for (auto* dir : {&plan_.ingress, &plan_.egress}) {
      for (auto& [ip, pp] : *dir) {
        std::sort(pp.allows.begin(), pp.allows.end());
        pp.allows.erase(std::unique(pp.allows.begin(), pp.allows.end()), pp.allows.end());
      }
    }
    return std::move(plan_);
  }

 private:
  const Labels& NamespaceLabels(const std::string& ns) {
    auto it = ns_labels_.find(ns);
    if (it == ns_labels_.end()) it = ns_labels_.emplace(ns, Labels{{kNamespaceNameLabel, ns}}).first;
    return it->second;
  }

  bool PeerSelects(const std::string& policy_ns, const Peer& peer, const PodInfo& pod) {
    if (peer.namespace_selector) {
      if (!peer.namespace_selector->Matches(NamespaceLabels(pod.ns))) return false;
    } else if (pod.ns != policy_ns) {
      return false;
    }
    return !peer.pod_selector || peer.pod_selector->Matches(pod.labels);
  }

  static PodPolicy& Entry(std::map<std::string, PodPolicy>& dir, const Member& local) {
    PodPolicy& pp = dir[local.ip];
    pp.ns = local.pod->ns;
    pp.name = local.pod->name;
    pp.ip = local.ip;
    return pp;
  }

  // The set an ipBlock / selector peer compiles to, created on first use.
  std::string PeerSet(const std::string& policy_ns, const Peer& peer) {
    if (peer.ip_block) {
      std::string name = CidrSetName(*peer.ip_block);
      if (!plan_.cidr_sets.count(name)) plan_.cidr_sets[name] = CidrsOf(*peer.ip_block);
      return name;
    }
    std::string name = PodSetName(policy_ns, peer);
    if (!plan_.pod_sets.count(name)) {
      std::set<std::string> ips;
      for (const Member& m : members_) {
        if (PeerSelects(policy_ns, peer, *m.pod)) ips.insert(m.ip);
      }
      plan_.pod_sets[name] = {ips.begin(), ips.end()};
    }
    return name;
  }

  // Pods a peer (nullptr = any) covers, for egress named ports.
  std::vector<const Member*> PeerMembers(const std::string& policy_ns, const Peer* peer) {
    std::vector<const Member*> out;
    for (const Member& m : members_) {
      bool in = true;
      if (peer && peer->ip_block) {
        in = IpBlockContains(*peer->ip_block, *ParseIpv4(m.ip));
      } else if (peer) {
        in = PeerSelects(policy_ns, *peer, *m.pod);
      }
      if (in) out.push_back(&m);
    }
    return out;
  }

  // An egress named port over a peer: the set of exact targets (each pod of
  // the peer whose container ports name it), created on first use and
  // shared by every local pod that uses the same peer and port.
  std::string EgressNamedPortSet(const std::string& policy_ns, const Peer* peer, const PortSpec& port) {
    std::string key = (peer == nullptr ? std::string("any")
                       : peer->ip_block ? CidrSetName(*peer->ip_block)
                                        : PodSetName(policy_ns, *peer)) +
                      "|" + ProtocolName(port.protocol) + "|" + port.port_name;
    std::string name = "named-" + Hash16(key);
    auto [it, inserted] = plan_.named_port_sets.try_emplace(name);
    if (inserted) {
      for (const Member* m : PeerMembers(policy_ns, peer)) {
        if (auto cp = Resolve(*m->pod, port)) it->second.push_back({m->ip, cp->protocol, cp->port});
      }
      std::sort(it->second.begin(), it->second.end());
    }
    return name;
  }

  static std::optional<ContainerPort> Resolve(const PodInfo& pod, const PortSpec& spec) {
    auto it = pod.named_ports.find(spec.port_name);
    if (it == pod.named_ports.end() || it->second.protocol != spec.protocol) return std::nullopt;
    return it->second;
  }

  void AddRule(const PolicyInfo& policy, const PolicyRule& rule, bool ingress, const Member& local,
               PodPolicy& pp) {
    std::vector<const Peer*> peers;
    for (const Peer& p : rule.peers) peers.push_back(&p);
    if (peers.empty()) peers.push_back(nullptr);  // every peer
    for (const Peer* peer : peers) {
      // Created on first use: a peer used only with egress named ports
      // compiles to exact destinations and needs no set.
      std::optional<std::string> set_name;
      auto set = [&]() -> std::string {
        if (!set_name) set_name = peer ? PeerSet(policy.ns, *peer) : "";
        return *set_name;
      };
      if (rule.ports.empty()) {
        pp.allows.push_back(Allow{set(), std::nullopt, 0, 0});
        continue;
      }
      for (const PortSpec& port : rule.ports) {
        if (!port.port_name.empty()) {
          if (ingress) {
            if (auto cp = Resolve(*local.pod, port)) {
              pp.allows.push_back(Allow{set(), cp->protocol, cp->port, cp->port});
            }
          } else {
            pp.allows.push_back(Allow{EgressNamedPortSet(policy.ns, peer, port), std::nullopt, 0, 0});
          }
        } else if (port.port) {
          int hi = port.end_port && *port.end_port >= *port.port ? *port.end_port : *port.port;
          pp.allows.push_back(Allow{set(), port.protocol, *port.port, hi});
        } else {
          pp.allows.push_back(Allow{set(), port.protocol, 0, 0});
        }
      }
    }
  }

  const Snapshot& snapshot_;
  const std::string& node_;
  std::map<std::string, Labels> ns_labels_;
  std::vector<Member> members_;
  PolicyPlan plan_;
};

}  // namespace

std::string PodSetName(const std::string& policy_ns, const Peer& peer) {
  // With a namespaceSelector the policy's namespace does not matter.
  std::string key = (peer.namespace_selector ? std::string("*") : policy_ns) + "|" +
                    SelectorKey(peer.namespace_selector) + "|" + SelectorKey(peer.pod_selector);
  return "pods-" + Hash16(key);
}

std::string CidrSetName(const IpBlock& block) {
  std::vector<std::string> except = block.except;
  std::sort(except.begin(), except.end());
  std::string key = block.cidr;
  for (const std::string& e : except) key += "|" + e;
  return "cidrs-" + Hash16(key);
}

PolicyPlan Compile(const Snapshot& snapshot, const std::string& node_name) {
  return Compiler(snapshot, node_name).Run();
}

}  // namespace netkube::policy
