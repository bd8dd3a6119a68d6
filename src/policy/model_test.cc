#include "policy/model.h"

#include <gtest/gtest.h>

namespace netkube::policy {
namespace {

using Op = SelectorRequirement::Op;

TEST(LabelSelectorTest, AllFourOperatorsAndMatchLabels) {
  struct Case {
    LabelSelector sel;
    Labels labels;
    bool want;
  };
  const Case cases[] = {
      {{}, {}, true},
      {{{{"app", "web"}}, {}}, {{"app", "web"}, {"x", "y"}}, true},
      {{{{"app", "web"}}, {}}, {{"app", "db"}}, false},
      {{{}, {{"env", Op::kIn, {"a", "b"}}}}, {{"env", "b"}}, true},
      {{{}, {{"env", Op::kIn, {"a", "b"}}}}, {{"env", "c"}}, false},
      {{{}, {{"env", Op::kIn, {"a"}}}}, {}, false},
      {{{}, {{"env", Op::kNotIn, {"a"}}}}, {}, true},
      {{{}, {{"env", Op::kNotIn, {"a"}}}}, {{"env", "a"}}, false},
      {{{}, {{"env", Op::kNotIn, {"a"}}}}, {{"env", "b"}}, true},
      {{{}, {{"env", Op::kExists, {}}}}, {{"env", ""}}, true},
      {{{}, {{"env", Op::kExists, {}}}}, {}, false},
      {{{}, {{"env", Op::kDoesNotExist, {}}}}, {}, true},
      {{{}, {{"env", Op::kDoesNotExist, {}}}}, {{"env", "a"}}, false},
      {{{{"app", "web"}}, {{"env", Op::kExists, {}}}}, {{"app", "web"}}, false},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(cases[i].sel.Matches(cases[i].labels), cases[i].want) << "case " << i;
  }
}

TEST(LabelSelectorTest, CanonicalIgnoresOrder) {
  LabelSelector a{{{"b", "2"}, {"a", "1"}}, {{"k", Op::kIn, {"y", "x"}}, {"e", Op::kExists, {}}}};
  LabelSelector b{{{"a", "1"}, {"b", "2"}}, {{"e", Op::kExists, {}}, {"k", Op::kIn, {"x", "y", "x"}}}};
  EXPECT_EQ(a.Canonical(), b.Canonical());
  EXPECT_EQ(a.Canonical(), "a=1,b=2,e,k in (x,y)");
  EXPECT_EQ(LabelSelector{}.Canonical(), "");
}

TEST(PolicyTypesTest, ApiServerDefaulting) {
  PolicyInfo p;
  EXPECT_EQ(p.EffectivePolicyTypes(), std::vector<PolicyType>{PolicyType::kIngress});
  p.egress.push_back({});
  EXPECT_EQ(p.EffectivePolicyTypes(), (std::vector<PolicyType>{PolicyType::kIngress, PolicyType::kEgress}));
  p.policy_types = {PolicyType::kEgress};
  EXPECT_FALSE(p.Isolates(PolicyType::kIngress));
  EXPECT_TRUE(p.Isolates(PolicyType::kEgress));
}

TEST(IpBlockTest, CidrMinusExcept) {
  EXPECT_EQ(CidrsOf({"10.0.0.0/24", {}}), std::vector<std::string>{"10.0.0.0/24"});
  EXPECT_EQ(CidrsOf({"10.0.0.0/24", {"10.0.0.0/25"}}), std::vector<std::string>{"10.0.0.128/25"});
  EXPECT_EQ(CidrsOf({"10.0.0.0/30", {"10.0.0.1/32"}}),
            (std::vector<std::string>{"10.0.0.0/32", "10.0.0.2/31"}));
  EXPECT_EQ(CidrsOf({"0.0.0.0/0", {"128.0.0.0/1"}}), std::vector<std::string>{"0.0.0.0/1"});
  EXPECT_EQ(CidrsOf({"0.0.0.0/0", {}}), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(CidrsOf({"10.0.0.0/24", {"10.0.0.0/24"}}), std::vector<std::string>{});
  EXPECT_EQ(CidrsOf({"10.0.0.5/24", {}}), std::vector<std::string>{"10.0.0.0/24"});  // host bits dropped
  EXPECT_TRUE(CidrsOf({"bogus", {}}).empty());
  IpBlock b{"10.0.0.0/24", {"10.0.0.16/28"}};
  EXPECT_TRUE(IpBlockContains(b, *ParseIpv4("10.0.0.15")));
  EXPECT_FALSE(IpBlockContains(b, *ParseIpv4("10.0.0.16")));
  EXPECT_FALSE(IpBlockContains(b, *ParseIpv4("10.0.1.1")));
}

TEST(Ipv4Test, ParseAndFormat) {
  EXPECT_EQ(FormatIpv4(*ParseIpv4("1.2.3.4")), "1.2.3.4");
  EXPECT_FALSE(ParseIpv4("1.2.3"));
  EXPECT_FALSE(ParseIpv4("1.2.3.256"));
  EXPECT_FALSE(ParseIpv4("1.2.3.4x"));
  EXPECT_FALSE(ParseCidr("1.2.3.4/33"));
}

}  // namespace
}  // namespace netkube::policy
