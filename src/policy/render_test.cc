#include "policy/render.h"

#include <gtest/gtest.h>

#include "nft/diff.h"
#include "nft/nftnl_translate.h"
#include "nft/render.h"

namespace netkube::policy {
namespace {

Snapshot SmallWorld() {
  Snapshot s;
  s.namespaces = {{"x", {}}, {"y", {{"team", "blue"}}}};
  PodInfo a;
  a.ns = "x";
  a.name = "a";
  a.ips = {"10.1.1.1"};
  a.labels = {{"pod", "a"}};
  a.node_name = "n1";
  a.named_ports = {{"http", {8080, Protocol::kTcp}}};
  PodInfo b = a;
  b.ns = "y";
  b.name = "b";
  b.ips = {"10.1.2.2"};
  PodInfo remote = a;
  remote.ns = "y";
  remote.name = "c";
  remote.ips = {"10.1.2.3"};
  remote.node_name = "n2";
  remote.named_ports = {{"http", {9090, Protocol::kTcp}}};
  s.pods = {a, b, remote};

  PolicyInfo ingress;
  ingress.ns = "x";
  ingress.name = "web";
  ingress.pod_selector = {{{"pod", "a"}}, {}};
  ingress.ingress = {
      PolicyRule{{PortSpec{Protocol::kTcp, 80, "", std::nullopt}},
                 {Peer{std::nullopt, LabelSelector{{{"team", "blue"}}, {}}, std::nullopt}}},
      PolicyRule{{PortSpec{Protocol::kUdp, 53, "", 55}},
                 {Peer{std::nullopt, std::nullopt, IpBlock{"10.2.0.0/16", {"10.2.1.0/24"}}}}},
  };
  PolicyInfo egress;
  egress.ns = "x";
  egress.name = "out";
  egress.policy_types = {PolicyType::kEgress};
  egress.egress = {PolicyRule{{PortSpec{Protocol::kTcp, std::nullopt, "http", std::nullopt}},
                              {Peer{std::nullopt, LabelSelector{}, std::nullopt}}},
                   PolicyRule{{PortSpec{Protocol::kUdp, std::nullopt, "", std::nullopt}}, {}}};
  s.policies = {ingress, egress};
  return s;
}

constexpr char kGolden[] = R"(add table inet netkube-policy
delete table inet netkube-policy
add table inet netkube-policy
add set inet netkube-policy cidrs-a86ff2b2f0a465d3 { type ipv4_addr; flags interval; }
add map inet netkube-policy egress-pods { type ipv4_addr : verdict; }
add map inet netkube-policy ingress-pods { type ipv4_addr : verdict; }
add map inet netkube-policy named-316b968acac482be { type ipv4_addr . inet_proto . inet_service : verdict; }
add set inet netkube-policy pods-6f45ed65f0c5a63c { type ipv4_addr; }
add chain inet netkube-policy egress-x/a
add chain inet netkube-policy forward { type filter hook forward priority 0; policy accept; }
add chain inet netkube-policy ingress-x/a
add chain inet netkube-policy output { type filter hook output priority 0; policy accept; }
add rule inet netkube-policy egress-x/a ip daddr 10.1.1.1 return
add rule inet netkube-policy egress-x/a meta l4proto udp return
add rule inet netkube-policy egress-x/a ip daddr . meta l4proto . th dport vmap @named-316b968acac482be
add rule inet netkube-policy egress-x/a counter drop
add rule inet netkube-policy forward ct state established,related accept
add rule inet netkube-policy forward ip saddr vmap @egress-pods
add rule inet netkube-policy forward ip daddr vmap @ingress-pods
add rule inet netkube-policy ingress-x/a ip saddr 10.1.1.1 accept
add rule inet netkube-policy ingress-x/a ip saddr @cidrs-a86ff2b2f0a465d3 udp dport 53-55 accept
add rule inet netkube-policy ingress-x/a ip saddr @pods-6f45ed65f0c5a63c tcp dport 80 accept
add rule inet netkube-policy ingress-x/a counter drop
add rule inet netkube-policy output counter accept
add element inet netkube-policy cidrs-a86ff2b2f0a465d3 { 10.2.0.0/24, 10.2.128.0/17, 10.2.16.0/20, 10.2.2.0/23, 10.2.32.0/19, 10.2.4.0/22, 10.2.64.0/18, 10.2.8.0/21 }
add element inet netkube-policy egress-pods { 10.1.1.1 : jump egress-x/a }
add element inet netkube-policy ingress-pods { 10.1.1.1 : jump ingress-x/a }
add element inet netkube-policy named-316b968acac482be { 10.1.1.1 . tcp . 8080 : return, 10.1.2.2 . tcp . 8080 : return, 10.1.2.3 . tcp . 9090 : return }
add element inet netkube-policy pods-6f45ed65f0c5a63c { 10.1.2.2, 10.1.2.3 }
)";

TEST(RenderTest, GoldenSmallTable) {
  StatusOr<nft::Table> t = Render(Compile(SmallWorld(), "n1"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::string text = nft::RenderFull(*t);
  EXPECT_EQ(text, kGolden);
}

// Every rule but the endPort range form is a shape the netlink translator
// knows (README "Not done yet" lists the range shape).
TEST(RenderTest, RulesAreTranslatorShapes) {
  StatusOr<nft::Table> t = Render(Compile(SmallWorld(), "n1"));
  ASSERT_TRUE(t.ok());
  int ranges = 0;
  for (const auto& [name, chain] : t->chains) {
    for (const std::string& rule : chain.rules) {
      if (rule.find("dport 53-55") != std::string::npos) {
        ++ranges;
        continue;
      }
      auto exprs = nft::nftnl::TranslateRule(rule, nft::Family::kInet);
      EXPECT_TRUE(exprs.ok()) << name << ": " << rule << ": " << exprs.status().ToString();
    }
  }
  EXPECT_EQ(ranges, 1);
  // The named-port maps' elements encode too (interval sets do not yet).
  int named = 0;
  for (const auto& [name, set] : t->sets) {
    if (name.rfind("named-", 0) != 0) continue;
    StatusOr<nft::nftnl::KeyType> type = nft::nftnl::ParseKeyType(set.key_type);
    ASSERT_TRUE(type.ok());
    for (const auto& [key, verdict] : set.elements) {
      ++named;
      EXPECT_TRUE(nft::nftnl::EncodeKey(*type, key).ok()) << key;
      EXPECT_TRUE(nft::nftnl::ParseVerdict(verdict).ok()) << verdict;
    }
  }
  EXPECT_EQ(named, 3);
}

TEST(RenderTest, EmptyPlanIsTheBaseChainsOnly) {
  StatusOr<nft::Table> t = Render(PolicyPlan{});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->chains.size(), 2u);
  EXPECT_EQ(t->sets.size(), 2u);  // ingress-pods, egress-pods
  EXPECT_TRUE(t->sets.at("ingress-pods").elements.empty());
}


// Churn is cheap: a relabelled pod is set elements only, never a rule.
TEST(RenderTest, RelabelIsSetElementsOnly) {
  Snapshot s = SmallWorld();
  StatusOr<nft::Table> before = Render(Compile(s, "n1"));
  s.namespaces[1].labels.erase("team");  // y/b and y/c leave the team=blue peer
  StatusOr<nft::Table> after = Render(Compile(s, "n1"));
  ASSERT_TRUE(before.ok() && after.ok());
  nft::Delta d = nft::Diff(*before, *after);
  EXPECT_FALSE(d.full_replace);
  EXPECT_TRUE(d.add_chains.empty() && d.refill_chains.empty() && d.delete_chains.empty());
  EXPECT_TRUE(d.add_sets.empty() && d.delete_sets.empty());
  ASSERT_EQ(d.set_changes.size(), 1u);
  EXPECT_EQ(d.set_changes[0].remove, (std::vector<std::string>{"10.1.2.2", "10.1.2.3"}));
}

// A new local pod that a policy selects: its chains and map elements, plus
// the peer sets it joins; no other chain changes.
TEST(RenderTest, NewSelectedPodTouchesOnlyItsOwnChains) {
  Snapshot s = SmallWorld();
  StatusOr<nft::Table> before = Render(Compile(s, "n1"));
  PodInfo d = s.pods[0];
  d.name = "d";
  d.uid = "d";
  d.ips = {"10.1.1.4"};
  s.pods.push_back(d);
  StatusOr<nft::Table> after = Render(Compile(s, "n1"));
  ASSERT_TRUE(before.ok() && after.ok());
  nft::Delta delta = nft::Diff(*before, *after);
  EXPECT_EQ(delta.add_chains, (std::vector<std::string>{"egress-x/d", "ingress-x/d"}));
  EXPECT_TRUE(delta.refill_chains.empty()) << delta.refill_chains[0];
  EXPECT_TRUE(delta.delete_chains.empty());
  EXPECT_EQ(delta.set_changes.size(), 3u);  // egress-pods, ingress-pods, the named-port map
}


// A policy added: only the chains of the pods it selects are refilled.
TEST(RenderTest, NewPolicyRefillsOnlyTheSelectedPodsChains) {
  Snapshot s = SmallWorld();
  PodInfo d = s.pods[0];
  d.name = "d";
  d.ips = {"10.1.1.4"};
  d.labels = {{"pod", "d"}};
  s.pods.push_back(d);
  StatusOr<nft::Table> before = Render(Compile(s, "n1"));
  PolicyInfo more;
  more.ns = "x";
  more.name = "more";
  more.pod_selector = {{{"pod", "a"}}, {}};
  more.ingress = {PolicyRule{{PortSpec{Protocol::kSctp, 9, "", std::nullopt}}, {}}};
  s.policies.push_back(more);
  StatusOr<nft::Table> after = Render(Compile(s, "n1"));
  ASSERT_TRUE(before.ok() && after.ok());
  nft::Delta delta = nft::Diff(*before, *after);
  EXPECT_EQ(delta.refill_chains, std::vector<std::string>{"ingress-x/a"});
  EXPECT_TRUE(delta.add_chains.empty() && delta.delete_chains.empty() && delta.set_changes.empty());
}

}  // namespace
}  // namespace netkube::policy
