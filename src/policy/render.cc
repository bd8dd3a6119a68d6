#include "policy/render.h"

#include "nft/rule.h"

namespace netkube::policy {
namespace {

constexpr char kIngressMap[] = "ingress-pods";
constexpr char kEgressMap[] = "egress-pods";
constexpr char kNamedPortsKey[] = "ip daddr . meta l4proto . th dport";

// One Allow as a rule. `ingress`: the remote side is the source.
StatusOr<std::string> AllowRule(const PolicyPlan& plan, const Allow& a, bool ingress) {
  nft::RuleBuilder b;
  std::string remote_match;  // for the hand-written range form below
  if (plan.named_port_sets.count(a.peer_set)) {
    // Egress named ports: a verdict map of exact targets, "return" each.
    return b.VmapLookup(kNamedPortsKey, a.peer_set).Build();
  }
  if (!a.peer_set.empty()) {
    ingress ? b.SaddrInSet(a.peer_set) : b.DaddrInSet(a.peer_set);
    remote_match = std::string(ingress ? "ip saddr @" : "ip daddr @") + a.peer_set;
  }
  const char* verdict = ingress ? "accept" : "return";
  if (a.protocol && a.port_lo != 0 && a.port_hi != a.port_lo) {
    // endPort: "PROTO dport LO-HI" is not a RuleBuilder shape yet (see
    // README "Not done yet"); validate the parts with RuleBuilder, then
    // write the range form. nftnl_translate refuses it, so the applier
    // takes its libnftables script path for a transaction carrying it.
    b.L4Dport(ProtocolName(*a.protocol), a.port_lo).L4Dport(ProtocolName(*a.protocol), a.port_hi).Accept();
    if (StatusOr<std::string> check = b.Build(); !check.ok()) return check.status();
    std::string text = remote_match.empty() ? "" : remote_match + " ";
    return text + ProtocolName(*a.protocol) + " dport " + std::to_string(a.port_lo) + "-" +
           std::to_string(a.port_hi) + " " + verdict;
  }
  if (a.protocol && a.port_lo != 0) {
    b.L4Dport(ProtocolName(*a.protocol), a.port_lo);
  } else if (a.protocol) {
    b.L4Proto(ProtocolName(*a.protocol));
  }
  ingress ? b.Accept() : b.Return();
  return b.Build();
}

Status AddPodChain(nft::Table& t, const PolicyPlan& plan, const PodPolicy& pod, bool ingress) {
  std::string name = ingress ? IngressChainName(pod) : EgressChainName(pod);
  nft::Chain& chain = t.AddChain(name);
  nft::RuleBuilder self;
  ingress ? self.SaddrIs(pod.ip).Accept() : self.DaddrIs(pod.ip).Return();
  StatusOr<std::string> rule = self.Build();
  if (!rule.ok()) return rule.status();
  chain.rules.push_back(*rule);
  for (const Allow& a : pod.allows) {
    StatusOr<std::string> r = AllowRule(plan, a, ingress);
    if (!r.ok()) return r.status();
    chain.rules.push_back(*r);
  }
  StatusOr<std::string> drop = nft::RuleBuilder().Counter().Drop().Build();
  if (!drop.ok()) return drop.status();
  chain.rules.push_back(*drop);
  nft::Set& map = t.sets.at(ingress ? kIngressMap : kEgressMap);
  map.elements[pod.ip] = "jump " + name;
  return Status();
}

}  // namespace

std::string IngressChainName(const PodPolicy& pod) { return "ingress-" + pod.ns + "/" + pod.name; }
std::string EgressChainName(const PodPolicy& pod) { return "egress-" + pod.ns + "/" + pod.name; }

StatusOr<nft::Table> Render(const PolicyPlan& plan, const std::string& table_name) {
  nft::Table t;
  t.family = nft::Family::kInet;
  t.name = table_name;

  nft::Chain& forward = t.AddChain("forward", nft::BaseChainSpec{"filter", "forward", 0, "accept"});
  for (StatusOr<std::string> r : {nft::RuleBuilder().CtState({"established", "related"}).Accept().Build(),
                                  nft::RuleBuilder().VmapLookup("ip saddr", kEgressMap).Build(),
                                  nft::RuleBuilder().VmapLookup("ip daddr", kIngressMap).Build()}) {
    if (!r.ok()) return r.status();
    forward.rules.push_back(*r);
  }
  nft::Chain& output = t.AddChain("output", nft::BaseChainSpec{"filter", "output", 0, "accept"});
  StatusOr<std::string> node = nft::RuleBuilder().Counter().Accept().Build();
  if (!node.ok()) return node.status();
  output.rules.push_back(*node);

  t.AddSet(kIngressMap, "ipv4_addr", "verdict");
  t.AddSet(kEgressMap, "ipv4_addr", "verdict");
  for (const auto& [name, ips] : plan.pod_sets) {
    nft::Set& s = t.AddSet(name, "ipv4_addr");
    for (const std::string& ip : ips) s.elements[ip] = "";
  }
  for (const auto& [name, targets] : plan.named_port_sets) {
    nft::Set& s = t.AddSet(name, "ipv4_addr . inet_proto . inet_service", "verdict");
    for (const NamedPortTarget& x : targets) {
      s.elements[x.ip + " . " + ProtocolName(x.protocol) + " . " + std::to_string(x.port)] = "return";
    }
  }
  for (const auto& [name, cidrs] : plan.cidr_sets) {
    nft::Set& s = t.AddSet(name, "ipv4_addr");
    s.flags = {"interval"};
    for (const std::string& c : cidrs) s.elements[c] = "";
  }
  for (const auto& [ip, pod] : plan.egress) {
    if (Status s = AddPodChain(t, plan, pod, /*ingress=*/false); !s.ok()) return s;
  }
  for (const auto& [ip, pod] : plan.ingress) {
    if (Status s = AddPodChain(t, plan, pod, /*ingress=*/true); !s.ok()) return s;
  }
  if (Status s = nft::Validate(t); !s.ok()) return s;
  return t;
}

}  // namespace netkube::policy
