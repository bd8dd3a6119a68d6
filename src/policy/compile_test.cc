#include "policy/compile.h"

#include <gtest/gtest.h>

#include "policy/testing_world.h"

namespace netkube::policy {
namespace {

using testing::Probe;
using testing::XyzWorld;
using Op = SelectorRequirement::Op;
constexpr Protocol kTcp = Protocol::kTcp, kUdp = Protocol::kUdp, kSctp = Protocol::kSctp;

struct Expect {
  std::string src, dst;
  Protocol proto;
  int port;
  bool allowed;
};

struct Case {
  std::string name;
  std::vector<PolicyInfo> policies;
  std::vector<Expect> expects;
};

PolicyInfo Policy(std::string ns, LabelSelector pods = {}) {
  PolicyInfo p;
  p.ns = std::move(ns);
  p.name = "p";
  p.pod_selector = std::move(pods);
  return p;
}
PolicyInfo WithIngress(PolicyInfo p, std::vector<PolicyRule> rules) {
  p.ingress = std::move(rules);
  return p;
}
PolicyInfo WithEgress(PolicyInfo p, std::vector<PolicyRule> rules, std::vector<PolicyType> types = {}) {
  p.egress = std::move(rules);
  p.policy_types = std::move(types);
  return p;
}
Peer PodSel(Labels l) { return Peer{LabelSelector{std::move(l), {}}, std::nullopt, std::nullopt}; }
Peer NsSel(Labels l) { return Peer{std::nullopt, LabelSelector{std::move(l), {}}, std::nullopt}; }
Peer Both(Labels ns, Labels pod) {
  return Peer{LabelSelector{std::move(pod), {}}, LabelSelector{std::move(ns), {}}, std::nullopt};
}
PortSpec Port(Protocol proto, int port, std::optional<int> end = std::nullopt) {
  return PortSpec{proto, port, "", end};
}
PortSpec Named(std::string name, Protocol proto = kTcp) { return PortSpec{proto, std::nullopt, name, std::nullopt}; }

std::vector<Case> Cases() {
  PolicyInfo deny_x_ingress = Policy("x");
  PolicyInfo deny_x_egress = WithEgress(Policy("x"), {}, {PolicyType::kEgress});
  PolicyInfo deny_x_both = WithEgress(Policy("x"), {}, {PolicyType::kIngress, PolicyType::kEgress});
  return {
      {"default allow", {}, {{"x/a", "y/b", kTcp, 80, true}, {"z/c", "x/a", kUdp, 81, true}}},
      {"deny all ingress isolates ingress only",
       {deny_x_ingress},
       {{"y/a", "x/b", kTcp, 80, false}, {"x/a", "x/b", kTcp, 80, false}, {"x/b", "y/a", kTcp, 80, true}}},
      {"egress-only policy without policyTypes isolates ingress too",
       {WithEgress(Policy("x"), {PolicyRule{}})},
       {{"y/a", "x/b", kTcp, 80, false}, {"x/b", "y/a", kTcp, 80, true}}},
      {"policyTypes Egress with no rules isolates egress only",
       {deny_x_egress},
       {{"x/b", "y/a", kTcp, 80, false}, {"x/b", "x/a", kUdp, 81, false}, {"y/a", "x/b", kTcp, 80, true}}},
      {"a connection needs egress and ingress",
       {deny_x_egress, WithIngress(Policy("y"), {PolicyRule{}})},
       {{"x/a", "y/a", kTcp, 80, false}, {"z/a", "y/a", kTcp, 80, true}}},
      {"empty rule allows all", {WithIngress(Policy("x"), {PolicyRule{}})}, {{"y/a", "x/b", kTcp, 80, true}}},
      {"empty ports = all ports and protocols; peer podSelector = policy namespace",
       {WithIngress(Policy("x"), {PolicyRule{{}, {PodSel({{"pod", "a"}})}}})},
       {{"x/a", "x/b", kTcp, 81, true},
        {"x/a", "x/b", kUdp, 5353, true},
        {"x/a", "x/c", kSctp, 9, true},
        {"x/c", "x/b", kTcp, 80, false},
        {"y/a", "x/b", kTcp, 80, false}}},
      {"spec podSelector selects only matching pods",
       {WithIngress(Policy("x", {{{"pod", "b"}}, {}}), {})},
       {{"y/a", "x/b", kTcp, 80, false}, {"y/a", "x/a", kTcp, 80, true}}},
      {"namespaceSelector {} = all namespaces",
       {WithIngress(Policy("x"), {PolicyRule{{}, {NsSel({})}}})},
       {{"y/c", "x/b", kTcp, 80, true}, {"z/a", "x/a", kUdp, 81, true}, {"x/c", "x/a", kTcp, 80, true}}},
      {"namespaceSelector AND podSelector in one peer",
       {WithIngress(Policy("x"), {PolicyRule{{}, {Both({{"ns", "y"}}, {{"pod", "a"}})}}})},
       {{"y/a", "x/b", kTcp, 80, true}, {"y/b", "x/b", kTcp, 80, false}, {"x/a", "x/b", kTcp, 80, false}}},
      {"OR across peers",
       {WithIngress(Policy("x"), {PolicyRule{{}, {NsSel({{"ns", "y"}}), PodSel({{"pod", "a"}})}}})},
       {{"y/b", "x/b", kTcp, 80, true},
        {"x/a", "x/b", kTcp, 80, true},
        {"x/c", "x/b", kTcp, 80, false},
        {"z/a", "x/b", kTcp, 80, false}}},
      {"matchExpressions In / NotIn",
       {WithIngress(Policy("x"), {PolicyRule{{},
                                             {Peer{LabelSelector{{}, {{"pod", Op::kIn, {"a", "b"}}}},
                                                   LabelSelector{{}, {{"ns", Op::kNotIn, {"x"}}}},
                                                   std::nullopt}}}})},
       {{"y/a", "x/c", kTcp, 80, true}, {"y/c", "x/c", kTcp, 80, false}, {"x/a", "x/c", kTcp, 80, false}}},
      {"matchExpressions Exists / DoesNotExist",
       {WithIngress(Policy("x", {{}, {{"pod", Op::kExists, {}}}}),
                    {PolicyRule{{}, {Peer{LabelSelector{{}, {{"missing", Op::kDoesNotExist, {}}}}, std::nullopt,
                                          std::nullopt}}}})},
       {{"x/c", "x/a", kTcp, 80, true}, {"y/c", "x/a", kTcp, 80, false}}},
      {"kubernetes.io/metadata.name selects a namespace by name",
       {WithIngress(Policy("x"), {PolicyRule{{}, {NsSel({{kNamespaceNameLabel, "z"}})}}})},
       {{"z/b", "x/a", kTcp, 80, true}, {"y/b", "x/a", kTcp, 80, false}}},
      {"ipBlock with except",
       {WithIngress(Policy("x"),
                    {PolicyRule{{}, {Peer{std::nullopt, std::nullopt, IpBlock{"10.1.2.0/24", {"10.1.2.2/32"}}}}}})},
       {{"y/a", "x/a", kTcp, 80, true}, {"y/b", "x/a", kTcp, 80, false}, {"z/a", "x/a", kTcp, 80, false}}},
      {"ingress named port resolved on each destination pod",
       {WithIngress(Policy("x"), {PolicyRule{{Named("http")}, {}}})},
       {{"y/a", "x/a", kTcp, 80, true},
        {"y/a", "x/a", kTcp, 8080, false},
        {"y/a", "x/c", kTcp, 8080, true},
        {"y/a", "x/c", kTcp, 80, false}}},
      {"named port with the wrong protocol opens nothing",
       {WithIngress(Policy("x"), {PolicyRule{{Named("serve-81-udp", kTcp)}, {}}})},
       {{"y/a", "x/a", kTcp, 81, false}, {"y/a", "x/a", kUdp, 81, false}}},
      {"egress named port resolved on each pod of the peer",
       {WithEgress(Policy("x", {{{"pod", "a"}}, {}}), {PolicyRule{{Named("http")}, {NsSel({{"ns", "y"}})}}})},
       {{"x/a", "y/a", kTcp, 80, true},
        {"x/a", "y/c", kTcp, 8080, true},
        {"x/a", "y/c", kTcp, 80, false},
        {"x/a", "z/a", kTcp, 80, false},
        {"x/b", "z/a", kTcp, 80, true}}},
      {"endPort is an inclusive range",
       {WithIngress(Policy("x"), {PolicyRule{{Port(kTcp, 80, 82)}, {}}})},
       {{"y/a", "x/a", kTcp, 79, false},
        {"y/a", "x/a", kTcp, 80, true},
        {"y/a", "x/a", kTcp, 82, true},
        {"y/a", "x/a", kTcp, 83, false},
        {"y/a", "x/a", kUdp, 81, false}}},
      {"UDP and SCTP rules do not open TCP",
       {WithIngress(Policy("x"), {PolicyRule{{Port(kUdp, 53), Port(kSctp, 80)}, {}}})},
       {{"y/a", "x/a", kUdp, 53, true},
        {"y/a", "x/a", kTcp, 53, false},
        {"y/a", "x/a", kSctp, 80, true},
        {"y/a", "x/a", kTcp, 80, false}}},
      {"protocol without port = every port of it",
       {WithIngress(Policy("x"), {PolicyRule{{PortSpec{kUdp, std::nullopt, "", std::nullopt}}, {}}})},
       {{"y/a", "x/a", kUdp, 9999, true}, {"y/a", "x/a", kTcp, 9999, false}}},
      {"union of all policies selecting a pod",
       {WithIngress(Policy("x"), {PolicyRule{{Port(kTcp, 80)}, {}}}),
        WithIngress(Policy("x", {{{"pod", "a"}}, {}}), {PolicyRule{{Port(kTcp, 81)}, {}}})},
       {{"y/a", "x/a", kTcp, 81, true}, {"y/a", "x/b", kTcp, 81, false}, {"y/a", "x/b", kTcp, 80, true}}},
      {"a pod is never blocked from itself", {deny_x_both}, {{"x/a", "x/a", kTcp, 80, true}}},
  };
}

TEST(CompileTest, Checklist) {
  for (const Case& c : Cases()) {
    Snapshot s = XyzWorld();
    s.policies = c.policies;
    for (const Expect& e : c.expects) {
      EXPECT_EQ(Probe(s, e.src, e.dst, e.proto, e.port), e.allowed)
          << c.name << ": " << e.src << " -> " << e.dst << " " << ProtocolName(e.proto) << "/" << e.port;
    }
  }
}

TEST(CompileTest, PlanHoldsOnlyTheNodesPods) {
  Snapshot s = XyzWorld();
  s.policies = {Policy("x")};
  PolicyPlan n1 = Compile(s, "n1");
  EXPECT_EQ(n1.ingress.size(), 2u);  // x/a, x/b
  EXPECT_TRUE(n1.ingress.count("10.1.1.1"));
  EXPECT_FALSE(n1.ingress.count("10.1.1.3"));  // x/c lives on n2
  EXPECT_TRUE(n1.egress.empty());
  EXPECT_TRUE(Compile(s, "n3").ingress.empty());
}

TEST(CompileTest, PeersShareOneSetPerDistinctSelector) {
  Snapshot s = XyzWorld();
  PolicyRule r{{}, {NsSel({{"ns", "y"}})}};
  PolicyInfo p1 = WithIngress(Policy("x"), {r});
  PolicyInfo p2 = WithIngress(Policy("z"), {r});  // a namespaceSelector ignores the policy namespace
  PolicyInfo p3 = WithIngress(Policy("y"), {PolicyRule{{}, {PodSel({{"pod", "a"}})}}});
  PolicyInfo p4 = WithIngress(Policy("z"), {PolicyRule{{}, {PodSel({{"pod", "a"}})}}});
  p2.name = "p2";
  s.policies = {p1, p2, p3, p4};
  PolicyPlan plan = Compile(s, "n1");
  EXPECT_EQ(plan.pod_sets.size(), 3u);
  EXPECT_EQ(plan.pod_sets.at(PodSetName("x", r.peers[0])),
            (std::vector<std::string>{"10.1.2.1", "10.1.2.2", "10.1.2.3"}));
  EXPECT_EQ(PodSetName("x", r.peers[0]), PodSetName("z", r.peers[0]));
  EXPECT_NE(PodSetName("y", PodSel({{"pod", "a"}})), PodSetName("z", PodSel({{"pod", "a"}})));
}

TEST(CompileTest, HostNetworkAndUnaddressedPodsAreNeverPeersNorEnforced) {
  Snapshot s = XyzWorld();
  PodInfo host;
  host.ns = "y";
  host.name = "host";
  host.ips = {"192.168.0.1"};
  host.labels = {{"pod", "a"}};
  host.node_name = "n1";
  host.host_network = true;
  PodInfo pending = host;
  pending.name = "pending";
  pending.ips = {};
  pending.host_network = false;
  s.pods.push_back(host);
  s.pods.push_back(pending);
  s.policies = {WithIngress(Policy("y"), {PolicyRule{{}, {PodSel({{"pod", "a"}})}}})};
  PolicyPlan plan = Compile(s, "n1");
  EXPECT_EQ(plan.pod_sets.begin()->second, std::vector<std::string>{"10.1.2.1"});
  EXPECT_FALSE(plan.ingress.count("192.168.0.1"));
  EXPECT_EQ(plan.ingress.size(), 2u);  // y/a, y/b
}

// Label churn: recompiling after a pod or namespace label change moves IPs
// between sets; set names, pods' allowances (the rules) stay the same.
TEST(CompileTest, LabelChangesOnlyChangeSetElements) {
  Snapshot s = XyzWorld();
  s.policies = {WithIngress(Policy("x"), {PolicyRule{{Port(kTcp, 80)}, {Both({{"team", "blue"}}, {{"pod", "a"}})}}})};
  PolicyPlan before = Compile(s, "n1");
  for (PodInfo& p : s.pods) {
    if (p.ns == "y" && p.name == "b") p.labels["pod"] = "a";
  }
  for (NamespaceInfo& n : s.namespaces) {
    if (n.name == "y") n.labels["team"] = "blue";
  }
  PolicyPlan after = Compile(s, "n1");
  EXPECT_EQ(before.ingress, after.ingress);
  EXPECT_EQ(before.egress, after.egress);
  EXPECT_EQ(before.cidr_sets, after.cidr_sets);
  ASSERT_EQ(before.pod_sets.size(), 1u);
  ASSERT_EQ(after.pod_sets.size(), 1u);
  EXPECT_EQ(before.pod_sets.begin()->first, after.pod_sets.begin()->first);
  EXPECT_TRUE(before.pod_sets.begin()->second.empty());
  EXPECT_EQ(after.pod_sets.begin()->second, (std::vector<std::string>{"10.1.2.1", "10.1.2.2"}));
  EXPECT_TRUE(Probe(s, "y/b", "x/a", kTcp, 80));
}

}  // namespace
}  // namespace netkube::policy
