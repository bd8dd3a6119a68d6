// Kernel tests of hostPorts (the CNI portMappings capability): pods attached
// through the Invoker with runtimeConfig.portMappings, by netkube-cni (its
// own `ip netkube-hostport` table) and by netkube-cni chained with Debian's
// `portmap`. A "host" namespace reaches the node over a veth, as the world
// reaches a node:
//
//   host  h0 172.18.0.1/16 ── eth0 172.18.0.2/16  node  cni0 10.244.0.1/24 ── pods
//
// REQUIRES: root; run under scripts/in-netns (CTest does). NETKUBE_CNI names
// the netkube-cni binary; nft(8) on PATH or in /usr/sbin.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "cni/invoker.h"
#include "cni/port_mapping.h"
#include "netlink/handle.h"
#include "netns_fixture.h"

namespace netkube::cni {
namespace {

using netlink::Handle;
using netlink::Ipv4;
using netlink::Ipv4Prefix;
using netlink::NetNs;
using testing::NetNsPool;

constexpr const char* kReferencePlugins = "/usr/lib/cni";
const Ipv4 kNodeIp = *Ipv4::Parse("172.18.0.2");
const Ipv4 kAny = *Ipv4::Parse("0.0.0.0");

std::string CniBinaryDir() {
  const char* bin = std::getenv("NETKUBE_CNI");
  return bin ? std::filesystem::path(bin).parent_path().string() : std::string();
}

class HostportKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(CniBinaryDir().empty()) << "set NETKUBE_CNI";
    char tmpl[] = "/tmp/nk-hostport-kernel-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    state_ = tmpl;
    auto node = pool_.Create("node");
    auto host = pool_.Create("host");
    ASSERT_TRUE(node.ok() && host.ok());
    node_.emplace(std::move(*node));
    host_.emplace(std::move(*host));
    auto h = Handle::OpenIn(*host_);
    ASSERT_TRUE(h.ok());
    ASSERT_OK(h->AddVeth({.name = "h0", .peer_name = "eth0", .peer_netns_fd = node_->fd(), .up = true}));
    ASSERT_OK(h->AddAddress("h0", *Ipv4Prefix::Parse("172.18.0.1/16")));
    ASSERT_OK(h->SetLinkUp("lo"));
    ASSERT_OK(h->AddRoute({.dst = *Ipv4Prefix::Parse("10.244.0.0/16"), .gateway = kNodeIp, .dev = "h0"}));
    auto n = Handle::OpenIn(*node_);
    ASSERT_OK(n->SetLinkUp("lo"));
    ASSERT_OK(n->SetLinkUp("eth0"));
    ASSERT_OK(n->AddAddress("eth0", *Ipv4Prefix::Parse("172.18.0.2/16")));
  }
  void TearDown() override { std::filesystem::remove_all(state_); }

  // netkube-cni alone, declaring portMappings; or without it, chained with
  // the reference portmap plugin.
  NetworkConfigList List(bool with_portmap, const std::string& mode = "bridge") {
    std::string netkube = R"({"type":"netkube-cni","mode":")" + mode +
                          R"(","bridge":"cni0","ipam":{"subnet":"10.244.0.0/24","dataDir":")" + state_ + R"("})";
    std::string text = R"({"cniVersion":"1.0.0","name":"podnet","plugins":[)" + netkube +
                       (with_portmap ? R"(},{"type":"portmap","capabilities":{"portMappings":true},"snat":true}]})"
                                     : R"(,"capabilities":{"portMappings":true}}]})");
    auto list = NetworkConfigList::Parse(text);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return *list;
  }
  Invoker MakeInvoker() { return Invoker({CniBinaryDir(), kReferencePlugins}); }
  AttachmentParams Params(const std::string& pod, const std::vector<PortMapping>& mappings = {}) {
    return {.container_id = "ctr-" + pod,
            .netns = pool_.PathOf(pod),
            .ifname = "eth0",
            .capability_args = PortMappingsCapabilityArgs(mappings)};
  }
  // The runtime executes plugins in its own network namespace: the node's.
  StatusOr<Result> Add(const Invoker& inv, const NetworkConfigList& list, const AttachmentParams& p) {
    StatusOr<Result> result = Status::Internal("not run");
    Status s = node_->Run([&]() -> Status {
      result = inv.Add(list, p);
      return result.status();
    });
    if (!s.ok()) return s;
    return result;
  }
  Status Del(const Invoker& inv, const NetworkConfigList& list, const AttachmentParams& p, const Result* prev) {
    return node_->Run([&] { return inv.Del(list, p, prev); });
  }
  static Ipv4 PodIp(const Result& r) { return Ipv4Prefix::Parse(r.ips.at(0).address)->addr; }
  std::string InNode(const std::string& cmd) { return testing::Sh("ip netns exec " + pool_.NameOf("node") + " " + cmd); }

  NetNsPool pool_;
  std::optional<NetNs> node_, host_;
  std::string state_;
};

TEST_F(HostportKernelTest, NetkubeCniMapsHostPortsAndDelRemovesThem) {
  auto p1 = pool_.Create("p1");
  auto p2 = pool_.Create("p2");
  ASSERT_TRUE(p1.ok() && p2.ok() && pool_.Create("p3").ok());
  // A table of the service proxy's name: hostPorts must leave it alone.
  InNode("nft add table ip netkube-proxy");
  InNode("nft add chain ip netkube-proxy services");
  std::string proxy_before = InNode("nft list table ip netkube-proxy");
  ASSERT_NE(proxy_before.find("services"), std::string::npos);

  Invoker inv = MakeInvoker();
  NetworkConfigList list = List(/*with_portmap=*/false);
  std::vector<PortMapping> mappings = {{8080, 80, "tcp", ""}, {9090, 90, "tcp", "172.18.0.2"}};
  auto r1 = Add(inv, list, Params("p1", mappings));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  auto r2 = Add(inv, list, Params("p2"));  // no hostPorts
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  Ipv4 ip1 = PodIp(*r1), ip2 = PodIp(*r2);
  std::string table = InNode("nft list table ip netkube-hostport");
  EXPECT_NE(table.find("tcp . 8080 : goto container-ctr-p1"), std::string::npos) << table;

  // From outside the node, to the node's address.
  Ipv4 peer;
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *host_, kNodeIp, 8080, &peer));
  EXPECT_EQ(peer.ToString(), "172.18.0.1");  // the client's own address: no SNAT
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 90, *host_, kNodeIp, 9090));
  // From the node itself (the output hook), also to the bridge's address.
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *node_, kNodeIp, 8080));
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *node_, *Ipv4::Parse("10.244.0.1"), 8080));
  // hostIP 172.18.0.2 only: not on the bridge's address (the node answers).
  Status other_ip = testing::TcpConnect(*host_, *Ipv4::Parse("10.244.0.1"), 9090);
  EXPECT_NE(other_ip.message().find("refused"), std::string::npos) << other_ip.ToString();
  // Another pod, and the pod itself (hairpin: masqueraded to the node).
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *p2, kNodeIp, 8080, &peer));
  EXPECT_EQ(peer, ip2);
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *p1, kNodeIp, 8080, &peer));
  EXPECT_NE(peer, ip1);
  EXPECT_EQ(peer.ToString(), "10.244.0.1");

  // CHECK sees the mappings; a pod asking for a held hostPort is refused
  // and leaves nothing behind.
  Status check = node_->Run([&] { return inv.Check(list, Params("p1", mappings), *r1); });
  EXPECT_TRUE(check.ok()) << check.ToString();
  auto r3 = Add(inv, list, Params("p3", {{8080, 80, "tcp", ""}}));
  EXPECT_FALSE(r3.ok());
  EXPECT_NE(r3.status().message().find("already mapped"), std::string::npos) << r3.status().ToString();
  ASSERT_OK(Del(inv, list, Params("p3"), nullptr));
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *host_, kNodeIp, 8080));

  // DEL: the mapping is gone (the node itself answers: nothing listens), the
  // last one takes the table with it; DEL again is fine.
  ASSERT_OK(Del(inv, list, Params("p1", mappings), &*r1));
  Status after = testing::TcpConnect(*host_, kNodeIp, 8080);
  EXPECT_FALSE(after.ok());
  EXPECT_NE(after.message().find("refused"), std::string::npos) << after.ToString();
  EXPECT_EQ(InNode("nft list tables"), "table ip netkube-proxy\n");
  ASSERT_OK(Del(inv, list, Params("p1", mappings), &*r1));
  ASSERT_OK(Del(inv, list, Params("p2"), &*r2));
  EXPECT_EQ(InNode("nft list table ip netkube-proxy"), proxy_before);
  for (const auto& e : std::filesystem::directory_iterator(state_ + "/podnet/hostports")) {
    EXPECT_NE(e.path().extension(), ".json") << e.path() << " left behind";
  }
}

// One container of two removed: the other's mappings keep working.
TEST_F(HostportKernelTest, DelOfOneContainerKeepsTheOthers) {
  auto a = pool_.Create("a");
  auto b = pool_.Create("b");
  ASSERT_TRUE(a.ok() && b.ok());
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List(false);
  auto ra = Add(inv, list, Params("a", {{8081, 80, "tcp", ""}}));
  auto rb = Add(inv, list, Params("b", {{8082, 80, "tcp", ""}, {5353, 53, "udp", ""}}));
  ASSERT_TRUE(ra.ok() && rb.ok()) << ra.status().ToString() << rb.status().ToString();
  ASSERT_OK(testing::TcpExchangeVia(*a, kAny, 80, *host_, kNodeIp, 8081));
  ASSERT_OK(testing::TcpExchangeVia(*b, kAny, 80, *host_, kNodeIp, 8082));
  ASSERT_OK(Del(inv, list, Params("a"), &*ra));
  EXPECT_FALSE(testing::TcpConnect(*host_, kNodeIp, 8081).ok());
  ASSERT_OK(testing::TcpExchangeVia(*b, kAny, 80, *host_, kNodeIp, 8082));
  std::string table = InNode("nft list table ip netkube-hostport");
  EXPECT_EQ(table.find("container-ctr-a"), std::string::npos) << table;
  EXPECT_NE(table.find("udp . 5353 : goto container-ctr-b"), std::string::npos) << table;
  // The table flushed by hand: the next change restores it from the records.
  InNode("nft flush table ip netkube-hostport");
  EXPECT_FALSE(testing::TcpConnect(*host_, kNodeIp, 8082).ok());
  ASSERT_TRUE(pool_.Create("c").ok());
  auto rc = Add(inv, list, Params("c", {{8083, 80, "tcp", ""}}));
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  ASSERT_OK(testing::TcpExchangeVia(*b, kAny, 80, *host_, kNodeIp, 8082));
  ASSERT_OK(Del(inv, list, Params("b"), &*rb));
  ASSERT_OK(Del(inv, list, Params("c"), &*rc));
  EXPECT_EQ(InNode("nft list tables"), "");
}

// Plugin processes of one node run concurrently: ADDs in parallel lose no
// container's mappings, DELs in parallel leave nothing.
TEST_F(HostportKernelTest, ConcurrentAddsAndDels) {
  constexpr int kPods = 6;
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List(false);
  std::vector<std::string> names;
  for (int i = 0; i < kPods; ++i) {
    names.push_back("q" + std::to_string(i));
    ASSERT_TRUE(pool_.Create(names.back()).ok());
  }
  std::vector<StatusOr<Result>> results(kPods, Status::Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kPods; ++i) {
    threads.emplace_back([&, i] { results[i] = Add(inv, list, Params(names[i], {{9000 + i, 80, "tcp", ""}})); });
  }
  for (auto& t : threads) t.join();
  threads.clear();
  for (int i = 0; i < kPods; ++i) ASSERT_TRUE(results[i].ok()) << names[i] << ": " << results[i].status().ToString();
  std::string table = InNode("nft list table ip netkube-hostport");
  for (int i = 0; i < kPods; ++i) {
    EXPECT_NE(table.find("tcp . " + std::to_string(9000 + i) + " : goto container-ctr-" + names[i]), std::string::npos)
        << table;
  }
  auto q3 = NetNs::Open(pool_.PathOf("q3"));
  ASSERT_TRUE(q3.ok());
  ASSERT_OK(testing::TcpExchangeVia(*q3, kAny, 80, *host_, kNodeIp, 9003));
  std::vector<Status> dels(kPods);
  for (int i = 0; i < kPods; ++i) {
    threads.emplace_back([&, i] { dels[i] = Del(inv, list, Params(names[i]), &*results[i]); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kPods; ++i) EXPECT_TRUE(dels[i].ok()) << names[i] << ": " << dels[i].ToString();
  EXPECT_EQ(InNode("nft list tables"), "");
}

// Routed pods (no bridge): the same DNAT; the hairpin is masqueraded to a
// node address, since the host veths have none.
TEST_F(HostportKernelTest, RoutedPods) {
  auto p1 = pool_.Create("r1");
  auto p2 = pool_.Create("r2");
  ASSERT_TRUE(p1.ok() && p2.ok());
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List(false, "routed");
  auto r1 = Add(inv, list, Params("r1", {{8080, 80, "tcp", ""}}));
  auto r2 = Add(inv, list, Params("r2"));
  ASSERT_TRUE(r1.ok() && r2.ok()) << r1.status().ToString() << r2.status().ToString();
  Ipv4 peer;
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *host_, kNodeIp, 8080, &peer));
  EXPECT_EQ(peer.ToString(), "172.18.0.1");
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *p2, kNodeIp, 8080, &peer));
  EXPECT_EQ(peer, PodIp(*r2));
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *p1, kNodeIp, 8080, &peer));
  EXPECT_EQ(peer.ToString(), "172.18.0.2");
  ASSERT_OK(Del(inv, list, Params("r1"), &*r1));
  ASSERT_OK(Del(inv, list, Params("r2"), &*r2));
  EXPECT_FALSE(testing::TcpConnect(*host_, kNodeIp, 8080).ok());
}

// The same through Debian's portmap chained after netkube-cni (iptables).
TEST_F(HostportKernelTest, ReferencePortmapChainedAfterNetkubeCni) {
  if (!std::filesystem::exists(std::string(kReferencePlugins) + "/portmap")) {
    GTEST_SKIP() << "containernetworking-plugins not installed";
  }
  if (testing::Sh("command -v iptables").empty()) GTEST_SKIP() << "portmap needs iptables";
  auto p1 = pool_.Create("p1");
  ASSERT_TRUE(p1.ok());
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List(/*with_portmap=*/true);
  std::vector<PortMapping> mappings = {{8080, 80, "tcp", ""}};
  auto r1 = Add(inv, list, Params("p1", mappings));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  // netkube-cni did not declare the capability: portmap alone maps it.
  EXPECT_EQ(InNode("nft list tables").find("netkube-hostport"), std::string::npos);
  ASSERT_OK(testing::TcpExchangeVia(*p1, kAny, 80, *host_, kNodeIp, 8080));
  ASSERT_OK(Del(inv, list, Params("p1", mappings), &*r1));
  EXPECT_FALSE(testing::TcpConnect(*host_, kNodeIp, 8080).ok());
}

}  // namespace
}  // namespace netkube::cni
