// Kernel tests of the overlay: three "nodes" (namespaces) on a bridge in a
// "world" namespace, each with one pod on its own cni0 bridge in
// 10.244.i.0/24, joined by overlay::Network::Sync run inside every node, in
// vxlan and in routed mode. Pods ping and TCP-connect across nodes and the
// server sees the client pod's own IP (no NAT); a second Sync changes
// nothing; a node removed from the list leaves no state behind; switching
// modes removes the other mode's state; foreign routes are never touched.
// REQUIRES: root; run under scripts/in-netns (CTest does).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "netlink/handle.h"
#include "netlink/sysctl.h"
#include "netns_fixture.h"
#include "overlay/compile.h"
#include "overlay/network.h"

namespace netkube::overlay {
namespace {

using netlink::Handle;
using netlink::Ipv4;
using netlink::Ipv4Prefix;
using netlink::Mac;
using netlink::NetNs;
using netlink::Route;
using testing::NetNsPool;

constexpr int kNodes = 3;

Ipv4 Ip(const std::string& s) { return *Ipv4::Parse(s); }
Ipv4Prefix Cidr(const std::string& s) { return *Ipv4Prefix::Parse(s); }
std::string NodeName(int i) { return "node" + std::to_string(i); }
std::string NodeIp(int i) { return "172.18.0." + std::to_string(i + 2); }
std::string PodCidr(int i) { return "10.244." + std::to_string(i) + ".0/24"; }
Ipv4 PodIp(int i) { return Ip("10.244." + std::to_string(i) + ".5"); }

// Listens on addr:port in server_ns, connects from client_ns, and returns the
// client address the server saw.
StatusOr<Ipv4> PeerSeenByServer(const NetNs& server_ns, Ipv4 addr, int port, const NetNs& client_ns) {
  int listener = -1;
  Status s = server_ns.Run([&]() -> Status {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = addr.NetworkOrder();
    if (bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(listener, 4) != 0) {
      return Status::Internal("listen on " + addr.ToString() + ": " + std::strerror(errno));
    }
    return Status::OK();
  });
  if (!s.ok()) {
    if (listener >= 0) close(listener);
    return s;
  }
  std::optional<Ipv4> peer;
  std::thread server([&] {
    pollfd pfd{listener, POLLIN, 0};
    if (poll(&pfd, 1, 3000) <= 0) return;
    sockaddr_in from{};
    socklen_t len = sizeof from;
    int c = accept(listener, reinterpret_cast<sockaddr*>(&from), &len);
    if (c < 0) return;
    peer = Ipv4::FromNetworkOrder(from.sin_addr.s_addr);
    send(c, "ok", 2, MSG_NOSIGNAL);
    close(c);
  });
  Status client = client_ns.Run([&]() -> Status {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = addr.NetworkOrder();
    Status st;
    char buf[2];
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      st = Status::Unavailable("connect " + addr.ToString() + ": " + std::strerror(errno));
    } else if (recv(fd, buf, 2, MSG_WAITALL) != 2) {
      st = Status::Unavailable("no answer from " + addr.ToString());
    }
    close(fd);
    return st;
  });
  server.join();
  close(listener);
  if (!client.ok()) return client;
  if (!peer) return Status::Unavailable("server accepted nothing");
  return *peer;
}

class OverlayKernelTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    auto world = pool_.Create("world");
    ASSERT_TRUE(world.ok()) << world.status().ToString();
    world_.emplace(std::move(*world));
    auto wh = Handle::OpenIn(*world_);
    ASSERT_TRUE(wh.ok());
    ASSERT_OK(wh->AddBridge({.name = "nk0", .mac = Mac::FromIpv4(Ip("172.18.0.1"))}));
    ASSERT_OK(wh->SetLinkUp("nk0"));
    for (int i = 0; i < kNodes; ++i) ASSERT_NO_FATAL_FAILURE(AddNode(i, *wh));
  }

  // A node: eth0 on the world bridge, a default route (a foreign route the
  // overlay must leave alone), cni0 with one pod behind it.
  void AddNode(int i, Handle& world) {
    const std::string n = std::to_string(i);
    auto node = pool_.Create("n" + n);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    nodes_.push_back(std::make_unique<NetNs>(std::move(*node)));
    auto pod = pool_.Create("p" + n);
    ASSERT_TRUE(pod.ok()) << pod.status().ToString();
    pods_.push_back(std::make_unique<NetNs>(std::move(*pod)));
    auto nk0 = world.GetLink("nk0");
    ASSERT_TRUE(nk0.ok());
    ASSERT_OK(world.AddVeth({.name = "w" + n, .peer_name = "eth0", .peer_netns_fd = nodes_[i]->fd(),
                             .master_index = nk0->index, .up = true}));

    auto h = Handle::OpenIn(*nodes_[i]);
    ASSERT_TRUE(h.ok());
    ASSERT_OK(h->SetLinkUp("lo"));
    ASSERT_OK(h->SetLinkUp("eth0"));
    ASSERT_OK(h->AddAddress("eth0", Cidr(NodeIp(i) + "/16")));
    ASSERT_OK(h->AddRoute({.dst = Cidr("0.0.0.0/0"), .gateway = Ip("172.18.0.1"), .dev = "eth0"}));
    Ipv4 gateway = Ip("10.244." + n + ".1");
    ASSERT_OK(h->AddBridge({.name = "cni0", .mac = Mac::FromIpv4(gateway)}));
    ASSERT_OK(h->AddAddress("cni0", {gateway, 24}));
    ASSERT_OK(h->SetLinkUp("cni0"));
    auto cni0 = h->GetLink("cni0");
    ASSERT_TRUE(cni0.ok());
    ASSERT_OK(h->AddVeth({.name = "vp" + n, .peer_name = "eth0", .peer_netns_fd = pods_[i]->fd(), .mtu = 1450,
                          .master_index = cni0->index, .up = true}));

    auto p = Handle::OpenIn(*pods_[i]);
    ASSERT_TRUE(p.ok());
    ASSERT_OK(p->SetLinkUp("lo"));
    ASSERT_OK(p->SetLinkUp("eth0"));
    ASSERT_OK(p->AddAddress("eth0", {PodIp(i), 24}));
    ASSERT_OK(p->AddRoute({.dst = Cidr("0.0.0.0/0"), .gateway = gateway, .dev = "eth0"}));
  }

  static std::vector<NodeInfo> NodeList(int count) {
    std::vector<NodeInfo> list;
    for (int i = 0; i < count; ++i) list.push_back({NodeName(i), NodeIp(i), {PodCidr(i)}});
    return list;
  }

  std::unique_ptr<Network> MakeNetwork(int i, Mode mode) {
    Options o;
    o.mode = mode;
    o.node_name = NodeName(i);
    o.node_ip = NodeIp(i);
    return std::make_unique<Network>(o);
  }

  // Runs Sync inside node i; returns the changes it made.
  StatusOr<std::vector<std::string>> SyncIn(int i, Network& net, const std::vector<NodeInfo>& list) {
    Status s = nodes_[i]->Run([&] { return net.Sync(list); });
    if (!s.ok()) return s;
    return net.last_plan().Describe();
  }

  void SyncAll(std::vector<std::unique_ptr<Network>>& nets, const std::vector<NodeInfo>& list) {
    for (size_t i = 0; i < nets.size(); ++i) {
      auto changes = SyncIn(static_cast<int>(i), *nets[i], list);
      ASSERT_TRUE(changes.ok()) << NodeName(static_cast<int>(i)) << ": " << changes.status().ToString();
      EXPECT_FALSE(changes->empty());
    }
  }

  void ExpectSecondSyncChangesNothing(std::vector<std::unique_ptr<Network>>& nets, const std::vector<NodeInfo>& list) {
    for (size_t i = 0; i < nets.size(); ++i) {
      auto changes = SyncIn(static_cast<int>(i), *nets[i], list);
      ASSERT_TRUE(changes.ok()) << changes.status().ToString();
      EXPECT_TRUE(changes->empty()) << NodeName(static_cast<int>(i)) << " changed again: " << changes->front();
    }
  }

  // Pod `from` reaches pod `to` by ICMP and TCP, and the server sees the
  // client pod's own address.
  void ExpectPodToPod(int from, int to, int port) {
    Status ping = testing::Ping(*pods_[from], PodIp(to));
    EXPECT_TRUE(ping.ok()) << "pod" << from << " -> pod" << to << ": " << ping.ToString();
    auto peer = PeerSeenByServer(*pods_[to], PodIp(to), port, *pods_[from]);
    ASSERT_TRUE(peer.ok()) << "pod" << from << " -> pod" << to << ": " << peer.status().ToString();
    EXPECT_EQ(*peer, PodIp(from)) << "the server saw " << peer->ToString();
  }

  std::vector<Route> RoutesOf(int i) {
    auto h = Handle::OpenIn(*nodes_[i]);
    auto routes = h->ListRoutes();
    return routes.ok() ? *routes : std::vector<Route>{};
  }
  std::optional<Route> RouteTo(int i, const std::string& dst) {
    for (const auto& r : RoutesOf(i)) {
      if (r.dst == Cidr(dst)) return r;
    }
    return std::nullopt;
  }
  bool HasDefaultRoute(int i) {
    auto r = RouteTo(i, "0.0.0.0/0");
    return r && r->gateway == Ip("172.18.0.1") && r->dev == "eth0";
  }

  NetNsPool pool_;
  std::optional<NetNs> world_;
  std::vector<std::unique_ptr<NetNs>> nodes_, pods_;
};

TEST_P(OverlayKernelTest, PodsTalkAcrossNodesWithoutNat) {
  const Mode mode = GetParam();
  std::vector<std::unique_ptr<Network>> nets;
  for (int i = 0; i < kNodes; ++i) nets.push_back(MakeNetwork(i, mode));
  // Before the overlay, a pod cannot reach another node's pods.
  EXPECT_FALSE(testing::Ping(*pods_[0], PodIp(1), 300).ok());
  ASSERT_NO_FATAL_FAILURE(SyncAll(nets, NodeList(kNodes)));

  // The node's state.
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(*netlink::ReadSysctlIn(*nodes_[i], "net.ipv4.ip_forward"), "1");
    EXPECT_TRUE(HasDefaultRoute(i));
  }
  auto h0 = Handle::OpenIn(*nodes_[0]);
  ASSERT_TRUE(h0.ok());
  if (mode == Mode::kVxlan) {
    auto vx = h0->GetVxlan("flannel.1");
    ASSERT_TRUE(vx.ok()) << vx.status().ToString();
    EXPECT_EQ(vx->vni, 1u);
    EXPECT_EQ(vx->port, 8472);
    EXPECT_EQ(vx->local, Ip("172.18.0.2"));
    EXPECT_EQ(vx->dev, "eth0");
    EXPECT_FALSE(vx->learning);
    EXPECT_EQ(vx->mtu, 1450);
    EXPECT_EQ(vx->mac, VtepMac(Ip("172.18.0.2")));
    auto addrs = h0->ListAddresses("flannel.1");
    ASSERT_TRUE(addrs.ok());
    EXPECT_EQ(*addrs, std::vector<Ipv4Prefix>{Cidr("10.244.0.0/32")});
    auto r = RouteTo(0, "10.244.2.0/24");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->gateway, Ip("10.244.2.0"));
    EXPECT_EQ(r->dev, "flannel.1");
    EXPECT_TRUE(r->onlink);
  } else {
    EXPECT_TRUE(h0->GetLink("flannel.1").status().IsNotFound());
    auto r = RouteTo(0, "10.244.2.0/24");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->gateway, Ip("172.18.0.4"));
    EXPECT_EQ(r->dev, "eth0");
  }

  ExpectPodToPod(0, 1, 8080);
  ExpectPodToPod(0, 2, 8081);
  ExpectPodToPod(2, 1, 8082);
  ExpectSecondSyncChangesNothing(nets, NodeList(kNodes));

  // node2 leaves the cluster: the others forget it, and only it.
  auto two = NodeList(2);
  for (int i = 0; i < 2; ++i) {
    auto changes = SyncIn(i, *nets[i], two);
    ASSERT_TRUE(changes.ok()) << changes.status().ToString();
    EXPECT_FALSE(changes->empty());
    EXPECT_FALSE(RouteTo(i, "10.244.2.0/24")) << NodeName(i);
    EXPECT_TRUE(RouteTo(i, PodCidr(1 - i))) << NodeName(i);
    EXPECT_TRUE(HasDefaultRoute(i));
  }
  if (mode == Mode::kVxlan) {
    auto neighbours = h0->ListNeighbours("flannel.1");
    ASSERT_TRUE(neighbours.ok());
    for (const auto& n : *neighbours) EXPECT_NE(n.ip, Ip("10.244.2.0"));
    auto fdb = h0->ListFdb("flannel.1");
    ASSERT_TRUE(fdb.ok());
    EXPECT_EQ(fdb->size(), 1u);
    for (const auto& f : *fdb) EXPECT_NE(f.mac, VtepMac(Ip("172.18.0.4")));
  }
  ExpectPodToPod(1, 0, 8083);
  EXPECT_FALSE(testing::Ping(*pods_[0], PodIp(2), 300).ok());
  nets.pop_back();
  ExpectSecondSyncChangesNothing(nets, two);
}

TEST_P(OverlayKernelTest, SwitchingModeRemovesTheOtherModesState) {
  const Mode first = GetParam();
  const Mode second = first == Mode::kVxlan ? Mode::kRouted : Mode::kVxlan;
  std::vector<std::unique_ptr<Network>> nets;
  for (int i = 0; i < kNodes; ++i) nets.push_back(MakeNetwork(i, first));
  ASSERT_NO_FATAL_FAILURE(SyncAll(nets, NodeList(kNodes)));
  ExpectPodToPod(0, 2, 8090);

  nets.clear();
  for (int i = 0; i < kNodes; ++i) nets.push_back(MakeNetwork(i, second));
  ASSERT_NO_FATAL_FAILURE(SyncAll(nets, NodeList(kNodes)));
  for (int i = 0; i < kNodes; ++i) {
    auto h = Handle::OpenIn(*nodes_[i]);
    bool has_vxlan = h->GetLink("flannel.1").ok();
    EXPECT_EQ(has_vxlan, second == Mode::kVxlan) << NodeName(i);
    for (const auto& r : RoutesOf(i)) {
      if (Cidr("10.244.0.0/16").Contains(r.dst.addr) && r.gateway) {
        EXPECT_EQ(r.dev, second == Mode::kVxlan ? "flannel.1" : "eth0") << NodeName(i) << " " << r.dst.ToString();
      }
    }
    EXPECT_TRUE(HasDefaultRoute(i));
  }
  ExpectPodToPod(0, 2, 8091);
  ExpectPodToPod(1, 0, 8092);
  ExpectSecondSyncChangesNothing(nets, NodeList(kNodes));
}

TEST_P(OverlayKernelTest, DriftIsRepaired) {
  const Mode mode = GetParam();
  std::vector<std::unique_ptr<Network>> nets;
  for (int i = 0; i < kNodes; ++i) nets.push_back(MakeNetwork(i, mode));
  ASSERT_NO_FATAL_FAILURE(SyncAll(nets, NodeList(kNodes)));
  // Someone deletes a route and, in vxlan mode, a neighbour entry.
  auto h0 = Handle::OpenIn(*nodes_[0]);
  auto r = RouteTo(0, "10.244.1.0/24");
  ASSERT_TRUE(r);
  ASSERT_OK(h0->DeleteRoute(*r));
  if (mode == Mode::kVxlan) ASSERT_OK(h0->DeleteNeighbour("flannel.1", Ip("10.244.2.0")));
  auto changes = SyncIn(0, *nets[0], NodeList(kNodes));
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->size(), mode == Mode::kVxlan ? 2u : 1u);
  ExpectPodToPod(0, 1, 8100);
  ExpectPodToPod(0, 2, 8101);
}

INSTANTIATE_TEST_SUITE_P(Modes, OverlayKernelTest, ::testing::Values(Mode::kVxlan, Mode::kRouted),
                         [](const auto& info) { return std::string(ModeName(info.param)); });

}  // namespace
}  // namespace netkube::overlay
