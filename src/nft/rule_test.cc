#include "nft/rule.h"

#include <gtest/gtest.h>

namespace netkube::nft {
namespace {

TEST(RuleBuilder, ServiceShapes) {
  EXPECT_EQ(*RuleBuilder().DaddrIs("10.96.0.10").L4Dport("udp", 53).Goto("service-x").Build(),
            "ip daddr 10.96.0.10 udp dport 53 goto service-x");
  EXPECT_EQ(*RuleBuilder().FibDaddrLocal().L4Dport("tcp", 30080).Counter().Jump("nodeport-x").Build(),
            "fib daddr type local tcp dport 30080 counter jump nodeport-x");
  EXPECT_EQ(*RuleBuilder().CtState({"established", "related"}).Accept().Build(),
            "ct state established,related accept");
  EXPECT_EQ(*RuleBuilder().SaddrIs("10.244.0.5").MarkSet(0x4000).Build(),
            "ip saddr 10.244.0.5 meta mark set meta mark | 0x4000");
  EXPECT_EQ(*RuleBuilder().MarkMatch(0x4000).Masquerade().Build(), "meta mark & 0x4000 == 0x4000 masquerade");
  EXPECT_EQ(*RuleBuilder().L4Proto("tcp").DnatTo("10.244.0.5", 8080).Build(),
            "meta l4proto tcp dnat ip to 10.244.0.5:8080");
  EXPECT_EQ(*RuleBuilder().ForIpFamily().L4Proto("tcp").DnatTo("10.244.0.5", 8080).Build(),
            "meta l4proto tcp dnat to 10.244.0.5:8080");
  EXPECT_EQ(*RuleBuilder().DaddrIs("10.96.0.0/12").SaddrIsNot("10.244.0.0/16").Reject().Build(),
            "ip daddr 10.96.0.0/12 ip saddr != 10.244.0.0/16 reject");
  EXPECT_EQ(*RuleBuilder().VmapLookup("ip daddr . meta l4proto . th dport", "service-ips").Build(),
            "ip daddr . meta l4proto . th dport vmap @service-ips");
  EXPECT_EQ(*RuleBuilder().DaddrInSet("no-endpoint").Drop().Build(), "ip daddr @no-endpoint drop");
  EXPECT_EQ(*RuleBuilder().SaddrInSet("affinity-x").Goto("endpoint-x").Build(), "ip saddr @affinity-x goto endpoint-x");
  EXPECT_EQ(*RuleBuilder().FibSaddrLocal().DaddrIsNot("127.0.0.0/8").Jump("mark").Build(),
            "fib saddr type local ip daddr != 127.0.0.0/8 jump mark");
  EXPECT_EQ(*RuleBuilder().UpdateSetWithSaddr("affinity-x").Build(), "update @affinity-x { ip saddr }");
}

TEST(RuleBuilder, RejectsBadInput) {
  EXPECT_TRUE(RuleBuilder().DaddrIs("10.96.0.300").Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().DaddrIs("10.96.0.1/33").Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().L4Dport("icmp", 1).Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().L4Dport("tcp", 0).Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().L4Dport("tcp", 65536).Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().Goto("bad name").Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().Goto("counter").Build().status().IsInvalid());  // a keyword
  EXPECT_TRUE(RuleBuilder().Goto("x; flush ruleset").Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().DaddrIs("10.0.0.1").Build().status().IsInvalid());  // does nothing
  EXPECT_TRUE(RuleBuilder().Drop().Accept().Build().status().IsInvalid());     // two verdicts
  EXPECT_TRUE(RuleBuilder().CtState({"bogus"}).Accept().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().UpdateSetWithSaddr("a b").Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().DaddrIsNot("1.2.3").Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().NumgenRandomModEq(2, 2).Drop().Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().DnatTo("10.0.0.0/8", 80).Build().status().IsInvalid());
  EXPECT_TRUE(RuleBuilder().VmapLookup("ip daddr . foo", "m").Build().status().IsInvalid());
  auto s = RuleBuilder().DaddrIs("nope").Drop().Build().status();
  EXPECT_NE(s.message().find("\"nope\""), std::string::npos) << s.message();
}

TEST(RandomCascade, UniformCascade) {
  auto r = RandomCascade({"endpoint-a", "endpoint-b", "endpoint-c"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"numgen random mod 3 == 0 goto endpoint-a",
                                          "numgen random mod 2 == 0 goto endpoint-b", "goto endpoint-c"}));
  EXPECT_EQ(*RandomCascade({"endpoint-a"}), std::vector<std::string>{"goto endpoint-a"});
  EXPECT_TRUE(RandomCascade({}).value().empty());
  EXPECT_FALSE(RandomCascade({"bad name"}).ok());
}

}  // namespace
}  // namespace netkube::nft
