// Kernel tests of CNI: pods attached through the Invoker by netkube-cni and by
// Debian's reference plugins (bridge + host-local) from the same test code;
// pod<->pod and pod->gateway connectivity; DEL leaves nothing behind and is
// idempotent; IPAM never hands out an address in use after a restart.
// REQUIRES: root; run under scripts/in-netns (CTest does). NETKUBE_CNI names
// the netkube-cni binary.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "cni/invoker.h"
#include "cni/plugin.h"
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

std::string CniBinaryDir() {
  const char* bin = std::getenv("NETKUBE_CNI");
  return bin ? std::filesystem::path(bin).parent_path().string() : std::string();
}

struct Flavor {
  const char* name;
  std::string (*conflist)(const std::string& state_dir, const std::string& mode);
};

std::string NetkubeConflist(const std::string& state_dir, const std::string& mode) {
  return R"({"cniVersion":"1.0.0","name":"podnet","plugins":[{"type":"netkube-cni","mode":")" + mode +
         R"(","bridge":"cni0","mtu":1400,"ipam":{"subnet":"10.244.0.0/24","dataDir":")" + state_dir + R"("}}]})";
}

std::string ReferenceConflist(const std::string& state_dir, const std::string&) {
  return R"({"cniVersion":"1.0.0","name":"podnet","plugins":[{"type":"bridge","bridge":"cni0","isGateway":true,
      "hairpinMode":true,"mtu":1400,"ipam":{"type":"host-local","subnet":"10.244.0.0/24","dataDir":")" +
         state_dir + R"(","routes":[{"dst":"0.0.0.0/0"}]}},{"type":"loopback"}]})";
}

class CniKernelTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-cni-kernel-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    state_ = tmpl;
    auto node = pool_.Create("node");
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_.emplace(std::move(*node));
    // A node has addresses (here 127.0.0.1): without any IPv4 address it
    // cannot ARP for routed pods and falls back to broadcast frames.
    ASSERT_TRUE(Handle::OpenIn(*node_)->SetLinkUp("lo").ok());
    if (GetParam() == "netkube-cni") {
      ASSERT_FALSE(CniBinaryDir().empty()) << "set NETKUBE_CNI";
    } else if (!std::filesystem::exists(std::string(kReferencePlugins) + "/bridge")) {
      GTEST_SKIP() << "containernetworking-plugins not installed";
    }
  }
  void TearDown() override { std::filesystem::remove_all(state_); }

  NetworkConfigList List(const std::string& mode = "bridge") {
    std::string text = GetParam() == "netkube-cni" ? NetkubeConflist(state_, mode) : ReferenceConflist(state_, mode);
    return *NetworkConfigList::Parse(text);
  }
  Invoker MakeInvoker() { return Invoker({CniBinaryDir(), kReferencePlugins}); }

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
  AttachmentParams Params(const std::string& pod) {
    return {.container_id = "ctr-" + pod, .netns = pool_.PathOf(pod), .ifname = "eth0"};
  }
  static Ipv4 PodIp(const Result& r) { return Ipv4Prefix::Parse(r.ips.at(0).address)->addr; }

  // Bridge ports left in the node.
  int BridgePorts() {
    auto h = Handle::OpenIn(*node_);
    auto bridge = h->GetLink("cni0");
    if (!bridge.ok()) return 0;
    int ports = 0;
    auto links = h->ListLinks();
    for (const auto& l : *links) ports += l.master_index == bridge->index;
    return ports;
  }
  int VethsInNode() {
    auto h = Handle::OpenIn(*node_);
    int n = 0;
    auto links = h->ListLinks();
    for (const auto& l : *links) n += l.kind == "veth";
    return n;
  }
  // Address files in the IPAM state directory.
  int Reservations() {
    int n = 0;
    if (!std::filesystem::exists(state_)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(state_)) {
      n += Ipv4::Parse(e.path().filename().string()).ok();
    }
    return n;
  }

  NetNsPool pool_;
  std::optional<NetNs> node_;
  std::string state_;
};

TEST_P(CniKernelTest, TwoPodsTalkAndDelLeavesNothing) {
  auto p1 = pool_.Create("p1");
  auto p2 = pool_.Create("p2");
  ASSERT_TRUE(p1.ok() && p2.ok());
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List();
  auto r1 = Add(inv, list, Params("p1"));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  auto r2 = Add(inv, list, Params("p2"));
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  Ipv4 ip1 = PodIp(*r1), ip2 = PodIp(*r2);
  EXPECT_NE(ip1, ip2);
  EXPECT_EQ(r1->ips[0].gateway, "10.244.0.1");
  EXPECT_TRUE(Ipv4Prefix::Parse("10.244.0.0/24")->Contains(ip1));

  // The pod side: eth0 up with the MTU, loopback up, default route.
  auto h1 = Handle::OpenIn(*p1);
  ASSERT_TRUE(h1.ok());
  EXPECT_EQ(h1->GetLink("eth0")->mtu, 1400);
  EXPECT_TRUE(h1->GetLink("lo")->up);
  bool has_default = false;
  auto routes = h1->ListRoutes();
  ASSERT_TRUE(routes.ok());
  for (const auto& r : *routes) has_default |= r.dst.length == 0 && r.gateway && r.gateway->ToString() == "10.244.0.1";
  EXPECT_TRUE(has_default);
  // The node side: a bridge with hairpin ports.
  EXPECT_EQ(BridgePorts(), 2);
  auto node_handle = Handle::OpenIn(*node_);
  for (const auto& iface : r1->interfaces) {
    if (iface.sandbox.empty() && iface.name != "cni0") EXPECT_TRUE(*node_handle->GetHairpin(iface.name)) << iface.name;
  }

  ASSERT_TRUE(testing::Ping(*p1, ip2).ok());
  ASSERT_TRUE(testing::Ping(*p2, ip1).ok());
  ASSERT_TRUE(testing::Ping(*p1, *Ipv4::Parse("10.244.0.1")).ok());
  ASSERT_TRUE(testing::TcpExchange(*p1, ip1, 8080, *p2).ok());
  ASSERT_TRUE(testing::TcpExchange(*node_, *Ipv4::Parse("10.244.0.1"), 8081, *p2).ok());

  ASSERT_TRUE(Del(inv, list, Params("p1"), &*r1).ok());
  ASSERT_TRUE(Del(inv, list, Params("p2"), &*r2).ok());
  EXPECT_EQ(BridgePorts(), 0);
  EXPECT_EQ(VethsInNode(), 0);
  EXPECT_EQ(Reservations(), 0);
  EXPECT_TRUE(Handle::OpenIn(*p1)->GetLink("eth0").status().IsNotFound());
  EXPECT_TRUE(Handle::OpenIn(*p2)->GetLink("eth0").status().IsNotFound());
}

TEST_P(CniKernelTest, DelIsIdempotentAndToleratesMissingNetns) {
  ASSERT_TRUE(pool_.Create("p1").ok());  // no fd kept: deleting the name ends the namespace
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List();
  // DEL before any ADD.
  EXPECT_TRUE(Del(inv, list, Params("p1"), nullptr).ok());
  auto r1 = Add(inv, list, Params("p1"));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_TRUE(Del(inv, list, Params("p1"), &*r1).ok());
  EXPECT_TRUE(Del(inv, list, Params("p1"), &*r1).ok());
  // ADD again, then the namespace disappears before DEL.
  r1 = Add(inv, list, Params("p1"));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  pool_.Delete("p1");
  Status del = Del(inv, list, Params("p1"), &*r1);
  EXPECT_TRUE(del.ok()) << del.ToString();
  EXPECT_EQ(Reservations(), 0);
  EXPECT_TRUE(Del(inv, list, Params("p1"), &*r1).ok());
  // A plugin that leaves the host veth to the kernel sees it go asynchronously.
  for (int i = 0; i < 100 && VethsInNode() != 0; ++i) usleep(20000);
  EXPECT_EQ(VethsInNode(), 0);
}

TEST_P(CniKernelTest, AddressesInUseSurviveARestart) {
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List();
  std::set<Ipv4> in_use;
  for (const char* pod : {"a", "b", "c"}) {
    ASSERT_TRUE(pool_.Create(pod).ok());
    auto r = Add(inv, list, Params(pod));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    in_use.insert(PodIp(*r));
  }
  ASSERT_EQ(in_use.size(), 3u);
  // "Restart": a new invoker, and the allocator's round-robin hint is gone,
  // so only the reservation files stand between a new pod and a used address.
  for (const auto& e : std::filesystem::recursive_directory_iterator(state_)) {
    if (e.path().filename().string().rfind("last_reserved_ip", 0) == 0) std::filesystem::remove(e.path());
  }
  Invoker restarted = MakeInvoker();
  ASSERT_TRUE(pool_.Create("d").ok());
  auto d = Add(restarted, list, Params("d"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(in_use.count(PodIp(*d))) << PodIp(*d).ToString() << " handed out twice";
  for (const char* pod : {"a", "b", "c", "d"}) EXPECT_TRUE(Del(restarted, list, Params(pod), nullptr).ok());
  EXPECT_EQ(Reservations(), 0);
}

TEST_P(CniKernelTest, CheckAndGc) {
  if (GetParam() != "netkube-cni") GTEST_SKIP() << "CHECK/GC need spec 1.1.0 plugins";
  ASSERT_TRUE(pool_.Create("a").ok());
  ASSERT_TRUE(pool_.Create("b").ok());
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List();
  auto a = Add(inv, list, Params("a"));
  auto b = Add(inv, list, Params("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(node_->Run([&] { return inv.Check(list, Params("a"), *a); }).ok());
  EXPECT_TRUE(node_->Run([&] { return inv.PluginStatus(list); }).ok());
  // b's sandbox goes away without a DEL; GC with only a valid releases b.
  pool_.Delete("b");
  std::vector<Attachment> valid = {{"ctr-a", "eth0"}};
  EXPECT_TRUE(node_->Run([&] { return inv.Gc(list, valid); }).ok());
  EXPECT_EQ(Reservations(), 1);
  EXPECT_FALSE(node_->Run([&] { return inv.Check(list, Params("b"), *b); }).ok());
  EXPECT_TRUE(Del(inv, list, Params("a"), &*a).ok());
  EXPECT_TRUE(Del(inv, list, Params("b"), &*b).ok());
}

TEST_P(CniKernelTest, RoutedPods) {
  if (GetParam() != "netkube-cni") GTEST_SKIP() << "routed mode is netkube-cni's";
  auto p1 = pool_.Create("r1");
  auto p2 = pool_.Create("r2");
  ASSERT_TRUE(p1.ok() && p2.ok());
  Invoker inv = MakeInvoker();
  NetworkConfigList list = List("routed");
  auto r1 = Add(inv, list, Params("r1"));
  auto r2 = Add(inv, list, Params("r2"));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r1->ips[0].address.substr(r1->ips[0].address.size() - 3), "/32");
  EXPECT_EQ(BridgePorts(), 0);
  ASSERT_TRUE(testing::Ping(*p1, PodIp(*r2)).ok());
  Status tcp = testing::TcpExchange(*p2, PodIp(*r2), 8080, *p1);
  ASSERT_TRUE(tcp.ok()) << tcp.ToString();
  EXPECT_TRUE(Del(inv, list, Params("r1"), &*r1).ok());
  EXPECT_TRUE(Del(inv, list, Params("r2"), &*r2).ok());
  EXPECT_EQ(VethsInNode(), 0);
  EXPECT_EQ(Reservations(), 0);
}

INSTANTIATE_TEST_SUITE_P(Plugins, CniKernelTest, ::testing::Values("netkube-cni", "reference"),
                         [](const auto& info) { return info.param == "netkube-cni" ? "Netkube" : "Reference"; });

}  // namespace
}  // namespace netkube::cni
