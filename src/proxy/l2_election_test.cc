#include "proxy/l2_election.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "proxy/test_builders.h"

namespace netkube::proxy {
namespace {

using testing::Ep;
using testing::MakeService;
using testing::MakeSlice;

const std::set<std::string> kNodes = {"dev-control-plane", "dev-worker", "dev-worker2", "dev-worker3"};

Service Lb(const std::string& name, std::vector<std::string> ips, TrafficPolicy etp = TrafficPolicy::kCluster) {
  Service s = MakeService("default", name, "10.96.0.10");
  s.type = ServiceType::kLoadBalancer;
  s.load_balancer_ips = std::move(ips);
  s.external_traffic_policy = etp;
  return s;
}

std::string LbIp(int i) { return "172.18.255." + std::to_string(200 + i); }

// The node with the smallest score, computed here independently.
std::string Expected(const std::string& ip, const std::set<std::string>& nodes) {
  return *std::min_element(nodes.begin(), nodes.end(), [&](const std::string& a, const std::string& b) {
    return L2ElectionScore(a, ip) < L2ElectionScore(b, ip);
  });
}

TEST(L2Election, ScoreIsStable) {
  EXPECT_EQ(L2ElectionScore("n1", "172.18.255.200"), L2ElectionScore("n1", "172.18.255.200"));
  EXPECT_NE(L2ElectionScore("n1", "172.18.255.200"), L2ElectionScore("n2", "172.18.255.200"));
  EXPECT_NE(L2ElectionScore("n1", "172.18.255.200"), L2ElectionScore("n1", "172.18.255.201"));
  // Pinned: every agent must compute the same score, so a change of the hash
  // is a change of the election (and moves IPs during a rolling upgrade).
  EXPECT_EQ(L2ElectionScore("node-a", "172.18.255.200"), 2958703311946715661ull);
}

TEST(L2Election, DeterministicRegardlessOfInputOrder) {
  std::vector<Service> services;
  for (int i = 0; i < 20; ++i) services.push_back(Lb("s" + std::to_string(i), {LbIp(i)}));
  auto first = ElectL2Announcers(services, {}, kNodes);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(services.begin(), services.end(), rng);
    EXPECT_EQ(ElectL2Announcers(services, {}, kNodes), first);
  }
  ASSERT_EQ(first.size(), 20u);
  for (const auto& [ip, node] : first) EXPECT_EQ(node, Expected(ip, kNodes)) << ip;
}

TEST(L2Election, ExactlyOneNodeAnnouncesEachIp) {
  std::vector<Service> services;
  for (int i = 0; i < 51; ++i) services.push_back(Lb("s" + std::to_string(i), {LbIp(i)}));
  std::map<std::string, int> announcers;
  std::map<std::string, int> per_node;
  for (const auto& node : kNodes) {
    for (const auto& ip : AnnouncedLoadBalancerIPs(services, {}, kNodes, node)) {
      ++announcers[ip];
      ++per_node[node];
    }
  }
  EXPECT_EQ(announcers.size(), 51u);
  for (const auto& [ip, n] : announcers) EXPECT_EQ(n, 1) << ip;
  // The hash spreads 51 IPs over 4 nodes: every node gets some.
  EXPECT_EQ(per_node.size(), kNodes.size());
}

TEST(L2Election, OnlyManagedLoadBalancers) {
  Service cluster_ip = Lb("a", {LbIp(0)});
  cluster_ip.type = ServiceType::kClusterIP;  // stale status after a type change
  Service node_port = Lb("b", {LbIp(1)});
  node_port.type = ServiceType::kNodePort;
  Service other_class = Lb("c", {LbIp(2)});
  other_class.load_balancer_class = "example.com/lb";
  Service ours = Lb("d", {LbIp(3)});
  ours.load_balancer_class = kNetkubeLoadBalancerClass;
  Service v6 = Lb("e", {"fd00::200"});
  auto got = ElectL2Announcers({cluster_ip, node_port, other_class, ours, v6}, {}, kNodes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, LbIp(3));
}

TEST(L2Election, ExternalTrafficPolicyLocalOnlyNodesWithReadyEndpoints) {
  Service s = Lb("web", {LbIp(0)}, TrafficPolicy::kLocal);
  auto slice = MakeSlice("default", "web-abc", "web",
                         {Ep("10.244.1.5", "dev-worker", /*ready=*/false), Ep("10.244.2.5", "dev-worker2"),
                          Ep("10.244.3.5", "dev-worker3"), Ep("10.244.9.5", "gone-node")});
  // A slice of another service on the control plane does not count.
  auto other = MakeSlice("default", "api-xyz", "api", {Ep("10.244.0.5", "dev-control-plane")});
  std::set<std::string> local = {"dev-worker2", "dev-worker3"};
  auto got = ElectL2Announcers({s}, {slice, other}, kNodes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[LbIp(0)], Expected(LbIp(0), local));

  // The winner's endpoint goes away: the other local node takes over.
  std::string winner = got[LbIp(0)];
  std::string remaining = winner == "dev-worker2" ? "dev-worker3" : "dev-worker2";
  for (auto& ep : slice.endpoints) {
    if (ep.node_name == winner) ep.conditions.ready = false;
  }
  EXPECT_EQ(ElectL2Announcers({s}, {slice}, kNodes)[LbIp(0)], remaining);

  // An endpoint on a node that is not Ready does not make it a candidate.
  std::set<std::string> ready = kNodes;
  ready.erase(remaining);
  EXPECT_TRUE(ElectL2Announcers({s}, {slice}, ready).empty());
}

TEST(L2Election, NotReadyNodesAreSkipped) {
  Service s = Lb("web", {LbIp(0)});
  std::string winner = Expected(LbIp(0), kNodes);
  std::set<std::string> ready = kNodes;
  ready.erase(winner);
  auto got = ElectL2Announcers({s}, {}, ready);
  EXPECT_EQ(got[LbIp(0)], Expected(LbIp(0), ready));
  EXPECT_NE(got[LbIp(0)], winner);
  EXPECT_TRUE(AnnouncedLoadBalancerIPs({s}, {}, ready, winner).empty());
}

TEST(L2Election, NoCandidatesNobodyAnnounces) {
  Service cluster = Lb("a", {LbIp(0)});
  Service local = Lb("b", {LbIp(1)}, TrafficPolicy::kLocal);  // no endpoints anywhere
  EXPECT_TRUE(ElectL2Announcers({cluster, local}, {}, {}).empty());
  auto got = ElectL2Announcers({cluster, local}, {}, kNodes);
  EXPECT_EQ(got.count(LbIp(0)), 1u);
  EXPECT_EQ(got.count(LbIp(1)), 0u);
  for (const auto& node : kNodes) EXPECT_EQ(AnnouncedLoadBalancerIPs({local}, {}, kNodes, node).size(), 0u);
}

TEST(L2Election, SharedIpResolvesToOneNode) {
  // Two Services share one IP (different ports): one announcer. A Local one
  // narrows the candidates to the nodes with its endpoints.
  Service tcp = Lb("dns-tcp", {LbIp(5)});
  Service udp = Lb("dns-udp", {LbIp(5)}, TrafficPolicy::kLocal);
  auto slice = MakeSlice("default", "dns-udp-1", "dns-udp", {Ep("10.244.3.7", "dev-worker3")});
  auto got = ElectL2Announcers({tcp, udp}, {slice}, kNodes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[LbIp(5)], "dev-worker3");
  int announcers = 0;
  for (const auto& node : kNodes) announcers += AnnouncedLoadBalancerIPs({udp, tcp}, {slice}, kNodes, node).size();
  EXPECT_EQ(announcers, 1);

  // Disjoint candidate sets (two Local services, endpoints on different
  // nodes): the union, still one winner.
  Service a = Lb("a", {LbIp(6)}, TrafficPolicy::kLocal);
  Service b = Lb("b", {LbIp(6)}, TrafficPolicy::kLocal);
  auto sa = MakeSlice("default", "a-1", "a", {Ep("10.244.1.7", "dev-worker")});
  auto sb = MakeSlice("default", "b-1", "b", {Ep("10.244.2.7", "dev-worker2")});
  EXPECT_EQ(ElectL2Announcers({a, b}, {sa, sb}, kNodes)[LbIp(6)], Expected(LbIp(6), {"dev-worker", "dev-worker2"}));
}

TEST(L2Election, ServiceWithSeveralIps) {
  Service s = Lb("multi", {LbIp(1), LbIp(2), LbIp(3)});
  auto got = ElectL2Announcers({s}, {}, kNodes);
  ASSERT_EQ(got.size(), 3u);
  for (const auto& [ip, node] : got) EXPECT_EQ(node, Expected(ip, kNodes));
}

}  // namespace
}  // namespace netkube::proxy
