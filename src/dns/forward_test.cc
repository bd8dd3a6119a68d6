#include "dns/forward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "dns/test_upstream.h"

namespace netkube::dns {
namespace {

using forward_testing::AnswerA;
using forward_testing::Eventually;
using forward_testing::MakeQuery;
using forward_testing::MakeRequest;
using forward_testing::NextRecorder;
using forward_testing::RecordingWriter;
using forward_testing::TestUpstream;

std::vector<Token> Words(const std::string& line, int lineno) {
  std::vector<Token> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(Token{w, "Corefile", lineno});
  return out;
}

// "forward . ADDR" plus block lines, as the Corefile parser would hand it over.
Directive D(const std::string& line, const std::vector<std::string>& block = {}) {
  Directive d;
  std::vector<Token> words = Words(line, 3);
  d.name = words[0];
  d.args.assign(words.begin() + 1, words.end());
  int n = 4;
  for (const std::string& b : block) {
    std::vector<Token> bw = Words(b, n++);
    Directive sub;
    sub.name = bw[0];
    sub.args.assign(bw.begin() + 1, bw.end());
    d.block.push_back(sub);
  }
  d.has_block = !block.empty();
  return d;
}

StatusOr<ForwardConfig> Parse(const std::string& line, const std::vector<std::string>& block = {}) {
  return ParseForwardConfig(D(line, block), SetupContext{});
}

std::unique_ptr<Forward> Make(const std::string& line, const std::vector<std::string>& block = {}) {
  auto c = Parse(line, block);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::make_unique<Forward>(std::move(c).value());
}

Message Reply(const std::string& wire) {
  auto m = dns::Parse(wire);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : Message{};
}

std::string Metrics(const Forward& f) {
  std::ostringstream out;
  f.RenderMetrics(out);
  return out.str();
}

TEST(ForwardConfigTest, Defaults) {
  auto c = Parse("forward . 127.0.0.1 10.0.0.2:5353 [::1]:53 dns://10.0.0.3");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->from.IsRoot());
  ASSERT_EQ(c->to.size(), 4u);
  EXPECT_EQ(c->to[0].name, "127.0.0.1:53");
  EXPECT_EQ(c->to[1].name, "10.0.0.2:5353");
  EXPECT_EQ(c->to[2].name, "[::1]:53");
  EXPECT_EQ(c->to[3].name, "10.0.0.3:53");
  EXPECT_EQ(c->expire, std::chrono::seconds(10));
  EXPECT_EQ(c->max_fails, 2u);
  EXPECT_EQ(c->health_check, std::chrono::milliseconds(500));
  EXPECT_TRUE(c->health_check_rd);
  EXPECT_EQ(c->policy, ForwardPolicy::kRandom);
  EXPECT_EQ(c->max_concurrent, 0);
  EXPECT_FALSE(c->force_tcp);
  EXPECT_FALSE(c->prefer_udp);
}

TEST(ForwardConfigTest, Options) {
  auto c = Parse("forward example.org 127.0.0.1",
                 {"except a.example.org b.example.org", "force_tcp", "prefer_udp", "expire 1m30s", "max_fails 5",
                  "health_check 250ms no_rec domain example.net", "max_concurrent 1000", "policy round_robin",
                  "read_timeout 1s", "max_connect_attempts 3"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->from.ToString(), "example.org.");
  ASSERT_EQ(c->except.size(), 2u);
  EXPECT_EQ(c->except[1].ToString(), "b.example.org.");
  EXPECT_TRUE(c->force_tcp);
  EXPECT_TRUE(c->prefer_udp);
  EXPECT_EQ(c->expire, std::chrono::seconds(90));
  EXPECT_EQ(c->max_fails, 5u);
  EXPECT_EQ(c->health_check, std::chrono::milliseconds(250));
  EXPECT_FALSE(c->health_check_rd);
  EXPECT_EQ(c->health_check_domain.ToString(), "example.net.");
  EXPECT_EQ(c->max_concurrent, 1000);
  EXPECT_EQ(c->policy, ForwardPolicy::kRoundRobin);
  EXPECT_EQ(c->read_timeout, std::chrono::seconds(1));
  EXPECT_EQ(c->max_connect_attempts, 3);
}

TEST(ForwardConfigTest, Errors) {
  auto expect_error = [](const std::string& line, const std::vector<std::string>& block, const std::string& text) {
    auto c = Parse(line, block);
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_NE(c.status().message().find(text), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find("Corefile:"), std::string::npos) << c.status().message();
  };
  expect_error("forward .", {}, "Wrong argument count");
  expect_error("forward . tls://9.9.9.9", {}, "'tls' is not supported");
  expect_error("forward . 127.0.0.1", {"tls"}, "not supported");
  expect_error("forward . 127.0.0.1", {"tls_servername dns.quad9.net"}, "not supported");
  expect_error("forward . dns.example.org", {}, "not an IP address or file");
  expect_error("forward . 127.0.0.1:99999", {}, "not an IP address or file");
  expect_error("forward . 127.0.0.1", {"policy fastest"}, "unknown policy 'fastest'");
  expect_error("forward . 127.0.0.1", {"bogus 1"}, "unknown property 'bogus'");
  expect_error("forward . 127.0.0.1", {"expire -1s"}, "expire can't be negative");
  expect_error("forward . 127.0.0.1", {"expire 10"}, "time: missing unit in duration \"10\"");
  expect_error("forward . 127.0.0.1", {"max_fails x"}, "invalid integer");
  expect_error("forward . 127.0.0.1", {"health_check 1s bogus"}, "unknown option");
  expect_error("forward . 127.0.0.1", {"force_tcp yes"}, "Wrong argument count");
  std::string many = "forward .";
  for (int i = 1; i <= 16; ++i) many += " 10.0.0." + std::to_string(i);
  expect_error(many, {}, "more than 15 TOs configured: 16");
}

TEST(ForwardConfigTest, ResolvConfFileWithPortOverride) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/forward_test_resolv.conf";
  {
    std::ofstream f(path);
    f << "# generated\nsearch svc.cluster.local\nnameserver 127.0.0.1\nnameserver ::1 ; v6\noptions ndots:5\n";
  }
  auto c = ParseForwardConfig(D("forward . " + path), SetupContext{}, 5300);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->to.size(), 2u);
  EXPECT_EQ(c->to[0].name, "127.0.0.1:5300");
  EXPECT_EQ(c->to[1].name, "[::1]:5300");
  auto plain = ParseForwardConfig(D("forward . " + path), SetupContext{});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->to[0].name, "127.0.0.1:53");
}

TEST(ForwardTest, UdpQueryForwardedAsIsWithClientId) {
  TestUpstream up([](const Message& q, Transport) { return AnswerA(q); });
  auto f = Make("forward . " + up.address());
  auto w = std::make_shared<RecordingWriter>();
  Message q = MakeQuery("www.example.org.", type::A, 0xbeef);
  q.edns = Edns{};
  q.edns->udp_size = 1232;
  q.edns->do_bit = true;
  f->Serve(MakeRequest(q, w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  Message r = Reply(replies[0]);
  EXPECT_EQ(r.header.id, 0xbeef);
  EXPECT_TRUE(r.header.qr);
  ASSERT_EQ(r.answer.size(), 1u);
  EXPECT_EQ(r.answer[0].ToString(), "www.example.org.\t30\tIN\tA\t10.0.0.1");
  auto seen = up.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].qname, "www.example.org.");
  EXPECT_EQ(seen[0].transport, Transport::kUdp);
  EXPECT_TRUE(seen[0].rd);
  EXPECT_TRUE(seen[0].has_edns);
  EXPECT_TRUE(seen[0].do_bit);
  std::string m = Metrics(*f);
  EXPECT_NE(m.find("coredns_forward_requests_total{to=\"" + up.address() + "\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("coredns_forward_responses_total{rcode=\"NOERROR\",to=\"" + up.address() + "\"} 1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("coredns_forward_request_duration_seconds_count{rcode=\"NOERROR\",to=\"" + up.address() + "\"} 1"),
            std::string::npos)
      << m;
}

TEST(ForwardTest, UpstreamRcodePassesThrough) {
  TestUpstream up([](const Message& q, Transport) {
    Message r = Message::ReplyTo(q);
    r.header.rcode = rcode::NXDomain;
    return Serialize(r);
  });
  auto f = Make("forward . " + up.address());
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("nope.example."), w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Reply(replies[0]).header.rcode, rcode::NXDomain);
  EXPECT_NE(Metrics(*f).find("rcode=\"NXDOMAIN\""), std::string::npos);
}

// Truncated over UDP, whole over TCP.
std::string TruncatedOverUdp(const Message& q, Transport t) {
  if (t == Transport::kTcp) return AnswerA(q);
  Message r = Message::ReplyTo(q);
  r.header.tc = true;
  return Serialize(r);
}

TEST(ForwardTest, PreferUdpRetriesTruncatedOverTcp) {
  TestUpstream up(TruncatedOverUdp);
  auto f = Make("forward . " + up.address(), {"prefer_udp"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("big.example."), w, Transport::kTcp));  // UDP first even for a TCP client
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  Message r = Reply(replies[0]);
  EXPECT_FALSE(r.header.tc);
  EXPECT_EQ(r.answer.size(), 1u);
  EXPECT_EQ(up.Count(type::A, Transport::kUdp), 1u);
  EXPECT_EQ(up.Count(type::A, Transport::kTcp), 1u);
}

TEST(ForwardTest, DefaultUsesTheClientsTransport) {
  TestUpstream up(TruncatedOverUdp);
  auto f = Make("forward . " + up.address());
  auto w = std::make_shared<RecordingWriter>();
  // A UDP client gets the truncated reply and retries over TCP itself...
  f->Serve(MakeRequest(MakeQuery("big.example."), w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(Reply(replies[0]).header.tc);
  EXPECT_EQ(up.Count(0, Transport::kTcp), 0u);
  // ...which is forwarded over TCP.
  f->Serve(MakeRequest(MakeQuery("big.example."), w, Transport::kTcp));
  replies = w->Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(Reply(replies[1]).answer.size(), 1u);
  EXPECT_EQ(up.Count(0, Transport::kTcp), 1u);
}

TEST(ForwardTest, ForceTcpReusesTheConnection) {
  TestUpstream up([](const Message& q, Transport) { return AnswerA(q); });
  auto f = Make("forward . " + up.address(), {"force_tcp"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("a.example."), w));
  ASSERT_EQ(w->Wait(1).size(), 1u);
  f->Serve(MakeRequest(MakeQuery("b.example."), w));
  auto replies = w->Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(Reply(replies[1]).answer.size(), 1u);
  EXPECT_EQ(up.Count(type::A, Transport::kUdp), 0u);
  EXPECT_EQ(up.Count(type::A, Transport::kTcp), 2u);
  EXPECT_EQ(up.accepts(), 1);
}

TEST(ForwardTest, TcpConnectionClosedByUpstreamIsReplaced) {
  TestUpstream up([](const Message& q, Transport) { return AnswerA(q); });
  up.CloseTcpAfterReply(true);
  auto f = Make("forward . " + up.address(), {"force_tcp"});
  auto w = std::make_shared<RecordingWriter>();
  for (int i = 0; i < 3; ++i) {
    f->Serve(MakeRequest(MakeQuery("a.example."), w));
    auto replies = w->Wait(i + 1);
    ASSERT_EQ(replies.size(), static_cast<size_t>(i + 1));
    EXPECT_EQ(Reply(replies[i]).answer.size(), 1u);
  }
  EXPECT_EQ(up.accepts(), 3);
}

TEST(ForwardTest, UpstreamGoneGivesServfail) {
  auto up = std::make_unique<TestUpstream>([](const Message& q, Transport) { return AnswerA(q); });
  auto f = Make("forward . " + up->address(), {"force_tcp"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("a.example."), w));
  ASSERT_EQ(w->Wait(1).size(), 1u);
  up->Stop();  // the cached connection dies, and nothing listens any more
  f->Serve(MakeRequest(MakeQuery("b.example."), w));
  auto replies = w->Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(Reply(replies[1]).header.rcode, rcode::ServFail);
}

TEST(ForwardTest, SilentUpstreamTimesOutAndTheNextAnswers) {
  TestUpstream silent([](const Message&, Transport) { return std::string(); });
  TestUpstream good([](const Message& q, Transport) { return AnswerA(q); });
  auto f = Make("forward . " + silent.address() + " " + good.address(),
                {"policy sequential", "read_timeout 200ms", "max_fails 0"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("x.example."), w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Reply(replies[0]).answer.size(), 1u);
  EXPECT_EQ(silent.Count(type::A), 1u);
  EXPECT_EQ(good.Count(type::A), 1u);
}

TEST(ForwardTest, AllSilentGivesServfail) {
  TestUpstream a([](const Message&, Transport) { return std::string(); });
  TestUpstream b([](const Message&, Transport) { return std::string(); });
  auto f = Make("forward . " + a.address() + " " + b.address(),
                {"policy sequential", "read_timeout 100ms", "max_fails 0"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("x.example."), w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Reply(replies[0]).header.rcode, rcode::ServFail);
  // Two passes over the list (max_connect_attempts = 2 x upstreams).
  EXPECT_EQ(a.Count(type::A), 2u);
  EXPECT_EQ(b.Count(type::A), 2u);
  EXPECT_EQ(f->InFlight(), 0u);
}

TEST(ForwardTest, RefusingUpstreamFailsOverToTheNext) {
  auto gone = std::make_unique<TestUpstream>([](const Message&, Transport) { return std::string(); });
  std::string gone_address = gone->address();
  gone->Stop();  // nothing listens there now: ICMP port unreachable / RST
  TestUpstream good([](const Message& q, Transport) { return AnswerA(q); });
  for (const char* proto : {"prefer_udp", "force_tcp"}) {
    auto f = Make("forward . " + gone_address + " " + good.address(), {"policy sequential", proto});
    auto w = std::make_shared<RecordingWriter>();
    f->Serve(MakeRequest(MakeQuery("x.example."), w));
    auto replies = w->Wait(1);
    ASSERT_EQ(replies.size(), 1u) << proto;
    EXPECT_EQ(Reply(replies[0]).answer.size(), 1u) << proto;
  }
}

TEST(ForwardTest, HealthCheckMarksDownAndUp) {
  std::atomic<bool> healthy{false};
  TestUpstream flaky([&](const Message& q, Transport) { return healthy ? AnswerA(q) : std::string(); });
  TestUpstream good([](const Message& q, Transport) { return AnswerA(q, {10, 0, 0, 2}); });
  auto f = Make("forward . " + flaky.address() + " " + good.address(),
                {"policy sequential", "read_timeout 100ms", "max_fails 1", "health_check 20ms"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("x.example."), w));
  ASSERT_EQ(w->Wait(1).size(), 1u);
  // The failed attempt started health checks (". IN NS"); two failures > max_fails 1.
  ASSERT_TRUE(Eventually([&] { return f->IsDown(0); }));
  EXPECT_FALSE(f->IsDown(1));
  EXPECT_GE(flaky.Count(type::NS), 2u);
  auto seen = flaky.seen();
  EXPECT_EQ(std::find_if(seen.begin(), seen.end(), [](auto& s) { return s.qtype == type::NS; })->qname, ".");
  EXPECT_NE(Metrics(*f).find("coredns_forward_healthcheck_failures_total{to=\"" + flaky.address() + "\"} "),
            std::string::npos);
  // Down: skipped without an attempt.
  size_t before = flaky.Count(type::A);
  f->Serve(MakeRequest(MakeQuery("y.example."), w));
  auto replies = w->Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(Reply(replies[1]).answer[0].ToString(), "y.example.\t30\tIN\tA\t10.0.0.2");
  EXPECT_EQ(flaky.Count(type::A), before);
  // It answers again: the next check brings it back.
  healthy = true;
  ASSERT_TRUE(Eventually([&] { return !f->IsDown(0); }));
  EXPECT_EQ(f->Fails(0), 0u);
  f->Serve(MakeRequest(MakeQuery("z.example."), w));
  replies = w->Wait(3);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(Reply(replies[2]).answer[0].ToString(), "z.example.\t30\tIN\tA\t10.0.0.1");
}

TEST(ForwardTest, AllDownPicksARandomUpstreamAndCountsBroken) {
  std::atomic<bool> answer_a{false};
  TestUpstream up([&](const Message& q, Transport) {
    return q.question[0].qtype == type::A && answer_a ? AnswerA(q) : std::string();
  });
  auto f = Make("forward . " + up.address(), {"read_timeout 100ms", "max_fails 1", "health_check 20ms"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("x.example."), w));
  ASSERT_EQ(w->Wait(1).size(), 1u);
  ASSERT_TRUE(Eventually([&] { return f->IsDown(0); }));
  answer_a = true;  // health checks (NS) still fail, but A queries get answers
  f->Serve(MakeRequest(MakeQuery("y.example."), w));
  auto replies = w->Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(Reply(replies[1]).answer.size(), 1u);
  EXPECT_NE(Metrics(*f).find("coredns_forward_healthcheck_broken_total 1\n"), std::string::npos) << Metrics(*f);
}

TEST(ForwardTest, MaxConcurrentRefusesTheExcess) {
  TestUpstream silent([](const Message&, Transport) { return std::string(); });
  auto f = Make("forward . " + silent.address(), {"max_concurrent 1", "read_timeout 300ms", "max_fails 0"});
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("a.example."), w));
  f->Serve(MakeRequest(MakeQuery("b.example."), w));
  auto replies = w->Wait(1);
  ASSERT_GE(replies.size(), 1u);
  Message first = Reply(replies[0]);
  EXPECT_EQ(first.header.rcode, rcode::Refused);
  EXPECT_EQ(first.question[0].name.ToString(), "b.example.");
  EXPECT_NE(Metrics(*f).find("coredns_forward_max_concurrent_rejects_total 1\n"), std::string::npos);
  replies = w->Wait(2);  // the first times out
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(Reply(replies[1]).header.rcode, rcode::ServFail);
  // The slot is free again.
  f->Serve(MakeRequest(MakeQuery("c.example."), w));
  ASSERT_TRUE(Eventually([&] { return silent.Count(0) == 3u; }));
}

TEST(ForwardTest, ExceptAndNamesOutsideFromGoToNext) {
  TestUpstream up([](const Message& q, Transport) { return AnswerA(q); });
  auto f = Make("forward example.org " + up.address(), {"except internal.example.org"});
  NextRecorder next;
  std::vector<Plugin*> chain = {&next};
  auto w = std::make_shared<RecordingWriter>();
  auto serve = [&](const std::string& name) {
    RequestPtr req = MakeRequest(MakeQuery(name), w);
    req->chain = &chain;
    f->Serve(std::move(req));
  };
  serve("a.internal.example.org.");
  serve("other.net.");
  EXPECT_EQ(next.served.load(), 2);
  serve("www.example.org.");
  serve("example.org.");
  auto replies = w->Wait(4);
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(next.served.load(), 2);
  EXPECT_EQ(up.Count(type::A), 2u);
}

TEST(ForwardTest, PolicySequentialAndRoundRobin) {
  TestUpstream a([](const Message& q, Transport) { return AnswerA(q); });
  TestUpstream b([](const Message& q, Transport) { return AnswerA(q); });
  {
    auto f = Make("forward . " + a.address() + " " + b.address(), {"policy sequential"});
    auto w = std::make_shared<RecordingWriter>();
    for (int i = 0; i < 4; ++i) f->Serve(MakeRequest(MakeQuery("s.example."), w));
    ASSERT_EQ(w->Wait(4).size(), 4u);
    EXPECT_EQ(a.Count(type::A), 4u);
    EXPECT_EQ(b.Count(type::A), 0u);
  }
  {
    auto f = Make("forward . " + a.address() + " " + b.address(), {"policy round_robin"});
    auto w = std::make_shared<RecordingWriter>();
    for (int i = 0; i < 4; ++i) f->Serve(MakeRequest(MakeQuery("r.example."), w));
    ASSERT_EQ(w->Wait(4).size(), 4u);
    EXPECT_EQ(a.Count(type::A), 6u);
    EXPECT_EQ(b.Count(type::A), 2u);
  }
}

TEST(ForwardTest, ConcurrentRequestsMapIdsBack) {
  TestUpstream up([](const Message& q, Transport) { return AnswerA(q); });
  constexpr int kN = 24;
  up.HoldUdp(kN);  // answered all at once, in reverse order
  auto f = Make("forward . " + up.address());
  auto w = std::make_shared<RecordingWriter>();
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      f->Serve(MakeRequest(MakeQuery("q" + std::to_string(i) + ".example.", type::A, static_cast<uint16_t>(1000 + i)), w));
    });
  }
  for (auto& t : threads) t.join();
  auto replies = w->Wait(kN);
  ASSERT_EQ(replies.size(), static_cast<size_t>(kN));
  std::set<int> got;
  for (const std::string& wire : replies) {
    Message r = Reply(wire);
    ASSERT_EQ(r.question.size(), 1u);
    std::string label(r.question[0].name.label(0));
    int i = std::stoi(label.substr(1));
    EXPECT_EQ(r.header.id, 1000 + i) << label;
    ASSERT_EQ(r.answer.size(), 1u);
    EXPECT_EQ(r.answer[0].name, r.question[0].name);
    got.insert(i);
  }
  EXPECT_EQ(got.size(), static_cast<size_t>(kN));
}

TEST(ForwardTest, WrongQuestionInReplyIsFormerr) {
  TestUpstream up([](const Message& q, Transport) {
    Message other = MakeQuery("other.example.", type::A, q.header.id);
    return AnswerA(other);
  });
  auto f = Make("forward . " + up.address());
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("asked.example."), w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Reply(replies[0]).header.rcode, rcode::FormErr);
}

TEST(ForwardTest, QuestionCaseDiffersStillMatches) {
  TestUpstream up([](const Message& q, Transport) {
    Message upper = MakeQuery("WWW.Example.ORG.", q.question[0].qtype, q.header.id);
    return AnswerA(upper);
  });
  auto f = Make("forward . " + up.address());
  auto w = std::make_shared<RecordingWriter>();
  f->Serve(MakeRequest(MakeQuery("www.example.org."), w));
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Reply(replies[0]).header.rcode, rcode::NoError);
}

TEST(ForwardTest, DestroyedWithRequestsInFlightAnswersServfail) {
  TestUpstream silent([](const Message&, Transport) { return std::string(); });
  auto w = std::make_shared<RecordingWriter>();
  {
    auto f = Make("forward . " + silent.address());
    f->Serve(MakeRequest(MakeQuery("a.example."), w));
    ASSERT_TRUE(Eventually([&] { return silent.Count(type::A) == 1u; }));
  }
  auto replies = w->Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Reply(replies[0]).header.rcode, rcode::ServFail);
}

// The server keeps a configuration alive through its requests' keepalive: the
// last reply may destroy the plugin on the plugin's own thread.
TEST(ForwardTest, TheLastRequestMayOwnThePlugin) {
  TestUpstream up([](const Message& q, Transport) { return q.question[0].name.label(0) == "slow" ? std::string() : AnswerA(q); });
  auto w = std::make_shared<RecordingWriter>();
  for (const char* name : {"fast.example.", "slow.example."}) {
    std::shared_ptr<Forward> f = Make("forward . " + up.address(), {"read_timeout 50ms", "max_fails 0"});
    Forward* raw = f.get();
    RequestPtr req = MakeRequest(MakeQuery(name), w);
    req->keepalive = std::move(f);
    raw->Serve(std::move(req));
  }
  auto replies = w->Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  std::set<int> rcodes = {Reply(replies[0]).header.rcode, Reply(replies[1]).header.rcode};
  EXPECT_EQ(rcodes, (std::set<int>{rcode::NoError, rcode::ServFail}));
}

TEST(ForwardTest, SetupForwardBuildsThePlugin) {
  auto p = SetupForward(D("forward . 127.0.0.1:5399"), SetupContext{});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->name(), "forward");
  EXPECT_FALSE(SetupForward(D("forward ."), SetupContext{}).ok());
}

}  // namespace
}  // namespace netkube::dns
