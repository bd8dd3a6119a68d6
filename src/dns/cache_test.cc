#include "dns/cache.h"

#include <gtest/gtest.h>

#include <cctype>
#include <sstream>

#include "dns/chain_testing.h"

namespace netkube::dns {
namespace {

using testing::FakeBackend;
using testing::MakeQuery;
using testing::N;
using testing::ParseDirective;
using testing::QueryOptions;

Soa MakeSoa(uint32_t minimum) {
  Soa soa;
  soa.mname = N("ns.dns.example.org");
  soa.rname = N("hostmaster.example.org");
  soa.serial = 1;
  soa.refresh = 7200;
  soa.retry = 1800;
  soa.expire = 86400;
  soa.minimum = minimum;
  return soa;
}

// Backend answers: A 10.0.0.1 TTL 30 for names starting with "a"; NXDOMAIN
// with an SOA (TTL 60, minimum 30) for names starting with "nx"; NODATA
// (SOA TTL 60, minimum 2) for "nodata"; SERVFAIL for "fail"; a truncated
// reply for "tc".
Message DefaultAnswer(const Message& q) {
  Message m = Message::ReplyTo(q);
  m.header.aa = true;
  const Question& question = q.question[0];
  std::string first(question.name.label(0));
  for (char& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Name zone = N("example.org");
  if (first.rfind("nx", 0) == 0) {
    m.header.rcode = rcode::NXDomain;
    m.authority.push_back(ResourceRecord::MakeSoa(zone, 60, MakeSoa(30)));
  } else if (first == "nodata") {
    m.authority.push_back(ResourceRecord::MakeSoa(zone, 60, MakeSoa(2)));
  } else if (first == "fail") {
    m.header.rcode = rcode::ServFail;
  } else if (first == "tc") {
    m.header.tc = true;
    m.answer.push_back(ResourceRecord::MakeA(question.name, 30, {10, 0, 0, 9}));
  } else if (first == "alias") {  // a CNAME chain that ends in the A record
    m.answer.push_back(ResourceRecord::MakeName(question.name, type::CNAME, 30, N("target.example.net")));
    m.answer.push_back(ResourceRecord::MakeA(N("target.example.net"), 20, {10, 0, 0, 2}));
  } else if (first == "chain") {  // a CNAME that leads nowhere, no SOA
    m.answer.push_back(ResourceRecord::MakeName(question.name, type::CNAME, 30, N("elsewhere.example.net")));
  } else {
    m.answer.push_back(ResourceRecord::MakeA(question.name, 30, {10, 0, 0, 1}));
  }
  return m;
}

// Parameter: whether the backend answers in wire form (the FilterWire path)
// or as a Message (the Filter path).
class CacheTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Make("cache"); }

  void Make(std::string_view directive) {
    Status error;
    Directive d = ParseDirective(directive, &error);
    ASSERT_TRUE(error.ok()) << error.ToString();
    SetupContext ctx;
    ctx.zones = {Name()};
    auto config = ParseCacheConfig(d, ctx);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    cache_ = std::make_unique<Cache>(std::move(config).value(), "dns://:53", [this] { return now_; });
    backend_.answer = DefaultAnswer;
    backend_.wire = GetParam();
    backend_.calls = 0;
    chain_ = {cache_.get(), &backend_};
  }

  std::string RunRaw(std::string_view name, const QueryOptions& o = {}) {
    return testing::Run(chain_, MakeQuery(name, o), o.transport);
  }
  Message Ask(std::string_view name, const QueryOptions& o = {}) {
    std::string raw = RunRaw(name, o);
    auto m = Parse(raw);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(m).value() : Message();
  }
  void Advance(int seconds) { now_ += std::chrono::seconds(seconds); }

  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
  std::unique_ptr<Cache> cache_;
  FakeBackend backend_;
  std::vector<Plugin*> chain_;
};

TEST_P(CacheTest, SecondQueryIsAHit) {
  Message first = Ask("a.example.org");
  ASSERT_EQ(first.answer.size(), 1u);
  Message second = Ask("a.example.org", {.id = 777});
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_EQ(second.header.id, 777);
  EXPECT_TRUE(second.header.qr);
  EXPECT_TRUE(second.header.aa);
  EXPECT_TRUE(second.header.rd);
  EXPECT_EQ(second.header.rcode, rcode::NoError);
  ASSERT_EQ(second.answer.size(), 1u);
  EXPECT_EQ(second.answer[0].a(), (std::array<uint8_t, 4>{10, 0, 0, 1}));
  EXPECT_EQ(second.answer[0].ttl, 30u);
  EXPECT_EQ(cache_->hits(Cache::kSuccess), 1u);
  EXPECT_EQ(cache_->misses(), 1u);
  EXPECT_EQ(cache_->entries(Cache::kSuccess), 1u);
}

TEST_P(CacheTest, RdMirrorsTheQuery) {
  Ask("a.example.org");
  Message m = Ask("a.example.org", {.rd = false});
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_FALSE(m.header.rd);
}

TEST_P(CacheTest, TtlCountsDownThenExpires) {
  Ask("a.example.org");
  Advance(10);
  Message m = Ask("a.example.org");
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(m.answer[0].ttl, 20u);
  EXPECT_EQ(backend_.calls, 1);
  Advance(20);  // 30 s after the store: expired
  m = Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 2);
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(m.answer[0].ttl, 30u);
}

TEST_P(CacheTest, MaxTtlCapsTheReplyToo) {
  Make("cache 10");
  Message m = Ask("a.example.org");
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(m.answer[0].ttl, 10u);  // the miss's reply is capped as well
  Advance(10);
  Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 2);
}

TEST_P(CacheTest, KeepTtl) {
  Make("cache {\n keepttl\n}");
  Ask("a.example.org");
  Advance(12);
  Message m = Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 1);
  ASSERT_EQ(m.answer.size(), 1u);
  EXPECT_EQ(m.answer[0].ttl, 30u);
}

TEST_P(CacheTest, NxdomainTtlFromSoaMinimum) {
  Message m = Ask("nx.example.org");
  EXPECT_EQ(m.header.rcode, rcode::NXDomain);
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].ttl, 30u);  // min(SOA TTL 60, MINIMUM 30)
  Advance(29);
  m = Ask("nx.example.org");
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_EQ(m.header.rcode, rcode::NXDomain);
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].ttl, 1u);
  EXPECT_EQ(cache_->hits(Cache::kDenial), 1u);
  EXPECT_EQ(cache_->entries(Cache::kDenial), 1u);
  Advance(1);
  Ask("nx.example.org");
  EXPECT_EQ(backend_.calls, 2);
}

TEST_P(CacheTest, NodataIsDeniedWithTheMinimumTtlFloor) {
  Message m = Ask("nodata.example.org", {.qtype = type::AAAA});
  EXPECT_EQ(m.header.rcode, rcode::NoError);
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].ttl, 5u);  // MINIMUM 2, raised to the 5 s floor
  m = Ask("nodata.example.org", {.qtype = type::AAAA});
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_EQ(cache_->hits(Cache::kDenial), 1u);
  EXPECT_TRUE(m.answer.empty());
}

TEST_P(CacheTest, DenialTtlOption) {
  Make("cache {\n denial 1024 10 1\n}");
  Message m = Ask("nx.example.org");
  ASSERT_EQ(m.authority.size(), 1u);
  EXPECT_EQ(m.authority[0].ttl, 10u);
}

TEST_P(CacheTest, ServfailCachedBriefly) {
  Ask("fail.example.org");
  Advance(4);
  Message m = Ask("fail.example.org");
  EXPECT_EQ(m.header.rcode, rcode::ServFail);
  EXPECT_EQ(backend_.calls, 1);
  Advance(1);
  Ask("fail.example.org");
  EXPECT_EQ(backend_.calls, 2);

  Make("cache {\n servfail 0\n}");
  Ask("fail.example.org");
  Ask("fail.example.org");
  EXPECT_EQ(backend_.calls, 2);
}

TEST_P(CacheTest, TruncatedNotCached) {
  Ask("tc.example.org");
  Ask("tc.example.org");
  EXPECT_EQ(backend_.calls, 2);
  EXPECT_EQ(cache_->entries(Cache::kSuccess), 0u);
}

TEST_P(CacheTest, IncompleteCnameChainWithoutSoaNotCached) {
  Ask("chain.example.org");
  Ask("chain.example.org");
  EXPECT_EQ(backend_.calls, 2);
}

TEST_P(CacheTest, CnameChainThatAnswersIsCached) {
  Message m = Ask("alias.example.org");
  ASSERT_EQ(m.answer.size(), 2u);
  EXPECT_EQ(m.answer[0].ttl, 20u);  // the smallest TTL, on every record
  EXPECT_EQ(m.answer[1].ttl, 20u);
  Advance(5);
  m = Ask("alias.example.org");
  EXPECT_EQ(backend_.calls, 1);
  ASSERT_EQ(m.answer.size(), 2u);
  EXPECT_EQ(m.answer[0].rtype, type::CNAME);
  EXPECT_EQ(m.answer[1].a(), (std::array<uint8_t, 4>{10, 0, 0, 2}));
  EXPECT_EQ(m.answer[1].ttl, 15u);
}

TEST_P(CacheTest, DoAndCdBitsArePartOfTheKey) {
  Ask("a.example.org");
  Ask("a.example.org", {.do_bit = true});
  Ask("a.example.org", {.cd = true});
  Ask("a.example.org", {.do_bit = true, .cd = true});
  EXPECT_EQ(backend_.calls, 4);
  Message m = Ask("a.example.org", {.cd = true});
  EXPECT_EQ(backend_.calls, 4);
  EXPECT_TRUE(m.header.cd);
  m = Ask("a.example.org", {.do_bit = true});
  EXPECT_EQ(backend_.calls, 4);
  ASSERT_TRUE(m.edns.has_value());
  EXPECT_TRUE(m.edns->do_bit);
}

TEST_P(CacheTest, QtypeIsPartOfTheKey) {
  Ask("a.example.org");
  Ask("a.example.org", {.qtype = type::AAAA});
  EXPECT_EQ(backend_.calls, 2);
}

TEST_P(CacheTest, CasePreservedOnHits) {
  Ask("A.Example.ORG");
  std::string raw = RunRaw("a.eXample.org", {.id = 9});
  EXPECT_EQ(backend_.calls, 1);
  Message q = MakeQuery("a.eXample.org");
  const std::string& qname = q.question[0].name.wire();
  ASSERT_GT(raw.size(), 12 + qname.size());
  EXPECT_EQ(raw.substr(12, qname.size()), qname);  // byte for byte, case included
  auto m = Parse(raw);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->question[0].name.wire(), qname);
  ASSERT_EQ(m->answer.size(), 1u);
  EXPECT_EQ(m->answer[0].name.ToString(), "a.eXample.org.");  // compressed to the question
}

TEST_P(CacheTest, OptFollowsEachQuery) {
  Ask("a.example.org");  // stored from a query with EDNS
  Message m = Ask("a.example.org", {.edns = false});
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_FALSE(m.edns.has_value());
  Make("cache");
  Ask("a.example.org", {.edns = false});
  m = Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 1);
  ASSERT_TRUE(m.edns.has_value());
  EXPECT_FALSE(m.edns->do_bit);
}

TEST_P(CacheTest, HitLargerThanTheClientBufferIsTruncated) {
  backend_.answer = [](const Message& q) {
    Message m = Message::ReplyTo(q);
    for (int i = 0; i < 60; ++i)
      m.answer.push_back(ResourceRecord::MakeA(q.question[0].name, 30, {10, 0, 0, static_cast<uint8_t>(i)}));
    return m;
  };
  Ask("many.example.org", {.transport = Transport::kTcp});
  Message m = Ask("many.example.org", {.edns = false});  // 512 bytes
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_TRUE(m.header.tc);
  EXPECT_LT(m.answer.size(), 60u);
  m = Ask("many.example.org", {.transport = Transport::kTcp});
  EXPECT_FALSE(m.header.tc);
  EXPECT_EQ(m.answer.size(), 60u);
}

TEST_P(CacheTest, DataGenerationInvalidates) {
  backend_.watched = true;
  Ask("a.example.org");
  Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 1);
  BumpDataGeneration();  // a Service changed
  Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 2);
  Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 2);

  backend_.watched = false;  // answers not from watched data: TTL only
  Ask("b.example.org");
  BumpDataGeneration();
  Ask("b.example.org");
  EXPECT_EQ(backend_.calls, 3);
}

TEST_P(CacheTest, DisableSuccess) {
  Make("cache {\n disable success\n}");
  Ask("a.example.org");
  Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 2);
  Ask("nx.example.org");
  Ask("nx.example.org");
  EXPECT_EQ(backend_.calls, 3);
}

TEST_P(CacheTest, DisableDenialInAZone) {
  Make("cache {\n disable denial sub.example.org\n}");
  Ask("nx.sub.example.org");
  Ask("nx.sub.example.org");
  EXPECT_EQ(backend_.calls, 2);
  Ask("nx.example.org");
  Ask("nx.example.org");
  EXPECT_EQ(backend_.calls, 3);
}

TEST_P(CacheTest, OnlyItsZones) {
  Make("cache example.org");
  Ask("a.example.net");
  Ask("a.example.net");
  EXPECT_EQ(backend_.calls, 2);
  Ask("a.sub.example.org");
  Ask("a.sub.example.org");
  EXPECT_EQ(backend_.calls, 3);
  Ask("a.notexample.org");
  Ask("a.notexample.org");
  EXPECT_EQ(backend_.calls, 5);
}

TEST_P(CacheTest, CapacityEvicts) {
  Make("cache {\n success 1024\n}");  // 4 entries a shard
  for (int i = 0; i < 3000; ++i) Ask("a" + std::to_string(i) + ".example.org");
  EXPECT_LE(cache_->entries(Cache::kSuccess), 1024u);
  EXPECT_GT(cache_->entries(Cache::kSuccess), 512u);
  EXPECT_GE(cache_->evictions(Cache::kSuccess), 3000u - 1024u);
  EXPECT_EQ(cache_->entries(Cache::kDenial), 0u);
}

TEST_P(CacheTest, QuestionMismatchIsDropped) {
  backend_.answer = [](const Message& q) {
    Message m = DefaultAnswer(q);
    m.question[0].name = N("other.example.org");
    m.answer[0].name = N("other.example.org");
    return m;
  };
  Ask("a.example.org");
  Ask("a.example.org");
  EXPECT_EQ(backend_.calls, 2);
  EXPECT_EQ(cache_->drops(), 2u);
}

TEST_P(CacheTest, Metrics) {
  Ask("a.example.org");
  Ask("a.example.org");
  Ask("nx.example.org");
  std::ostringstream out;
  cache_->RenderMetrics(out);
  std::string text = out.str();
  EXPECT_NE(text.find("coredns_cache_entries{server=\"dns://:53\",type=\"success\",zones=\".\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("coredns_cache_entries{server=\"dns://:53\",type=\"denial\",zones=\".\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("coredns_cache_hits_total{server=\"dns://:53\",type=\"success\",zones=\".\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("coredns_cache_misses_total{server=\"dns://:53\",zones=\".\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("coredns_cache_requests_total{server=\"dns://:53\",zones=\".\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE coredns_cache_evictions_total counter\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Paths, CacheTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Wire" : "Message"; });

// ---------------------------------------------------------------------------
// Configuration

StatusOr<CacheConfig> ParseCache(std::string_view text) {
  Status error;
  Directive d = ParseDirective(text, &error);
  if (!error.ok()) return error;
  SetupContext ctx;
  ctx.zones = {N("cluster.local")};
  return ParseCacheConfig(d, ctx);
}

TEST(CacheConfigTest, Defaults) {
  auto c = ParseCache("cache");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->zones.size(), 1u);
  EXPECT_EQ(c->zones[0].ToString(), "cluster.local.");
  EXPECT_EQ(c->success_capacity, 9984u);
  EXPECT_EQ(c->denial_capacity, 9984u);
  EXPECT_EQ(c->success_max_ttl, 3600u);
  EXPECT_EQ(c->denial_max_ttl, 1800u);
  EXPECT_EQ(c->success_min_ttl, 5u);
  EXPECT_EQ(c->denial_min_ttl, 5u);
  EXPECT_EQ(c->servfail_ttl, 5u);
  EXPECT_FALSE(c->keepttl);
}

TEST(CacheConfigTest, Everything) {
  auto c = ParseCache(R"(cache 30 example.org example.net {
    success 5000 60 10
    denial 2500 20
    prefetch 10 2m 20%
    serve_stale 30m verify
    servfail 10s
    disable denial sub.example.org
    keepttl
  })");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->zones.size(), 2u);
  EXPECT_EQ(c->zones[1].ToString(), "example.net.");
  EXPECT_EQ(c->success_capacity, 5000u);
  EXPECT_EQ(c->success_max_ttl, 60u);
  EXPECT_EQ(c->success_min_ttl, 10u);
  EXPECT_EQ(c->denial_capacity, 2500u);
  EXPECT_EQ(c->denial_max_ttl, 20u);
  EXPECT_EQ(c->prefetch_amount, 10);
  EXPECT_EQ(c->prefetch_duration, std::chrono::minutes(2));
  EXPECT_EQ(c->prefetch_percentage, 20);
  EXPECT_TRUE(c->serve_stale);
  EXPECT_TRUE(c->serve_stale_verify);
  EXPECT_EQ(c->serve_stale_duration, std::chrono::minutes(30));
  EXPECT_EQ(c->servfail_ttl, 10u);
  ASSERT_EQ(c->denial_disabled.size(), 1u);
  EXPECT_EQ(c->denial_disabled[0].ToString(), "sub.example.org.");
  EXPECT_TRUE(c->success_disabled.empty());
  EXPECT_TRUE(c->keepttl);
}

TEST(CacheConfigTest, TtlAppliesToBoth) {
  auto c = ParseCache("cache 300");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->success_max_ttl, 300u);
  EXPECT_EQ(c->denial_max_ttl, 300u);
  EXPECT_EQ(c->zones[0].ToString(), "cluster.local.");
}

TEST(CacheConfigTest, Errors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"cache 0", "cache TTL can not be zero or negative"},
      {"cache {\n success\n}", "Wrong argument count"},
      {"cache {\n success x\n}", "invalid capacity"},
      {"cache {\n denial 10 0\n}", "cache TTL can not be zero or negative"},
      {"cache {\n servfail 6m\n}", "over 5 minutes"},
      {"cache {\n prefetch 1 1m 5%\n}", "[10, 90]"},
      {"cache {\n prefetch 1 1m 50\n}", "percentage should be `%`"},
      {"cache {\n serve_stale 1h sometimes\n}", "refresh mode"},
      {"cache {\n serve_stale_policy prefer_positive\n}", "requires serve_stale"},
      {"cache {\n disable everything\n}", "must be \"success\" or \"denial\""},
      {"cache {\n keepttl now\n}", "Wrong argument count"},
      {"cache {\n bogus\n}", "unknown property 'bogus'"},
  };
  for (const Case& c : cases) {
    auto r = ParseCache(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << c.text << ": " << r.status().message();
    EXPECT_NE(r.status().message().find("Corefile:"), std::string::npos) << r.status().message();
  }
}

TEST(CacheConfigTest, SetupBuildsThePlugin) {
  Status error;
  Directive d = ParseDirective("cache 30", &error);
  SetupContext ctx;
  ctx.zones = {Name()};
  ctx.server = "dns://:53";
  auto p = SetupCache(d, ctx);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->name(), "cache");
}

}  // namespace
}  // namespace netkube::dns
