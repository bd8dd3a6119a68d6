#include "nft/render.h"

#include <gtest/gtest.h>

#include "nft/testing_tables.h"

namespace netkube::nft {
namespace {

TEST(RenderFull, Golden) {
  Table t = testing::SmallTable();
  ASSERT_TRUE(Validate(t).ok()) << Validate(t).ToString();
  EXPECT_EQ(RenderFull(t), R"(add table inet netkube-proxy
delete table inet netkube-proxy
add table inet netkube-proxy
add map inet netkube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
add chain inet netkube-proxy endpoint-a
add chain inet netkube-proxy endpoint-b
add chain inet netkube-proxy nat-output { type nat hook output priority -100; policy accept; }
add chain inet netkube-proxy nat-postrouting { type nat hook postrouting priority 100; policy accept; }
add chain inet netkube-proxy nat-prerouting { type nat hook prerouting priority -100; policy accept; }
add chain inet netkube-proxy service-kube-dns
add chain inet netkube-proxy services
add rule inet netkube-proxy endpoint-a ip saddr 10.244.0.5 meta mark set meta mark | 0x4000
add rule inet netkube-proxy endpoint-a meta l4proto udp dnat ip to 10.244.0.5:53
add rule inet netkube-proxy endpoint-b ip saddr 10.244.1.7 meta mark set meta mark | 0x4000
add rule inet netkube-proxy endpoint-b meta l4proto udp dnat ip to 10.244.1.7:53
add rule inet netkube-proxy nat-output jump services
add rule inet netkube-proxy nat-postrouting meta mark & 0x4000 == 0x4000 masquerade
add rule inet netkube-proxy nat-prerouting jump services
add rule inet netkube-proxy service-kube-dns numgen random mod 2 == 0 goto endpoint-a
add rule inet netkube-proxy service-kube-dns goto endpoint-b
add rule inet netkube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add element inet netkube-proxy service-ips { 10.96.0.10 . udp . 53 : goto service-kube-dns }
)");
}

TEST(RenderFull, SetWithFlagsAndIpFamily) {
  Table t;
  t.family = Family::kIp;
  t.name = "netkube-policy";
  auto& s = t.AddSet("blocked", "ipv4_addr");
  s.flags = {"interval"};
  s.elements["10.0.0.0/8"] = "";
  t.AddChain("input", BaseChainSpec{"filter", "input", 0, "drop"}).rules.push_back(
      *RuleBuilder().DaddrInSet("blocked").Drop().Build());
  ASSERT_TRUE(Validate(t).ok());
  EXPECT_EQ(RenderFull(t), R"(add table ip netkube-policy
delete table ip netkube-policy
add table ip netkube-policy
add set ip netkube-policy blocked { type ipv4_addr; flags interval; }
add chain ip netkube-policy input { type filter hook input priority 0; policy drop; }
add rule ip netkube-policy input ip daddr @blocked drop
add element ip netkube-policy blocked { 10.0.0.0/8 }
)");
}

TEST(RenderFull, DynamicSetWithTimeout) {
  Table t;
  t.family = Family::kIp;
  t.name = "p";
  auto& s = t.AddSet("affinity-a", "ipv4_addr");
  s.flags = {"dynamic", "timeout"};
  s.timeout_seconds = 10800;
  t.AddChain("endpoint-a").rules.push_back(*RuleBuilder().UpdateSetWithSaddr("affinity-a").Build());
  ASSERT_TRUE(Validate(t).ok());
  EXPECT_EQ(RenderFull(t), R"(add table ip p
delete table ip p
add table ip p
add set ip p affinity-a { type ipv4_addr; flags dynamic,timeout; timeout 10800s; }
add chain ip p endpoint-a
add rule ip p endpoint-a update @affinity-a { ip saddr }
)");
  s.elements["10.0.0.1"] = "";  // elements are the data path's
  EXPECT_TRUE(Validate(t).IsInvalid());
}

TEST(RenderDelete, AddsFirstSoItCannotFail) {
  EXPECT_EQ(RenderDelete(Family::kInet, "t"), "add table inet t\ndelete table inet t\n");
}

TEST(Validate, RejectsBadTables) {
  Table t = testing::SmallTable();
  t.chains["services"].rules.push_back("goto nowhere");
  EXPECT_TRUE(Validate(t).IsInvalid());
  t = testing::SmallTable();
  t.chains["services"].rules.push_back("jump nat-output");  // a base chain
  EXPECT_TRUE(Validate(t).IsInvalid());
  t = testing::SmallTable();
  t.sets["service-ips"].elements["1.2.3.4 . tcp . 80"] = "goto missing";
  EXPECT_TRUE(Validate(t).IsInvalid());
  t = testing::SmallTable();
  t.chains["nat-output"].base->hook = "sideways";
  EXPECT_TRUE(Validate(t).IsInvalid());
  t = testing::SmallTable();
  t.name = "bad name";
  EXPECT_TRUE(Validate(t).IsInvalid());
  t = testing::SmallTable();
  t.chains["services"].rules.push_back("accept; flush ruleset");
  EXPECT_TRUE(Validate(t).IsInvalid());
}

}  // namespace
}  // namespace netkube::nft
