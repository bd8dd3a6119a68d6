#include "netlink/ip.h"

#include <gtest/gtest.h>

namespace netkube::netlink {
namespace {

TEST(Ipv4Test, ParsesAndPrints) {
  auto ip = Ipv4::Parse("10.244.0.5");
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->value, 0x0af40005u);
  EXPECT_EQ(ip->ToString(), "10.244.0.5");
  EXPECT_EQ(Ipv4::FromNetworkOrder(ip->NetworkOrder()), *ip);
}

TEST(Ipv4Test, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.1.2", "a.b.c.d", "01.2.3.4", "1.2.3.4 ", "1..2.3"}) {
    EXPECT_FALSE(Ipv4::Parse(bad).ok()) << bad;
  }
}

TEST(Ipv4PrefixTest, NetworkMaskContains) {
  auto p = Ipv4Prefix::Parse("10.244.1.7/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Network().ToString(), "10.244.1.0");
  EXPECT_EQ(p->Broadcast().ToString(), "10.244.1.255");
  EXPECT_TRUE(p->Contains(*Ipv4::Parse("10.244.1.200")));
  EXPECT_FALSE(p->Contains(*Ipv4::Parse("10.244.2.1")));
  EXPECT_EQ(p->ToString(), "10.244.1.7/24");
  EXPECT_EQ(Ipv4Prefix::Parse("0.0.0.0/0")->Mask(), 0u);
  EXPECT_EQ(Ipv4Prefix::Parse("1.2.3.4")->length, 32);
  EXPECT_FALSE(Ipv4Prefix::Parse("1.2.3.4/33").ok());
  EXPECT_FALSE(Ipv4Prefix::Parse("1.2.3.4/").ok());
}

TEST(MacTest, ParsesPrintsAndDerives) {
  auto mac = Mac::Parse("0A:58:0a:f4:00:01");
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(mac->ToString(), "0a:58:0a:f4:00:01");
  EXPECT_EQ(Mac::FromIpv4(*Ipv4::Parse("10.244.0.1")), *mac);
  EXPECT_FALSE(Mac::Parse("0a:58:0a:f4:00").ok());
  EXPECT_FALSE(Mac::Parse("0a-58-0a-f4-00-01").ok());
}

}  // namespace
}  // namespace netkube::netlink
