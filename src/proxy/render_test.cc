#include "proxy/render.h"

#include <gtest/gtest.h>

#include "nft/render.h"
#include "proxy/test_builders.h"
#include "proxy/tracker.h"

namespace netkube::proxy {
namespace {

using testing::Ep;
using testing::MakeService;
using testing::MakeSlice;

const NodeInfo kNode{"node-a", {"172.18.0.2"}};

RenderOptions Options() {
  RenderOptions o;
  o.cluster_pod_cidr = "10.244.0.0/16";
  return o;
}

nft::Table Render(const std::vector<Service>& svcs, const std::vector<EndpointSlice>& slices) {
  ProxyPlan plan = CompileProxyPlan(svcs, slices, kNode);
  std::vector<std::string> skipped;
  auto t = RenderProxyTable(plan, Options(), &skipped);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(nft::Validate(*t).ok()) << nft::Validate(*t).ToString();
  for (auto& s : skipped) ADD_FAILURE() << s;
  return *t;
}

const std::vector<std::string>& Rules(const nft::Table& t, const std::string& chain) {
  static const std::vector<std::string> kNone;
  auto it = t.chains.find(chain);
  return it == t.chains.end() ? kNone : it->second.rules;
}

std::string Element(const nft::Table& t, const std::string& map, const std::string& key) {
  auto s = t.sets.find(map);
  if (s == t.sets.end()) return "<no map>";
  auto e = s->second.elements.find(key);
  return e == s->second.elements.end() ? "<none>" : e->second;
}

TEST(RenderTest, ClusterIPGolden) {
  auto svc = MakeService("default", "echo", "10.96.0.10");
  auto slice = MakeSlice("default", "echo-1", "echo", {Ep("10.244.1.5", "node-b"), Ep("10.244.0.7", "node-a")});
  nft::Table t = Render({svc}, {slice});
  EXPECT_EQ(t.family, nft::Family::kIp);
  EXPECT_EQ(t.name, "netkube-proxy");
  EXPECT_EQ(nft::RenderFull(t), R"(add table ip netkube-proxy
delete table ip netkube-proxy
add table ip netkube-proxy
add map ip netkube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict; }
add map ip netkube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; }
add set ip netkube-proxy nodeport-ips { type ipv4_addr; }
add map ip netkube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
add map ip netkube-proxy service-nodeports { type inet_proto . inet_service : verdict; }
add chain ip netkube-proxy endpoint-default/echo/tcp/__10.244.0.7/8080
add chain ip netkube-proxy endpoint-default/echo/tcp/__10.244.1.5/8080
add chain ip netkube-proxy filter-output { type filter hook output priority -110; policy accept; }
add chain ip netkube-proxy filter-prerouting { type filter hook prerouting priority -110; policy accept; }
add chain ip netkube-proxy masquerading
add chain ip netkube-proxy nat-output { type nat hook output priority -100; policy accept; }
add chain ip netkube-proxy nat-postrouting { type nat hook postrouting priority 100; policy accept; }
add chain ip netkube-proxy nat-prerouting { type nat hook prerouting priority -100; policy accept; }
add chain ip netkube-proxy reject-chain
add chain ip netkube-proxy service-default/echo/tcp/
add chain ip netkube-proxy service-endpoints-check
add chain ip netkube-proxy services
add rule ip netkube-proxy endpoint-default/echo/tcp/__10.244.0.7/8080 ip saddr 10.244.0.7 meta mark set meta mark | 0x4000
add rule ip netkube-proxy endpoint-default/echo/tcp/__10.244.0.7/8080 meta l4proto tcp dnat to 10.244.0.7:8080
add rule ip netkube-proxy endpoint-default/echo/tcp/__10.244.1.5/8080 ip saddr 10.244.1.5 meta mark set meta mark | 0x4000
add rule ip netkube-proxy endpoint-default/echo/tcp/__10.244.1.5/8080 meta l4proto tcp dnat to 10.244.1.5:8080
add rule ip netkube-proxy filter-output ct state new jump service-endpoints-check
add rule ip netkube-proxy filter-prerouting ct state new jump service-endpoints-check
add rule ip netkube-proxy masquerading meta mark & 0x4000 == 0x4000 masquerade
add rule ip netkube-proxy nat-output jump services
add rule ip netkube-proxy nat-postrouting jump masquerading
add rule ip netkube-proxy nat-prerouting jump services
add rule ip netkube-proxy reject-chain meta l4proto tcp reject with tcp reset
add rule ip netkube-proxy reject-chain reject
add rule ip netkube-proxy service-default/echo/tcp/ ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 meta mark set meta mark | 0x4000
add rule ip netkube-proxy service-default/echo/tcp/ numgen random mod 2 == 0 goto endpoint-default/echo/tcp/__10.244.0.7/8080
add rule ip netkube-proxy service-default/echo/tcp/ goto endpoint-default/echo/tcp/__10.244.1.5/8080
add rule ip netkube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule ip netkube-proxy service-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip netkube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip netkube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add element ip netkube-proxy nodeport-ips { 172.18.0.2 }
add element ip netkube-proxy service-ips { 10.96.0.10 . tcp . 80 : goto service-default/echo/tcp/ }
)");
}

TEST(RenderTest, NoEndpointsRejectsClusterIPAndNodePort) {
  auto svc = MakeService("default", "none", "10.96.0.11", {{"http", Protocol::kTCP, 80, "8080", 30080}});
  svc.type = ServiceType::kNodePort;
  nft::Table t = Render({svc}, {});
  EXPECT_EQ(Element(t, "no-endpoint-services", "10.96.0.11 . tcp . 80"), "goto reject-chain");
  EXPECT_EQ(Element(t, "no-endpoint-nodeports", "tcp . 30080"), "goto reject-chain");
  EXPECT_EQ(Element(t, "service-ips", "10.96.0.11 . tcp . 80"), "<none>");
  EXPECT_EQ(t.chains.count("service-default/none/tcp/http"), 0u);
  EXPECT_EQ(t.chains.count("external-default/none/tcp/http"), 0u);
}

TEST(RenderTest, NodePortAndLoadBalancerClusterPolicyMasquerade) {
  auto svc = MakeService("default", "web", "10.96.0.12", {{"", Protocol::kUDP, 53, "5353", 30053}});
  svc.type = ServiceType::kLoadBalancer;
  svc.load_balancer_ips = {"172.18.255.200"};
  svc.external_ips = {"192.0.2.7"};
  auto slice = MakeSlice("default", "web-1", "web", {Ep("10.244.1.5", "node-b")}, {{"", Protocol::kUDP, 5353}});
  nft::Table t = Render({svc}, {slice});
  const std::string ext = "external-default/web/udp/";
  EXPECT_EQ(Element(t, "service-nodeports", "udp . 30053"), "goto " + ext);
  EXPECT_EQ(Element(t, "service-ips", "172.18.255.200 . udp . 53"), "goto " + ext);
  EXPECT_EQ(Element(t, "service-ips", "192.0.2.7 . udp . 53"), "goto " + ext);
  EXPECT_EQ(Element(t, "service-ips", "10.96.0.12 . udp . 53"), "goto service-default/web/udp/");
  EXPECT_EQ(Rules(t, ext), (std::vector<std::string>{"meta mark set meta mark | 0x4000", "goto service-default/web/udp/"}));
  EXPECT_EQ(Rules(t, "endpoint-default/web/udp/__10.244.1.5/5353").back(), "meta l4proto udp dnat to 10.244.1.5:5353");
}

TEST(RenderTest, ExternalTrafficPolicyLocal) {
  auto svc = MakeService("default", "loc", "10.96.0.13", {{"", Protocol::kTCP, 80, "8080", 30081}});
  svc.type = ServiceType::kNodePort;
  svc.external_traffic_policy = TrafficPolicy::kLocal;
  // An endpoint on this node: external traffic goes to the local chain.
  auto here = MakeSlice("default", "loc-1", "loc", {Ep("10.244.0.9", "node-a"), Ep("10.244.1.9", "node-b")});
  nft::Table t = Render({svc}, {here});
  const std::string ext = "external-default/loc/tcp/";
  EXPECT_EQ(Rules(t, ext), (std::vector<std::string>{
                               "ip saddr 10.244.0.0/16 goto service-default/loc/tcp/",
                               "fib saddr type local meta mark set meta mark | 0x4000",
                               "fib saddr type local goto service-default/loc/tcp/",
                               "goto local-default/loc/tcp/"}));
  EXPECT_EQ(Rules(t, "local-default/loc/tcp/").back(), "goto endpoint-default/loc/tcp/__10.244.0.9/8080");
  // ClusterIP traffic still uses every endpoint.
  EXPECT_EQ(Element(t, "service-ips", "10.96.0.13 . tcp . 80"), "goto service-default/loc/tcp/");

  // None on this node: external traffic is dropped after the short-circuit.
  auto there = MakeSlice("default", "loc-1", "loc", {Ep("10.244.1.9", "node-b")});
  t = Render({svc}, {there});
  EXPECT_EQ(Rules(t, ext).back(), "drop");
  EXPECT_EQ(t.chains.count("local-default/loc/tcp/"), 0u);
  EXPECT_EQ(Element(t, "service-nodeports", "tcp . 30081"), "goto " + ext);
}

TEST(RenderTest, InternalTrafficPolicyLocalWithoutLocalEndpointsRejects) {
  auto svc = MakeService("default", "itp", "10.96.0.14");
  svc.internal_traffic_policy = TrafficPolicy::kLocal;
  auto slice = MakeSlice("default", "itp-1", "itp", {Ep("10.244.1.9", "node-b")});
  nft::Table t = Render({svc}, {slice});
  EXPECT_EQ(Element(t, "no-endpoint-services", "10.96.0.14 . tcp . 80"), "goto reject-chain");
  slice = MakeSlice("default", "itp-1", "itp", {Ep("10.244.1.9", "node-b"), Ep("10.244.0.3", "node-a")});
  t = Render({svc}, {slice});
  EXPECT_EQ(Element(t, "service-ips", "10.96.0.14 . tcp . 80"), "goto local-default/itp/tcp/");
}

TEST(RenderTest, ClientIPAffinity) {
  auto svc = MakeService("default", "sticky", "10.96.0.15");
  svc.session_affinity_client_ip = true;
  svc.session_affinity_timeout_seconds = 60;
  auto slice = MakeSlice("default", "s-1", "sticky", {Ep("10.244.0.7", "node-a"), Ep("10.244.1.5", "node-b")});
  nft::Table t = Render({svc}, {slice});
  const std::string ep = "default/sticky/tcp/__10.244.0.7/8080";
  ASSERT_EQ(t.sets.count("affinity-" + ep), 1u);
  const nft::Set& s = t.sets.at("affinity-" + ep);
  EXPECT_TRUE(s.is_dynamic());
  EXPECT_EQ(s.timeout_seconds, 60);
  EXPECT_EQ(Rules(t, "service-default/sticky/tcp/")[1], "ip saddr @affinity-" + ep + " goto endpoint-" + ep);
  EXPECT_EQ(Rules(t, "endpoint-" + ep)[1], "update @affinity-" + ep + " { ip saddr }");
}

TEST(RenderTest, MasqueradeAllAndUnknownPodCidr) {
  auto svc = MakeService("default", "echo", "10.96.0.10");
  auto slice = MakeSlice("default", "echo-1", "echo", {Ep("10.244.1.5", "node-b")});
  ProxyPlan plan = CompileProxyPlan({svc}, {slice}, kNode);
  auto t = RenderProxyTable(plan, RenderOptions{});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Rules(*t, "service-default/echo/tcp/")[0], "ip daddr 10.96.0.10 tcp dport 80 meta mark set meta mark | 0x4000");
  RenderOptions bad = Options();
  bad.cluster_pod_cidr = "10.244.0.0/99";
  EXPECT_TRUE(RenderProxyTable(plan, bad).status().IsInvalid());
  bad = Options();
  bad.masquerade_mark = 0;
  EXPECT_TRUE(RenderProxyTable(plan, bad).status().IsInvalid());
}

TEST(RenderTest, BadAddressSkipsOnlyThatEntry) {
  ProxyPlan plan = CompileProxyPlan({MakeService("default", "ok", "10.96.0.20")}, {}, kNode);
  ServicePortPlan bad = plan.ports[0];
  bad.name.service.name = "bad";
  bad.cluster_ip = "10.96.0.300";
  plan.ports.push_back(bad);
  std::vector<std::string> skipped;
  auto t = RenderProxyTable(plan, Options(), &skipped);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(skipped.size(), 1u);
  EXPECT_EQ(Element(*t, "no-endpoint-services", "10.96.0.20 . tcp . 80"), "goto reject-chain");
}

TEST(RenderTest, IncrementalEqualsFull) {
  ChangeTracker tracker(kNode);
  ProxyTableRenderer renderer(Options());
  auto step = [&] {
    ChangeSet c = tracker.TakeChanges();
    ProxyPlan plan = tracker.Plan();
    ASSERT_TRUE(renderer.Update(tracker.entries(), plan.node_port_ips, plan.cluster_ip_masquerade, c.changed, c.full).ok());
    auto full = RenderProxyTable(plan, Options());
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(nft::RenderFull(renderer.table()), nft::RenderFull(*full));
    EXPECT_TRUE(renderer.table() == *full);
  };
  step();
  auto a = MakeService("default", "a", "10.96.0.30", {{"", Protocol::kTCP, 80, "8080", 30090}});
  a.type = ServiceType::kNodePort;
  tracker.UpsertService(a);
  step();
  tracker.UpsertEndpointSlice(MakeSlice("default", "a-1", "a", {Ep("10.244.0.7", "node-a"), Ep("10.244.1.5", "node-b")}));
  tracker.UpsertService(MakeService("default", "b", "10.96.0.31"));
  step();
  tracker.UpsertEndpointSlice(MakeSlice("default", "a-1", "a", {Ep("10.244.1.5", "node-b")}));
  step();
  a.session_affinity_client_ip = true;
  tracker.UpsertService(a);
  step();
  renderer.TakeTouched();
  tracker.DeleteService({"default", "a"});
  step();
  ProxyTableRenderer::Touched touched = renderer.TakeTouched();
  EXPECT_FALSE(touched.all);
  EXPECT_TRUE(touched.chains.count("service-default/a/tcp/"));
  EXPECT_TRUE(touched.sets.count("service-ips"));
  EXPECT_TRUE(touched.sets.count("service-nodeports"));
  EXPECT_TRUE(renderer.TakeTouched().chains.empty());
  tracker.SetNode({"node-a", {"172.18.0.9"}});
  step();
  EXPECT_EQ(renderer.table().sets.at("nodeport-ips").elements.count("172.18.0.9"), 1u);
  EXPECT_GT(renderer.RuleCount(), 10u);
  EXPECT_TRUE(renderer.TakeTouched().all);
}

}  // namespace
}  // namespace netkube::proxy
