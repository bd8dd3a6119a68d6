#include "proxy/render.h"

#include <cctype>

#include "nft/rule.h"

namespace netkube::proxy {
namespace {

using nft::BaseChainSpec;
using nft::RuleBuilder;

constexpr char kServiceIps[] = "service-ips";
constexpr char kServiceNodePorts[] = "service-nodeports";
constexpr char kNoEndpointServices[] = "no-endpoint-services";
constexpr char kNoEndpointNodePorts[] = "no-endpoint-nodeports";
constexpr char kNodePortIps[] = "nodeport-ips";
constexpr char kRejectChain[] = "reject-chain";
constexpr char kAddrKey[] = "ip daddr . meta l4proto . th dport";
constexpr char kPortKey[] = "meta l4proto . th dport";

// nft's protocol names: "tcp", "udp", "sctp".
std::string Proto(Protocol p) {
  std::string s(ProtocolName(p));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string EndpointBase(const std::string& base, const Endpoint& ep) {
  return base + "__" + ep.ip + "/" + std::to_string(ep.port);
}

// Collects rules for one chain; the first builder error wins.
class Rules {
 public:
  void Add(const RuleBuilder& b) {
    auto r = b.Build();
    if (!r.ok()) {
      if (status_.ok()) status_ = r.status();
      return;
    }
    rules_.push_back(std::move(*r));
  }
  void AddAll(StatusOr<std::vector<std::string>> rules) {
    if (!rules.ok()) {
      if (status_.ok()) status_ = rules.status();
      return;
    }
    for (auto& r : *rules) rules_.push_back(std::move(r));
  }
  const Status& status() const { return status_; }
  std::vector<std::string> Take() { return std::move(rules_); }

 private:
  std::vector<std::string> rules_;
  Status status_;
};

// What one entry adds to the table, built completely before anything is
// inserted, so a failing entry leaves no half of itself behind.
struct Pending {
  std::vector<nft::Chain> chains;
  std::vector<nft::Set> sets;
  std::vector<std::tuple<std::string, std::string, std::string>> elements;  // map, key, value
};

}  // namespace

std::string ChainBase(const ServicePortName& name) {
  return name.service.ns + "/" + name.service.name + "/" + Proto(name.protocol) + "/" + name.port;
}

ProxyTableRenderer::ProxyTableRenderer(RenderOptions options) : options_(std::move(options)) {
  if (options_.masquerade_mark == 0) options_status_ = Status::Invalid("proxy: the masquerade mark must not be 0");
  if (!options_.cluster_pod_cidr.empty() && !nft::IsIpv4OrCidr(options_.cluster_pod_cidr)) {
    options_status_ = Status::Invalid("proxy: invalid cluster pod CIDR \"" + options_.cluster_pod_cidr + "\"");
  }
  if (!nft::IsValidName(options_.table_name)) {
    options_status_ = Status::Invalid("proxy: invalid table name \"" + options_.table_name + "\"");
  }
  table_.family = nft::Family::kIp;
  table_.name = options_.table_name;
}

Status ProxyTableRenderer::RenderStatic(const std::vector<std::string>& node_port_ips) {
  nft::Table& t = table_;
  const uint32_t mark = options_.masquerade_mark;
  Rules check;
  check.Add(RuleBuilder().VmapLookup(kAddrKey, kNoEndpointServices));
  check.Add(RuleBuilder().DaddrInSet(kNodePortIps).VmapLookup(kPortKey, kNoEndpointNodePorts));
  Rules filter_hook;
  filter_hook.Add(RuleBuilder().CtState({"new"}).Jump("service-endpoints-check"));
  Rules services;
  services.Add(RuleBuilder().VmapLookup(kAddrKey, kServiceIps));
  services.Add(RuleBuilder().DaddrInSet(kNodePortIps).VmapLookup(kPortKey, kServiceNodePorts));
  Rules nat_hook;
  nat_hook.Add(RuleBuilder().Jump("services"));
  Rules post_hook;
  post_hook.Add(RuleBuilder().Jump("masquerading"));
  Rules masquerading;
  masquerading.Add(RuleBuilder().MarkMatch(mark).Masquerade());
  Rules reject;
  reject.Add(RuleBuilder().L4Proto("tcp").RejectTcpReset());
  reject.Add(RuleBuilder().Reject());
  for (const Rules* r : {&check, &filter_hook, &services, &nat_hook, &post_hook, &masquerading, &reject}) {
    if (!r->status().ok()) return r->status();
  }
  std::vector<std::string> hook = filter_hook.Take(), nat = nat_hook.Take();
  t.AddChain("filter-prerouting", BaseChainSpec{"filter", "prerouting", -110, "accept"}).rules = hook;
  t.AddChain("filter-output", BaseChainSpec{"filter", "output", -110, "accept"}).rules = hook;
  t.AddChain("service-endpoints-check").rules = check.Take();
  t.AddChain("nat-prerouting", BaseChainSpec{"nat", "prerouting", -100, "accept"}).rules = nat;
  t.AddChain("nat-output", BaseChainSpec{"nat", "output", -100, "accept"}).rules = nat;
  t.AddChain("nat-postrouting", BaseChainSpec{"nat", "postrouting", 100, "accept"}).rules = post_hook.Take();
  t.AddChain("services").rules = services.Take();
  t.AddChain("masquerading").rules = masquerading.Take();
  t.AddChain(kRejectChain).rules = reject.Take();

  // The maps keep their elements across a static re-render.
  for (const char* m : {kServiceIps, kNoEndpointServices}) {
    if (!t.sets.count(m)) t.AddSet(m, "ipv4_addr . inet_proto . inet_service", "verdict");
  }
  for (const char* m : {kServiceNodePorts, kNoEndpointNodePorts}) {
    if (!t.sets.count(m)) t.AddSet(m, "inet_proto . inet_service", "verdict");
  }
  nft::Set& ips = t.AddSet(kNodePortIps, "ipv4_addr");
  for (const std::string& ip : node_port_ips) {
    if (nft::IsIpv4OrCidr(ip) && ip.find('/') == std::string::npos) ips.elements[ip] = "";
  }
  return Status::OK();
}

Status ProxyTableRenderer::Add(const ServicePortPlan& e, ClusterIPMasquerade masquerade) {
  const std::string base = ChainBase(e.name);
  const std::string proto = Proto(e.protocol);
  const std::string service_chain = "service-" + base;
  const std::string local_chain = "local-" + base;
  const std::string external_chain = "external-" + base;
  const std::string& pods = options_.cluster_pod_cidr;
  // The mark is set inline rather than by a jump to a shared chain: every
  // jump is an edge the kernel re-walks when it validates the table on a
  // commit, and there are several per service.
  const uint32_t mark = options_.masquerade_mark;
  Pending p;

  auto endpoint_chain = [&](const Endpoint& ep) { return "endpoint-" + EndpointBase(base, ep); };
  auto affinity_set = [&](const Endpoint& ep) { return "affinity-" + EndpointBase(base, ep); };

  // service-/local-: masquerade ClusterIP clients outside the pod network,
  // stick to an endpoint a client used recently, else pick one at random.
  auto balancer = [&](const std::string& name, const std::vector<Endpoint>& eps) {
    Rules r;
    if (masquerade == ClusterIPMasquerade::kAll || pods.empty()) {
      r.Add(RuleBuilder().DaddrIs(e.cluster_ip).L4Dport(proto, e.port).MarkSet(mark));
    } else {
      r.Add(RuleBuilder().DaddrIs(e.cluster_ip).L4Dport(proto, e.port).SaddrIsNot(pods).MarkSet(mark));
    }
    std::vector<std::string> targets;
    for (const Endpoint& ep : eps) {
      if (e.session_affinity_client_ip) r.Add(RuleBuilder().SaddrInSet(affinity_set(ep)).Goto(endpoint_chain(ep)));
      targets.push_back(endpoint_chain(ep));
    }
    r.AddAll(nft::RandomCascade(targets));
    p.chains.push_back(nft::Chain{name, std::nullopt, r.Take()});
    return r.status();
  };

  const bool needs_cluster = (e.internal_verdict == Verdict::kForward && !e.internal_policy_local) ||
                             (e.external_verdict == Verdict::kForward && !e.external_policy_local) ||
                             e.external_short_circuit;
  const bool needs_local = (e.internal_verdict == Verdict::kForward && e.internal_policy_local) ||
                           (e.external_verdict == Verdict::kForward && e.external_policy_local);
  if (needs_cluster) NK_RETURN_IF_ERROR(balancer(service_chain, e.cluster_endpoints));
  if (needs_local) NK_RETURN_IF_ERROR(balancer(local_chain, e.local_endpoints));

  // Endpoint chains for every DNAT target, with their affinity sets.
  for (const Endpoint& ep : e.all_reachable_endpoints) {
    Rules r;
    r.Add(RuleBuilder().SaddrIs(ep.ip).MarkSet(mark));  // hairpin
    if (e.session_affinity_client_ip) {
      r.Add(RuleBuilder().UpdateSetWithSaddr(affinity_set(ep)));
      nft::Set s;
      s.name = affinity_set(ep);
      s.key_type = "ipv4_addr";
      s.flags = {"dynamic", "timeout"};
      s.timeout_seconds = e.session_affinity_timeout_seconds;
      p.sets.push_back(std::move(s));
    }
    r.Add(RuleBuilder().ForIpFamily().L4Proto(proto).DnatTo(ep.ip, ep.port));
    NK_RETURN_IF_ERROR(r.status());
    p.chains.push_back(nft::Chain{endpoint_chain(ep), std::nullopt, r.Take()});
  }

  // ClusterIP.
  const std::string cluster_key = e.cluster_ip + " . " + proto + " . " + std::to_string(e.port);
  if (!nft::IsIpv4OrCidr(e.cluster_ip)) return Status::Invalid("invalid ClusterIP \"" + e.cluster_ip + "\"");
  if (e.internal_verdict == Verdict::kForward) {
    p.elements.emplace_back(kServiceIps, cluster_key, "goto " + (e.internal_policy_local ? local_chain : service_chain));
  } else {
    p.elements.emplace_back(kNoEndpointServices, cluster_key, std::string("goto ") + kRejectChain);
  }

  // NodePort, LoadBalancer IPs, external IPs.
  if (e.ExternallyAccessible()) {
    const bool via_chain = e.external_verdict != Verdict::kReject;
    if (via_chain) {
      Rules r;
      if (e.masquerade_external) {
        r.Add(RuleBuilder().MarkSet(mark));
        r.Add(RuleBuilder().Goto(service_chain));
      } else {
        if (e.external_short_circuit) {
          if (!pods.empty()) r.Add(RuleBuilder().SaddrIs(pods).Goto(service_chain));
          r.Add(RuleBuilder().FibSaddrLocal().MarkSet(mark));
          r.Add(RuleBuilder().FibSaddrLocal().Goto(service_chain));
        }
        if (e.external_verdict == Verdict::kForward) {
          r.Add(RuleBuilder().Goto(local_chain));
        } else {
          r.Add(RuleBuilder().Drop());
        }
      }
      NK_RETURN_IF_ERROR(r.status());
      p.chains.push_back(nft::Chain{external_chain, std::nullopt, r.Take()});
    }
    const std::string verdict = via_chain ? "goto " + external_chain : std::string("goto ") + kRejectChain;
    std::vector<std::string> addrs = e.load_balancer_ips;
    addrs.insert(addrs.end(), e.external_ips.begin(), e.external_ips.end());
    for (const std::string& ip : addrs) {
      if (!nft::IsIpv4OrCidr(ip) || ip.find('/') != std::string::npos) continue;  // never fatal
      p.elements.emplace_back(via_chain ? kServiceIps : kNoEndpointServices,
                              ip + " . " + proto + " . " + std::to_string(e.port), verdict);
    }
    if (e.node_port > 0) {
      p.elements.emplace_back(via_chain ? kServiceNodePorts : kNoEndpointNodePorts,
                              proto + " . " + std::to_string(e.node_port), verdict);
    }
  }

  // Commit the entry.
  Fragment& f = fragments_[e.name];
  for (nft::Chain& c : p.chains) {
    f.chains.push_back(c.name);
    touched_.chains.insert(c.name);
    table_.chains[c.name] = std::move(c);
  }
  for (nft::Set& s : p.sets) {
    f.sets.push_back(s.name);
    touched_.sets.insert(s.name);
    table_.sets[s.name] = std::move(s);
  }
  for (auto& [map, key, value] : p.elements) {
    auto owner = owners_.emplace(std::make_pair(map, key), e.name);
    if (!owner.second && owner.first->second != e.name) continue;  // claimed by another entry
    table_.sets[map].elements[key] = value;
    touched_.sets.insert(map);
    f.elements.emplace_back(map, key);
  }
  return Status::OK();
}

void ProxyTableRenderer::Remove(const ServicePortName& name) {
  skipped_.erase(name);
  auto it = fragments_.find(name);
  if (it == fragments_.end()) return;
  for (const std::string& c : it->second.chains) {
    table_.chains.erase(c);
    touched_.chains.insert(c);
  }
  for (const std::string& s : it->second.sets) {
    table_.sets.erase(s);
    touched_.sets.insert(s);
  }
  for (const auto& [map, key] : it->second.elements) {
    owners_.erase({map, key});
    table_.sets[map].elements.erase(key);
    touched_.sets.insert(map);
  }
  fragments_.erase(it);
}

Status ProxyTableRenderer::Update(const std::map<ServicePortName, ServicePortPlan>& entries,
                                  const std::vector<std::string>& node_port_ips, ClusterIPMasquerade masquerade,
                                  const std::set<ServicePortName>& changed, bool full) {
  NK_RETURN_IF_ERROR(options_status_);
  std::vector<ServicePortName> todo;
  if (full || table_.chains.empty()) {
    table_.chains.clear();
    table_.sets.clear();
    fragments_.clear();
    skipped_.clear();
    owners_.clear();
    touched_.all = true;
    NK_RETURN_IF_ERROR(RenderStatic(node_port_ips));
    for (const auto& [name, entry] : entries) todo.push_back(name);
  } else {
    todo.assign(changed.begin(), changed.end());
    for (const auto& [name, why] : skipped_) todo.push_back(name);  // retry
  }
  for (const ServicePortName& name : todo) {
    Remove(name);
    auto it = entries.find(name);
    if (it == entries.end()) continue;
    if (Status st = Add(it->second, masquerade); !st.ok()) {
      Remove(name);
      skipped_[name] = st.message();
    }
  }
  return Status::OK();
}

ProxyTableRenderer::Touched ProxyTableRenderer::TakeTouched() {
  Touched t = std::move(touched_);
  touched_ = Touched{};
  return t;
}

std::vector<std::string> ProxyTableRenderer::skipped() const {
  std::vector<std::string> out;
  for (const auto& [name, why] : skipped_) out.push_back(name.String() + ": " + why);
  return out;
}

size_t ProxyTableRenderer::RuleCount() const {
  size_t n = 0;
  for (const auto& [name, c] : table_.chains) n += c.rules.size();
  for (const auto& [name, s] : table_.sets) n += s.elements.size();
  return n;
}

StatusOr<nft::Table> RenderProxyTable(const ProxyPlan& plan, const RenderOptions& options,
                                      std::vector<std::string>* skipped) {
  std::map<ServicePortName, ServicePortPlan> entries;
  for (const ServicePortPlan& e : plan.ports) entries.emplace(e.name, e);
  ProxyTableRenderer r(options);
  NK_RETURN_IF_ERROR(r.Update(entries, plan.node_port_ips, plan.cluster_ip_masquerade, {}, true));
  if (skipped) *skipped = r.skipped();
  return r.table();
}

}  // namespace netkube::proxy
