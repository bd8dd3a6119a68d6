// Expected bytecode below is what `nft --debug=netlink` (nft 1.0.6) printed
// for the same rule text on this machine.
#include "nft/nftnl_translate.h"

#include <gtest/gtest.h>

#include "nft/rule.h"

namespace netkube::nft::nftnl {
namespace {

std::string Inet(const std::string& rule) {
  auto r = TranslateRule(rule, Family::kInet);
  return r.ok() ? DebugString(*r) : "ERROR " + r.status().message();
}
std::string Ip(const std::string& rule) {
  auto r = TranslateRule(rule, Family::kIp);
  return r.ok() ? DebugString(*r) : "ERROR " + r.status().message();
}

TEST(NftnlTranslate, AddressPortGoto) {
  EXPECT_EQ(Inet("ip daddr 10.96.0.10 udp dport 53 goto c1"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ payload load 4b @ network header + 16 => reg 1 ]\n"
            "[ cmp eq reg 1 0x0a00600a ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000011 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00003500 ]\n"
            "[ immediate reg 0 goto -> c1 ]\n");
}

TEST(NftnlTranslate, Prefixes) {
  EXPECT_EQ(Inet("ip saddr != 10.0.0.0/8 tcp dport 80 jump c2"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ payload load 1b @ network header + 12 => reg 1 ]\n"
            "[ cmp neq reg 1 0x0000000a ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000006 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00005000 ]\n"
            "[ immediate reg 0 jump -> c2 ]\n");
  EXPECT_EQ(Ip("ip saddr 10.0.0.0/20 ip daddr != 10.1.0.0/16 ip daddr 10.2.3.0/24 ip saddr != 0.0.0.0/0 goto c2"),
            "[ payload load 4b @ network header + 12 => reg 1 ]\n"
            "[ bitwise reg 1 = ( reg 1 & 0x00f0ffff ) ^ 0x00000000 ]\n"
            "[ cmp eq reg 1 0x0000000a ]\n"
            "[ payload load 2b @ network header + 16 => reg 1 ]\n"
            "[ cmp neq reg 1 0x0000010a ]\n"
            "[ payload load 3b @ network header + 16 => reg 1 ]\n"
            "[ cmp eq reg 1 0x0003020a ]\n"
            "[ payload load 4b @ network header + 12 => reg 1 ]\n"
            "[ bitwise reg 1 = ( reg 1 & 0x00000000 ) ^ 0x00000000 ]\n"
            "[ cmp neq reg 1 0x00000000 ]\n"
            "[ immediate reg 0 goto -> c2 ]\n");
}

TEST(NftnlTranslate, SetsCountersAndProtocols) {
  EXPECT_EQ(Inet("ip daddr @ips meta l4proto tcp counter accept"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ payload load 4b @ network header + 16 => reg 1 ]\n"
            "[ lookup reg 1 set ips ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000006 ]\n"
            "[ counter pkts 0 bytes 0 ]\n"
            "[ immediate reg 0 accept ]\n");
  // A protocol match makes the tcp dependency implicit, as nft does.
  EXPECT_EQ(Inet("meta l4proto tcp tcp dport 80 drop"),
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000006 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00005000 ]\n"
            "[ immediate reg 0 drop ]\n");
  EXPECT_EQ(Ip("th dport 80 tcp dport 80 drop"),
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00005000 ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000006 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00005000 ]\n"
            "[ immediate reg 0 drop ]\n");
}

TEST(NftnlTranslate, FibCtRejects) {
  EXPECT_EQ(Inet("fib daddr type local return"),
            "[ fib daddr type => reg 1 ]\n[ cmp eq reg 1 0x00000002 ]\n[ immediate reg 0 return ]\n");
  EXPECT_EQ(Inet("fib saddr type local reject"),
            "[ fib saddr type => reg 1 ]\n[ cmp eq reg 1 0x00000002 ]\n[ reject type 2 code 1 ]\n");
  EXPECT_EQ(Inet("ct state new,established tcp dport 1 reject with tcp reset"),
            "[ ct load state => reg 1 ]\n"
            "[ bitwise reg 1 = ( reg 1 & 0x0000000a ) ^ 0x00000000 ]\n"
            "[ cmp neq reg 1 0x00000000 ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000006 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000100 ]\n"
            "[ reject type 1 code 0 ]\n");
  EXPECT_EQ(Inet("reject with tcp reset"),
            "[ meta load l4proto => reg 1 ]\n[ cmp eq reg 1 0x00000006 ]\n[ reject type 1 code 0 ]\n");
  // With the IPv4 context known, a plain reject is ICMP port unreachable.
  EXPECT_EQ(Inet("ip saddr 1.2.3.4 reject"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ payload load 4b @ network header + 12 => reg 1 ]\n"
            "[ cmp eq reg 1 0x04030201 ]\n"
            "[ reject type 0 code 3 ]\n");
  EXPECT_EQ(Ip("reject"), "[ reject type 0 code 3 ]\n");
  EXPECT_EQ(Inet("ct state established,related,invalid,untracked accept"),
            "[ ct load state => reg 1 ]\n"
            "[ bitwise reg 1 = ( reg 1 & 0x00000047 ) ^ 0x00000000 ]\n"
            "[ cmp neq reg 1 0x00000000 ]\n"
            "[ immediate reg 0 accept ]\n");
}

TEST(NftnlTranslate, MarksNumgenNat) {
  EXPECT_EQ(Inet("meta mark & 0x4000 == 0x4000 masquerade"),
            "[ meta load mark => reg 1 ]\n"
            "[ bitwise reg 1 = ( reg 1 & 0x00004000 ) ^ 0x00000000 ]\n"
            "[ cmp eq reg 1 0x00004000 ]\n"
            "[ masq ]\n");
  EXPECT_EQ(Inet("meta mark set meta mark | 0x4000"),
            "[ meta load mark => reg 1 ]\n"
            "[ bitwise reg 1 = ( reg 1 & 0xffffbfff ) ^ 0x00004000 ]\n"
            "[ meta set mark with reg 1 ]\n");
  EXPECT_EQ(Inet("numgen random mod 3 == 0 goto c2"),
            "[ numgen reg 1 = random mod 3 ]\n[ cmp eq reg 1 0x00000000 ]\n[ immediate reg 0 goto -> c2 ]\n");
  EXPECT_EQ(Inet("update @aff { ip saddr } meta l4proto udp dnat ip to 10.244.0.5:53"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ payload load 4b @ network header + 12 => reg 1 ]\n"
            "[ dynset update reg_key 1 set aff ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000011 ]\n"
            "[ immediate reg 1 0x0500f40a ]\n"
            "[ immediate reg 2 0x00003500 ]\n"
            "[ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]\n");
  EXPECT_EQ(Ip("udp dport 53 dnat to 10.244.0.5:53"),
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000011 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ cmp eq reg 1 0x00003500 ]\n"
            "[ immediate reg 1 0x0500f40a ]\n"
            "[ immediate reg 2 0x00003500 ]\n"
            "[ nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2 ]\n");
}

TEST(NftnlTranslate, VmapConcatenations) {
  EXPECT_EQ(Inet("ip daddr . meta l4proto . th dport vmap @svc"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ payload load 4b @ network header + 16 => reg 1 ]\n"
            "[ meta load l4proto => reg 9 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 10 ]\n"
            "[ lookup reg 1 set svc dreg 0 ]\n");
  EXPECT_EQ(Inet("ip saddr . tcp dport . fib daddr type vmap @m3"),
            "[ meta load nfproto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000002 ]\n"
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000006 ]\n"
            "[ payload load 4b @ network header + 12 => reg 1 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 9 ]\n"
            "[ fib daddr type => reg 10 ]\n"
            "[ lookup reg 1 set m3 dreg 0 ]\n");
  EXPECT_EQ(Inet("udp dport vmap @m4"),
            "[ meta load l4proto => reg 1 ]\n"
            "[ cmp eq reg 1 0x00000011 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
            "[ lookup reg 1 set m4 dreg 0 ]\n");
  EXPECT_EQ(Inet("th sport . th dport vmap @m7"),
            "[ payload load 2b @ transport header + 0 => reg 1 ]\n"
            "[ payload load 2b @ transport header + 2 => reg 9 ]\n"
            "[ lookup reg 1 set m7 dreg 0 ]\n");
}

TEST(NftnlTranslate, EveryRuleBuilderShapeTranslates) {
  std::vector<StatusOr<std::string>> rules = {
      RuleBuilder().DaddrIs("10.96.0.1").L4Dport("tcp", 443).Jump("x").Build(),
      RuleBuilder().SaddrIsNot("10.244.0.0/16").DaddrIsNot("10.0.0.1").Accept().Build(),
      RuleBuilder().DaddrInSet("s").SaddrInSet("t").Drop().Build(),
      RuleBuilder().L4Proto("sctp").FibDaddrLocal().FibSaddrLocal().Return().Build(),
      RuleBuilder().CtState({"new", "related"}).MarkMatch(0x4000).Counter().Reject().Build(),
      RuleBuilder().L4Proto("tcp").RejectTcpReset().Build(),
      RuleBuilder().NumgenRandomModEq(5, 4).MarkSet(0x10).Goto("x").Build(),
      RuleBuilder().UpdateSetWithSaddr("aff").L4Proto("tcp").DnatTo("1.2.3.4", 80).Build(),
      RuleBuilder().L4Proto("udp").ForIpFamily().DnatTo("1.2.3.4", 53).Build(),
      RuleBuilder().Masquerade().Build(),
      RuleBuilder().VmapLookup("ip daddr . meta l4proto . th dport", "m").Build(),
      RuleBuilder().VmapLookup("fib daddr type . meta l4proto . th dport", "m").Build(),
      RuleBuilder().VmapLookup("ip saddr . udp dport", "m").Build(),
  };
  for (const auto& r : rules) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto t = TranslateRule(*r, Family::kInet);
    EXPECT_TRUE(t.ok()) << *r << ": " << t.status().ToString();
  }
}

TEST(NftnlTranslate, UnsupportedTextIsRefused) {
  for (const char* r : {"ip6 daddr ::1 accept", "tcp dport 80 udp dport 53 accept", "meta l4proto tcp dnat ip to 1.2.3.4",
                        "dnat ip to 1.2.3.4:80", "ip daddr != @s drop", "accept drop", "log accept", "",
                        "ct state bogus accept", "ip daddr . ip6 daddr vmap @m", "numgen inc mod 2 == 0 accept"}) {
    auto t = TranslateRule(r, Family::kInet);
    EXPECT_FALSE(t.ok()) << r;
    if (!t.ok()) {
      EXPECT_TRUE(t.status().IsInvalid());
      EXPECT_NE(t.status().message().find("unsupported"), std::string::npos) << t.status().message();
    }
  }
}

TEST(NftnlTranslate, KeysAndValues) {
  auto k = ParseKeyType("ipv4_addr . inet_proto . inet_service");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->len, 12u);
  EXPECT_EQ(k->type_id, (((7u << 6) | 12u) << 6) | 13u);
  auto b = EncodeKey(*k, "10.96.0.10 . udp . 53");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (Bytes{10, 96, 0, 10, 17, 0, 0, 0, 0, 53, 0, 0}));
  EXPECT_FALSE(EncodeKey(*k, "10.96.0.10 . udp").ok());
  EXPECT_FALSE(EncodeKey(*k, "10.96.0.0/16 . udp . 53").ok());
  EXPECT_FALSE(EncodeKey(*k, "10.96.0.10 . udp . 53 . 4").ok());

  auto single = ParseKeyType("inet_service");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->len, 2u);
  EXPECT_EQ(*EncodeKey(*single, "30080"), (Bytes{0x75, 0x80}));
  auto ip = ParseKeyType("ipv4_addr");
  EXPECT_EQ(ip->type_id, 7u);
  EXPECT_EQ(*EncodeKey(*ip, "192.168.1.1"), (Bytes{192, 168, 1, 1}));
  EXPECT_FALSE(ParseKeyType("ipv6_addr").ok());

  EXPECT_EQ(ParseVerdict("goto service-a")->verdict, kVerdictGoto);
  EXPECT_EQ(ParseVerdict("goto service-a")->chain, "service-a");
  EXPECT_EQ(ParseVerdict("jump x")->verdict, kVerdictJump);
  EXPECT_EQ(ParseVerdict("drop")->verdict, kVerdictDrop);
  EXPECT_EQ(ParseVerdict("accept")->verdict, kVerdictAccept);
  EXPECT_FALSE(ParseVerdict("goto").ok());
  EXPECT_FALSE(ParseVerdict("queue").ok());

  Set s;
  s.flags = {"dynamic", "timeout"};
  EXPECT_EQ(*SetFlags(s), 0x30u);
  s.data_type = "verdict";
  s.flags = {"interval"};
  EXPECT_EQ(*SetFlags(s), 0xcu);
  s.flags = {"bogus"};
  EXPECT_FALSE(SetFlags(s).ok());
}

}  // namespace
}  // namespace netkube::nft::nftnl
