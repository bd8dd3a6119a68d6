// Kernel test of proxy::ArpResponder: two namespaces joined by a veth pair,
// "speaker" (arp0, 10.77.0.1/24) and "peer" (arp1, 10.77.0.2/24). The
// responder on arp0 owns LB-style addresses that no interface has:
//  * the peer pings 10.77.0.200 (the ping itself fails: nobody owns the IP at
//    layer 3) and its neighbour table then holds 10.77.0.200 -> arp0's MAC,
//    learnt from the responder's ARP reply;
//  * after SetAddresses adds 10.77.0.201, the peer learns it from the
//    gratuitous ARP without asking. The peer needs
//    net.ipv4.conf.arp1.arp_accept=1 for that: by default Linux only updates
//    existing entries from unsolicited ARP, it does not create them;
//  * an address removed from the set is no longer answered.
// The in-process equivalents of `ping -c1 -W1` and `ip neigh show` are used.
// REQUIRES: root; run under scripts/in-netns (CTest does).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

#include "netlink/handle.h"
#include "netlink/sysctl.h"
#include "netns_fixture.h"
#include "proxy/arp_responder.h"

namespace netkube::proxy {
namespace {

using netlink::Handle;
using netlink::Ipv4;
using netlink::NetNs;
using testing::NetNsPool;

Ipv4 Ip(const std::string& s) { return *Ipv4::Parse(s); }

class ArpResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto speaker = pool_.Create("arps");
    ASSERT_TRUE(speaker.ok()) << speaker.status().ToString();
    speaker_ = std::make_unique<NetNs>(std::move(*speaker));
    auto peer = pool_.Create("arpp");
    ASSERT_TRUE(peer.ok()) << peer.status().ToString();
    peer_ = std::make_unique<NetNs>(std::move(*peer));

    auto s = Handle::OpenIn(*speaker_);
    ASSERT_TRUE(s.ok());
    ASSERT_OK(s->AddVeth({.name = "arp0", .peer_name = "arp1", .peer_netns_fd = peer_->fd(), .up = true}));
    ASSERT_OK(s->SetLinkUp("lo"));
    ASSERT_OK(s->AddAddress("arp0", {Ip("10.77.0.1"), 24}));
    auto p = Handle::OpenIn(*peer_);
    ASSERT_TRUE(p.ok());
    ASSERT_OK(p->SetLinkUp("lo"));
    ASSERT_OK(p->SetLinkUp("arp1"));
    ASSERT_OK(p->AddAddress("arp1", {Ip("10.77.0.2"), 24}));
    auto link = s->GetLink("arp0");
    ASSERT_TRUE(link.ok());
    speaker_mac_ = link->mac.ToString();
  }

  // The peer's neighbour entry for `ip` with a MAC, if any.
  std::optional<std::string> PeerNeighbour(const std::string& ip) {
    auto p = Handle::OpenIn(*peer_);
    if (!p.ok()) return std::nullopt;
    auto list = p->ListNeighbours("arp1");
    if (!list.ok()) return std::nullopt;
    for (const auto& n : *list) {
      if (n.ip == Ip(ip) && n.mac) return n.mac->ToString();
    }
    return std::nullopt;
  }

  // Waits (bounded) for the peer to hold an entry for `ip`: ARP is
  // asynchronous. Not a timing assertion: the bound only ends a failing test.
  std::optional<std::string> AwaitPeerNeighbour(const std::string& ip) {
    for (int i = 0; i < 500; ++i) {
      if (auto mac = PeerNeighbour(ip)) return mac;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  Status StartIn(ArpResponder& r, const std::string& dev) {
    return speaker_->Run([&] { return r.Start(dev); });
  }

  // Declared before the responder so the responder stops first.
  NetNsPool pool_;
  std::unique_ptr<NetNs> speaker_, peer_;
  std::string speaker_mac_;
};

TEST_F(ArpResponderTest, AnswersRequestsForItsAddresses) {
  ArpResponder responder;
  ASSERT_OK(StartIn(responder, "arp0"));
  EXPECT_EQ(responder.mac(), speaker_mac_);
  // arp_accept stays 0 here: the peer can only learn .200 by asking.
  ASSERT_OK(responder.SetAddresses({"10.77.0.200"}));
  EXPECT_FALSE(PeerNeighbour("10.77.0.200"));

  testing::Ping(*peer_, Ip("10.77.0.200"), 1000).ok();  // fails: nothing owns .200 at layer 3
  auto mac = AwaitPeerNeighbour("10.77.0.200");
  ASSERT_TRUE(mac) << "the peer has no neighbour entry for 10.77.0.200";
  EXPECT_EQ(*mac, speaker_mac_);
  EXPECT_GE(responder.replies_sent(), 1u);

  // The kernel still answers for the interface's own address.
  ASSERT_OK(testing::Ping(*peer_, Ip("10.77.0.1"), 2000));
}

TEST_F(ArpResponderTest, GratuitousArpOnAdd) {
  ArpResponder responder;
  ASSERT_OK(StartIn(responder, "arp0"));
  ASSERT_OK(netlink::WriteSysctlIn(*peer_, "net.ipv4.conf.arp1.arp_accept", "1"));
  ASSERT_OK(responder.SetAddresses({"10.77.0.201"}));
  auto mac = AwaitPeerNeighbour("10.77.0.201");
  ASSERT_TRUE(mac) << "the peer did not learn 10.77.0.201 from the gratuitous ARP";
  EXPECT_EQ(*mac, speaker_mac_);
  EXPECT_EQ(responder.replies_sent(), 0u);  // learnt without asking

  // Addresses set before Start are announced by Start.
  ArpResponder second;
  ASSERT_OK(second.SetAddresses({"10.77.0.202"}));
  responder.Stop();
  ASSERT_OK(StartIn(second, "arp0"));
  EXPECT_EQ(AwaitPeerNeighbour("10.77.0.202"), speaker_mac_);
}

TEST_F(ArpResponderTest, RemovedAddressIsNotAnswered) {
  ArpResponder responder;
  ASSERT_OK(StartIn(responder, "arp0"));
  ASSERT_OK(responder.SetAddresses({"10.77.0.203"}));
  ASSERT_OK(responder.SetAddresses({}));
  EXPECT_TRUE(responder.addresses().empty());
  testing::Ping(*peer_, Ip("10.77.0.203"), 1000).ok();
  EXPECT_FALSE(PeerNeighbour("10.77.0.203"));
  EXPECT_EQ(responder.replies_sent(), 0u);
}

TEST_F(ArpResponderTest, Errors) {
  ArpResponder responder;
  Status missing = StartIn(responder, "nosuchdev");
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  ASSERT_OK(StartIn(responder, "arp0"));
  EXPECT_TRUE(StartIn(responder, "arp0").IsConflict());
  Status bad = responder.SetAddresses({"10.77.0.204", "fd00::1"});
  EXPECT_TRUE(bad.IsInvalid()) << bad.ToString();
  EXPECT_TRUE(responder.addresses().empty());  // unchanged
  responder.Stop();
  responder.Stop();  // idempotent
  EXPECT_EQ(responder.mac(), "");
  ASSERT_OK(StartIn(responder, "arp0"));  // restartable
}

}  // namespace
}  // namespace netkube::proxy
