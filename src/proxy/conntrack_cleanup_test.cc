#include "proxy/conntrack_cleanup.h"

#include <gtest/gtest.h>

#include "proxy/test_builders.h"

namespace netkube::proxy {
namespace {

using netlink::ConntrackEntry;

constexpr uint8_t kTcp = 6, kUdp = 17, kSctp = 132;

Endpoint Ep(const std::string& ip, int32_t port) {
  Endpoint e;
  e.ip = ip;
  e.port = port;
  e.ready = e.serving = true;
  return e;
}

// kube-system/kube-dns:dns, UDP 10.96.0.10:53 -> the given endpoints.
ServicePortPlan Dns(std::vector<Endpoint> eps) {
  ServicePortPlan p;
  p.name = {{"kube-system", "kube-dns"}, "dns", Protocol::kUDP};
  p.cluster_ip = "10.96.0.10";
  p.port = 53;
  p.protocol = Protocol::kUDP;
  p.cluster_endpoints = eps;
  p.all_reachable_endpoints = eps;
  p.has_endpoints = !eps.empty();
  p.internal_verdict = eps.empty() ? Verdict::kReject : Verdict::kForward;
  return p;
}

ProxyPlan Plan(std::vector<ServicePortPlan> ports) {
  ProxyPlan plan;
  plan.node_name = "kind-worker";
  plan.node_port_ips = {"172.18.0.3"};
  plan.ports = std::move(ports);
  return plan;
}

// A flow from `client` to `dst:dport`, DNATed to `ep:ep_port`.
ConntrackEntry Flow(uint8_t proto, const std::string& client, const std::string& dst, uint16_t dport,
                    const std::string& ep, uint16_t ep_port) {
  return ConntrackEntry{proto, client, dst, 40000, dport, ep, client, ep_port, 40000};
}

TEST(StaleConntrackEntries, RemovedEndpointIsStale) {
  auto plan = Plan({Dns({Ep("10.244.1.7", 53)})});
  auto gone = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  auto kept = Flow(kUdp, "10.244.2.6", "10.96.0.10", 53, "10.244.1.7", 53);
  EXPECT_EQ(StaleConntrackEntries(plan, {gone, kept}), std::vector<ConntrackEntry>{gone});
}

TEST(StaleConntrackEntries, EndpointKeptIsNotStale) {
  auto plan = Plan({Dns({Ep("10.244.1.7", 53), Ep("10.244.2.9", 53)})});
  auto a = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  auto b = Flow(kUdp, "10.244.2.6", "10.96.0.10", 53, "10.244.1.7", 53);
  EXPECT_TRUE(StaleConntrackEntries(plan, {a, b}).empty());
}

TEST(StaleConntrackEntries, EndpointPortChangedIsStale) {
  auto plan = Plan({Dns({Ep("10.244.1.7", 5353)})});
  auto old_port = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.244.1.7", 53);
  EXPECT_EQ(StaleConntrackEntries(plan, {old_port}).size(), 1u);
}

TEST(StaleConntrackEntries, LastEndpointGoneIsStale) {
  auto plan = Plan({Dns({})});
  auto gone = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  EXPECT_EQ(StaleConntrackEntries(plan, {gone}).size(), 1u);
}

TEST(StaleConntrackEntries, NodePortEntries) {
  auto port = Dns({Ep("10.244.1.7", 53)});
  port.node_port = 30053;
  auto plan = Plan({port});
  // From outside to the node's IP: masqueraded, so the reply goes to the node.
  ConntrackEntry gone{kUdp, "172.18.0.1", "172.18.0.3", 5000, 30053, "10.244.2.9", "172.18.0.3", 53, 61000};
  ConntrackEntry kept{kUdp, "172.18.0.1", "172.18.0.3", 5001, 30053, "10.244.1.7", "172.18.0.3", 53, 61001};
  // The same port on an address that is not a NodePort address is not ours.
  ConntrackEntry other{kUdp, "172.18.0.1", "172.18.0.9", 5002, 30053, "10.244.2.9", "172.18.0.1", 53, 5002};
  EXPECT_EQ(StaleConntrackEntries(plan, {gone, kept, other}), std::vector<ConntrackEntry>{gone});
}

TEST(StaleConntrackEntries, ExternalAndLoadBalancerIps) {
  auto port = Dns({Ep("10.244.1.7", 53)});
  port.external_ips = {"192.0.2.10"};
  port.load_balancer_ips = {"172.18.255.200"};
  auto plan = Plan({port});
  auto ext = Flow(kUdp, "172.18.0.1", "192.0.2.10", 53, "10.244.2.9", 53);
  auto lb = Flow(kUdp, "172.18.0.1", "172.18.255.200", 53, "10.244.2.9", 53);
  auto lb_kept = Flow(kUdp, "172.18.0.1", "172.18.255.200", 53, "10.244.1.7", 53);
  auto lb_other_port = Flow(kUdp, "172.18.0.1", "172.18.255.200", 54, "10.244.2.9", 54);
  EXPECT_EQ(StaleConntrackEntries(plan, {ext, lb, lb_kept, lb_other_port}), (std::vector<ConntrackEntry>{ext, lb}));
}

TEST(StaleConntrackEntries, NonServiceEntriesUntouched) {
  auto plan = Plan({Dns({Ep("10.244.1.7", 53)})});
  // Pod to pod directly, pod to an outside resolver, the service IP on another port.
  auto direct = Flow(kUdp, "10.244.2.5", "10.244.2.9", 53, "10.244.2.9", 53);
  auto outside = Flow(kUdp, "10.244.2.5", "8.8.8.8", 53, "8.8.8.8", 53);
  auto other_port = Flow(kUdp, "10.244.2.5", "10.96.0.10", 54, "10.244.2.9", 54);
  EXPECT_TRUE(StaleConntrackEntries(plan, {direct, outside, other_port}).empty());
}

TEST(StaleConntrackEntries, TcpUntouched) {
  auto tcp = Dns({Ep("10.244.1.7", 53)});
  tcp.name.protocol = Protocol::kTCP;
  tcp.protocol = Protocol::kTCP;
  auto plan = Plan({tcp});
  auto gone = Flow(kTcp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  EXPECT_TRUE(StaleConntrackEntries(plan, {gone}).empty());
  // A TCP entry to a UDP service's address is not the UDP port's either.
  EXPECT_TRUE(StaleConntrackEntries(Plan({Dns({Ep("10.244.1.7", 53)})}), {gone}).empty());
}

TEST(StaleConntrackEntries, SctpConsidered) {
  auto sctp = Dns({Ep("10.244.1.7", 53)});
  sctp.protocol = Protocol::kSCTP;
  auto plan = Plan({sctp});
  auto gone = Flow(kSctp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  auto udp = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  EXPECT_EQ(StaleConntrackEntries(plan, {gone, udp}), std::vector<ConntrackEntry>{gone});
}

TEST(StaleConntrackEntries, BlackholedEntryOnceEndpointsExist) {
  // Sent while the service had no endpoint: never DNATed.
  auto never = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.96.0.10", 53);
  EXPECT_TRUE(StaleConntrackEntries(Plan({Dns({})}), {never}).empty());
  EXPECT_EQ(StaleConntrackEntries(Plan({Dns({Ep("10.244.1.7", 53)})}), {never}),
            std::vector<ConntrackEntry>{never});
}

TEST(StaleConntrackEntries, FromCompiledPlan) {
  namespace b = proxy::testing;
  auto svc = b::MakeService("kube-system", "kube-dns", "10.96.0.10", {{"dns", Protocol::kUDP, 53, "53", 0}});
  auto slice = b::MakeSlice("kube-system", "kube-dns-abc", "kube-dns", {b::Ep("10.244.1.7", "kind-worker")},
                         {{"dns", Protocol::kUDP, 53}});
  NodeInfo node;
  node.name = "kind-worker";
  auto plan = CompileProxyPlan({svc}, {slice}, node);
  auto gone = Flow(kUdp, "10.244.2.5", "10.96.0.10", 53, "10.244.2.9", 53);
  auto kept = Flow(kUdp, "10.244.2.6", "10.96.0.10", 53, "10.244.1.7", 53);
  EXPECT_EQ(StaleConntrackEntries(plan, {gone, kept}), std::vector<ConntrackEntry>{gone});
}

}  // namespace
}  // namespace netkube::proxy
