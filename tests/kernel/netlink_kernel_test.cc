// Kernel tests of the netlink layer: namespaces, veth, bridge, hairpin,
// addresses, routes, neighbours, vxlan + fdb, per-namespace sysctls.
// REQUIRES: root; run under scripts/in-netns (CTest does).
#include <gtest/gtest.h>

#include <algorithm>

#include "netlink/handle.h"
#include "netlink/sysctl.h"
#include "netns_fixture.h"

namespace netkube::netlink {
namespace {

using testing::NetNsPool;

Ipv4 Ip(const char* s) { return *Ipv4::Parse(s); }
Ipv4Prefix Pfx(const char* s) { return *Ipv4Prefix::Parse(s); }

TEST(NetNsKernelTest, CreateOpenRunDelete) {
  NetNsPool pool;
  auto ns = pool.Create("a");
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();
  EXPECT_TRUE(NetNs::Create(pool.NameOf("a")).status().IsAlreadyExists());
  auto again = NetNs::Open(pool.NameOf("a"));
  ASSERT_TRUE(again.ok());
  // Loopback exists and is down in a fresh namespace; ip_forward is 0.
  auto h = Handle::OpenIn(*ns);
  ASSERT_TRUE(h.ok());
  auto lo = h->GetLink("lo");
  ASSERT_TRUE(lo.ok());
  EXPECT_FALSE(lo->up);
  EXPECT_EQ(*ReadSysctlIn(*ns, "net.ipv4.ip_forward"), "0");
  ASSERT_OK(WriteSysctlIn(*ns, "net.ipv4.ip_forward", "1"));
  EXPECT_EQ(*ReadSysctlIn(*ns, "net.ipv4.ip_forward"), "1");
  EXPECT_EQ(*ReadSysctl("net.ipv4.ip_forward"), "0") << "the sysctl leaked into the caller's namespace";
  ASSERT_OK(NetNs::Delete(pool.NameOf("a")));
  EXPECT_TRUE(NetNs::Open(pool.NameOf("a")).status().IsNotFound());
  EXPECT_TRUE(NetNs::Delete(pool.NameOf("a")).IsNotFound());
}

TEST(LinkKernelTest, VethBridgeHairpinAddressesRoutes) {
  NetNsPool pool;
  auto node = pool.Create("node");
  auto pod = pool.Create("pod");
  ASSERT_TRUE(node.ok() && pod.ok());
  auto nh = Handle::OpenIn(*node);
  auto ph = Handle::OpenIn(*pod);
  ASSERT_TRUE(nh.ok() && ph.ok());

  Mac bridge_mac = Mac::FromIpv4(Ip("10.244.0.1"));
  ASSERT_OK(nh->AddBridge({.name = "cni0", .mac = bridge_mac, .mtu = 1450}));
  EXPECT_TRUE(nh->AddBridge({.name = "cni0"}).IsAlreadyExists());
  ASSERT_OK(nh->SetLinkUp("cni0"));
  ASSERT_OK(nh->AddAddress("cni0", Pfx("10.244.0.1/24")));
  EXPECT_TRUE(nh->AddAddress("cni0", Pfx("10.244.0.1/24")).IsAlreadyExists());

  auto bridge = nh->GetLink("cni0");
  ASSERT_TRUE(bridge.ok());
  ASSERT_OK(nh->AddVeth({.name = "vethpod", .peer_name = "eth0", .peer_netns_fd = pod->fd(), .mtu = 1450,
                         .master_index = bridge->index, .up = true}));
  auto host = nh->GetLink("vethpod");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->kind, "veth");
  EXPECT_EQ(host->mtu, 1450);
  EXPECT_EQ(host->master_index, bridge->index);
  EXPECT_TRUE(host->up);
  EXPECT_TRUE(nh->GetLink("eth0").status().IsNotFound());
  auto eth0 = ph->GetLink("eth0");
  ASSERT_TRUE(eth0.ok());
  EXPECT_EQ(eth0->mtu, 1450);

  // The bridge keeps its MAC with a port attached.
  EXPECT_EQ(nh->GetLink("cni0")->mac, bridge_mac);

  ASSERT_OK(nh->SetHairpin("vethpod", true));
  EXPECT_TRUE(*nh->GetHairpin("vethpod"));
  ASSERT_OK(nh->SetHairpin("vethpod", false));
  EXPECT_FALSE(*nh->GetHairpin("vethpod"));

  ASSERT_OK(ph->SetLinkUp("lo"));
  ASSERT_OK(ph->SetLinkUp("eth0"));
  ASSERT_OK(ph->AddAddress("eth0", Pfx("10.244.0.5/24")));
  auto addrs = ph->ListAddresses("eth0");
  ASSERT_TRUE(addrs.ok());
  ASSERT_EQ(addrs->size(), 1u);
  EXPECT_EQ((*addrs)[0].ToString(), "10.244.0.5/24");
  ASSERT_OK(ph->AddRoute({.dst = Pfx("0.0.0.0/0"), .gateway = Ip("10.244.0.1"), .dev = "eth0"}));
  ASSERT_OK(ph->AddRoute({.dst = Pfx("192.168.7.7/32"), .dev = "eth0", .scope = RouteScope::kLink}));
  ASSERT_OK(ph->AddRoute({.dst = Pfx("172.30.0.0/16"), .gateway = Ip("10.9.9.9"), .dev = "eth0", .onlink = true}));
  EXPECT_TRUE(ph->AddRoute({.dst = Pfx("0.0.0.0/0"), .gateway = Ip("10.244.0.1"), .dev = "eth0"}).IsAlreadyExists());
  auto routes = ph->ListRoutes();
  ASSERT_TRUE(routes.ok());
  auto has = [&](const Route& want) {
    return std::any_of(routes->begin(), routes->end(), [&](const Route& r) {
      return r.dst.ToString() == want.dst.ToString() && r.gateway == want.gateway && r.dev == want.dev &&
             r.scope == want.scope && r.onlink == want.onlink;
    });
  };
  EXPECT_TRUE(has({.dst = Pfx("0.0.0.0/0"), .gateway = Ip("10.244.0.1"), .dev = "eth0"}));
  EXPECT_TRUE(has({.dst = Pfx("192.168.7.7/32"), .dev = "eth0", .scope = RouteScope::kLink}));
  EXPECT_TRUE(has({.dst = Pfx("172.30.0.0/16"), .gateway = Ip("10.9.9.9"), .dev = "eth0", .onlink = true}));
  ASSERT_OK(ph->DeleteRoute({.dst = Pfx("172.30.0.0/16"), .gateway = Ip("10.9.9.9"), .dev = "eth0"}));
  EXPECT_TRUE(ph->DeleteRoute({.dst = Pfx("172.30.0.0/16"), .dev = "eth0"}).IsNotFound());

  ASSERT_OK(testing::Ping(*pod, Ip("10.244.0.1")));
  ASSERT_OK(testing::TcpExchange(*node, Ip("10.244.0.1"), 8080, *pod));

  ASSERT_OK(ph->SetNeighbour("eth0", Ip("10.244.0.77"), *Mac::Parse("02:00:00:00:00:77")));
  ASSERT_OK(ph->DeleteNeighbour("eth0", Ip("10.244.0.77")));
  EXPECT_TRUE(ph->DeleteNeighbour("eth0", Ip("10.244.0.77")).IsNotFound());

  ASSERT_OK(ph->DeleteAddress("eth0", Pfx("10.244.0.5/24")));
  EXPECT_TRUE(ph->DeleteAddress("eth0", Pfx("10.244.0.5/24")).IsNotFound());

  // Deleting one end removes the pair at once.
  ASSERT_OK(ph->DeleteLink("eth0"));
  EXPECT_TRUE(nh->GetLink("vethpod").status().IsNotFound());
  EXPECT_TRUE(nh->DeleteLink("vethpod").IsNotFound());
}

TEST(LinkKernelTest, VxlanWithNeighbourAndFdb) {
  NetNsPool pool;
  auto node = pool.Create("vx");
  ASSERT_TRUE(node.ok());
  auto h = Handle::OpenIn(*node);
  ASSERT_TRUE(h.ok());
  ASSERT_OK(h->AddVeth({.name = "eth0", .peer_name = "peer0"}));
  ASSERT_OK(h->SetLinkUp("eth0"));
  ASSERT_OK(h->AddAddress("eth0", Pfx("172.18.0.2/16")));
  Mac mac = Mac::FromIpv4(Ip("10.244.0.0"));
  ASSERT_OK(h->AddVxlan({.name = "flannel.1", .vni = 1, .port = 8472, .local = Ip("172.18.0.2"), .dev = "eth0",
                         .mtu = 1450, .mac = mac}));
  auto vx = h->GetLink("flannel.1");
  ASSERT_TRUE(vx.ok());
  EXPECT_EQ(vx->kind, "vxlan");
  EXPECT_EQ(vx->mac, mac);
  ASSERT_OK(h->SetLinkUp("flannel.1"));
  ASSERT_OK(h->AddAddress("flannel.1", Pfx("10.244.0.0/32")));
  Mac remote = Mac::FromIpv4(Ip("10.244.1.0"));
  ASSERT_OK(h->SetNeighbour("flannel.1", Ip("10.244.1.0"), remote));
  ASSERT_OK(h->SetFdb("flannel.1", remote, Ip("172.18.0.3")));
  ASSERT_OK(h->SetFdb("flannel.1", remote, Ip("172.18.0.3")));  // replace is idempotent
  ASSERT_OK(h->AddRoute({.dst = Pfx("10.244.1.0/24"), .gateway = Ip("10.244.1.0"), .dev = "flannel.1",
                         .onlink = true}));
  ASSERT_OK(h->DeleteFdb("flannel.1", remote, Ip("172.18.0.3")));
  EXPECT_TRUE(h->DeleteFdb("flannel.1", remote, Ip("172.18.0.3")).IsNotFound());
  ASSERT_OK(h->DeleteLink("flannel.1"));
}

}  // namespace
}  // namespace netkube::netlink
