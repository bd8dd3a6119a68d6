#include "dns/loadbalance.h"

#include <gtest/gtest.h>

#include <set>

#include "dns/cache.h"
#include "dns/chain_testing.h"
#include "dns/wire_scan.h"

namespace netkube::dns {
namespace {

using testing::FakeBackend;
using testing::MakeQuery;
using testing::N;
using testing::ParseDirective;

Request FakeRequest() { return Request(); }

ResourceRecord A(std::string_view name, uint8_t last) { return ResourceRecord::MakeA(N(name), 30, {10, 0, 0, last}); }

std::vector<std::string> Texts(const std::vector<ResourceRecord>& rrs) {
  std::vector<std::string> out;
  for (const auto& rr : rrs) out.push_back(rr.ToString());
  return out;
}

TEST(LoadbalanceTest, RoundRobinPutsCnameFirstAndShuffles) {
  std::set<std::string> firsts;
  for (int i = 0; i < 50; ++i) {
    std::vector<ResourceRecord> rrs = {A("b.example.org", 1), A("b.example.org", 2),
                                       ResourceRecord::MakeName(N("a.example.org"), type::CNAME, 30,
                                                                N("b.example.org")),
                                       A("b.example.org", 3), A("b.example.org", 4)};
    std::vector<std::string> before = Texts(rrs);
    RoundRobin(rrs);
    ASSERT_EQ(rrs.size(), 5u);
    EXPECT_EQ(rrs[0].rtype, type::CNAME);
    std::multiset<std::string> a(before.begin(), before.end());
    std::vector<std::string> after = Texts(rrs);
    EXPECT_EQ(a, std::multiset<std::string>(after.begin(), after.end()));
    firsts.insert(rrs[1].ToString());
  }
  EXPECT_GT(firsts.size(), 1u);  // 50 draws of 4 records
}

TEST(LoadbalanceTest, MxAfterAddressesOthersKeptInOrder) {
  std::vector<ResourceRecord> rrs = {
      ResourceRecord::MakeMx(N("example.org"), 30, {10, N("mx1.example.org")}),
      ResourceRecord::MakeTxt(N("example.org"), 30, {"one"}),
      A("example.org", 1),
      ResourceRecord::MakeTxt(N("example.org"), 30, {"two"}),
  };
  RoundRobin(rrs);
  EXPECT_EQ(rrs[0].txt(), (std::vector<std::string>{"one"}));
  EXPECT_EQ(rrs[1].txt(), (std::vector<std::string>{"two"}));
  EXPECT_EQ(rrs[2].rtype, type::A);
  EXPECT_EQ(rrs[3].rtype, type::MX);
}

TEST(LoadbalanceTest, WireFastPathLeavesSingleRecordsAlone) {
  Message m = Message::ReplyTo(MakeQuery("a.example.org"));
  m.answer.push_back(A("a.example.org", 1));
  std::string w = Serialize(m);
  std::string before = w;
  Loadbalance lb;
  Request req = FakeRequest();
  EXPECT_TRUE(lb.FilterWire(req, w));
  EXPECT_EQ(w, before);
}

TEST(LoadbalanceTest, WireShufflesAddressesAfterTheCname) {
  Loadbalance lb;
  Request req = FakeRequest();
  std::set<std::string> orders;
  for (int i = 0; i < 50; ++i) {
    Message m = Message::ReplyTo(MakeQuery("a.example.org"));
    m.answer.push_back(ResourceRecord::MakeName(N("a.example.org"), type::CNAME, 30, N("b.example.org")));
    for (uint8_t k = 1; k <= 4; ++k) m.answer.push_back(A("b.example.org", k));
    std::string w = Serialize(m);
    ASSERT_TRUE(lb.FilterWire(req, w));  // the A owners point into the CNAME, which stays
    auto parsed = Parse(w);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_EQ(parsed->answer.size(), 5u);
    EXPECT_EQ(parsed->answer[0].rtype, type::CNAME);
    std::vector<std::string> before = Texts(m.answer), after = Texts(parsed->answer);
    EXPECT_EQ(std::multiset<std::string>(before.begin(), before.end()),
              std::multiset<std::string>(after.begin(), after.end()));
    std::string order;
    for (size_t k = 1; k < 5; ++k) order += parsed->answer[k].ToString();
    orders.insert(order);
  }
  EXPECT_GT(orders.size(), 1u);
}

TEST(LoadbalanceTest, WireGivesUpWhenAPointerTargetsMovingBytes) {
  Loadbalance lb;
  Request req = FakeRequest();
  int gave_up = 0;
  for (int i = 0; i < 50; ++i) {
    // The second record's owner points into the first's (not the question's).
    Message m = Message::ReplyTo(MakeQuery("q.example.org"));
    m.answer.push_back(A("x.example.org", 1));
    m.answer.push_back(A("x.example.org", 2));
    std::string w = Serialize(m);
    std::string before = w;
    if (lb.FilterWire(req, w)) {
      EXPECT_EQ(w, before);  // kept its order: nothing moved
    } else {
      ++gave_up;
    }
  }
  EXPECT_GT(gave_up, 0);
}

TEST(LoadbalanceTest, ErrorsAreLeftAlone) {
  Message m = Message::ReplyTo(MakeQuery("a.example.org"));
  m.header.rcode = rcode::NXDomain;
  m.answer = {A("a.example.org", 1), A("a.example.org", 2), A("a.example.org", 3)};
  std::string w = Serialize(m), before = w;
  Loadbalance lb;
  Request req = FakeRequest();
  EXPECT_TRUE(lb.FilterWire(req, w));
  EXPECT_EQ(w, before);
}

TEST(LoadbalanceTest, CacheHitsAreShuffled) {
  SetupContext ctx;
  ctx.zones = {Name()};
  Status error;
  auto config = ParseCacheConfig(ParseDirective("cache", &error), ctx);
  ASSERT_TRUE(config.ok());
  Cache cache(std::move(config).value());
  Loadbalance lb;
  FakeBackend backend;
  backend.answer = [](const Message& q) {
    Message m = Message::ReplyTo(q);
    for (uint8_t k = 1; k <= 4; ++k) m.answer.push_back(ResourceRecord::MakeA(q.question[0].name, 30, {10, 0, 0, k}));
    return m;
  };
  std::vector<Plugin*> chain = {&lb, &cache, &backend};
  std::set<std::string> firsts;
  for (int i = 0; i < 50; ++i) {
    auto m = Parse(testing::Run(chain, MakeQuery("svc.example.org")));
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->answer.size(), 4u);
    firsts.insert(m->answer[0].ToString());
  }
  EXPECT_EQ(backend.calls, 1);
  EXPECT_GT(firsts.size(), 1u);
}

TEST(LoadbalanceTest, Setup) {
  Status error;
  SetupContext ctx;
  EXPECT_TRUE(SetupLoadbalance(ParseDirective("loadbalance", &error), ctx).ok());
  EXPECT_TRUE(SetupLoadbalance(ParseDirective("loadbalance round_robin", &error), ctx).ok());
  auto weighted = SetupLoadbalance(ParseDirective("loadbalance weighted w.txt", &error), ctx);
  ASSERT_FALSE(weighted.ok());
  EXPECT_NE(weighted.status().message().find("not supported"), std::string::npos);
  EXPECT_FALSE(SetupLoadbalance(ParseDirective("loadbalance random", &error), ctx).ok());
  EXPECT_FALSE(SetupLoadbalance(ParseDirective("loadbalance round_robin extra", &error), ctx).ok());
  auto prefer = SetupLoadbalance(ParseDirective("loadbalance round_robin {\n prefer 10.0.0.0/8\n}", &error), ctx);
  ASSERT_FALSE(prefer.ok());
  EXPECT_NE(prefer.status().message().find("Corefile:3"), std::string::npos) << prefer.status().message();
}

}  // namespace
}  // namespace netkube::dns
