#include "dns/log.h"

#include <gtest/gtest.h>

#include <regex>

#include "dns/chain_testing.h"

namespace netkube::dns {
namespace {

using testing::FakeBackend;
using testing::MakeQuery;
using testing::N;
using testing::ParseDirective;
using testing::QueryOptions;

Message Answer(const Message& q) {
  Message m = Message::ReplyTo(q);
  m.header.aa = true;
  std::string first(q.question[0].name.label(0));
  if (first == "nx") {
    m.header.rcode = rcode::NXDomain;
    Soa soa;
    soa.mname = N("ns.example.org");
    soa.rname = N("hostmaster.example.org");
    m.authority.push_back(ResourceRecord::MakeSoa(N("example.org"), 5, soa));
  } else if (first == "fail") {
    m.header.rcode = rcode::ServFail;
  } else {
    m.answer.push_back(ResourceRecord::MakeA(q.question[0].name, 5, {10, 0, 0, 1}));
  }
  return m;
}

class LogTest : public ::testing::TestWithParam<bool> {
 protected:
  void Make(std::string_view directive) {
    Status error;
    auto rules = ParseLogRules(ParseDirective(directive, &error));
    ASSERT_TRUE(error.ok()) << error.ToString();
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    log_ = std::make_unique<LogPlugin>(std::move(rules).value(),
                                       [this](std::string_view line) { lines_.emplace_back(line); });
    backend_.answer = Answer;
    backend_.wire = GetParam();
    chain_ = {log_.get(), &backend_};
  }
  // Runs a query; returns the reply's raw size.
  size_t Ask(std::string_view name, const QueryOptions& o = {}) {
    return testing::Run(chain_, MakeQuery(name, o), o.transport).size();
  }

  std::unique_ptr<LogPlugin> log_;
  FakeBackend backend_;
  std::vector<Plugin*> chain_;
  std::vector<std::string> lines_;
};

TEST_P(LogTest, CommonLogFormat) {
  Make("log");
  size_t rsize = Ask("Www.Example.org", {.id = 4660});
  ASSERT_EQ(lines_.size(), 1u);
  size_t qsize = Serialize(MakeQuery("Www.Example.org")).size();
  std::string prefix = "[INFO] 10.244.1.5:40000 - 4660 \"A IN www.example.org. udp " + std::to_string(qsize) +
                       " false 4096\" NOERROR qr,aa,rd " + std::to_string(rsize) + " ";
  EXPECT_EQ(lines_[0].substr(0, prefix.size()), prefix) << lines_[0];
  EXPECT_TRUE(std::regex_match(lines_[0].substr(prefix.size()), std::regex("[0-9]+\\.[0-9]+s\n"))) << lines_[0];
}

TEST_P(LogTest, CustomFormatAndPlaceholders) {
  Make("log . \"{proto} Request: {name} {type} {>id} {>do} {>bufsize} {>opcode} {local} {/log/class} {/log/type} "
       "{/other} {unknown}\"");
  Ask("nx.example.org", {.id = 7, .qtype = type::AAAA, .do_bit = true, .transport = Transport::kTcp});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0],
            "[INFO] tcp Request: nx.example.org. AAAA 7 true 65535 0 10.96.0.10 denial NXDOMAIN - {unknown}\n");
}

TEST_P(LogTest, Combined) {
  Make("log . {combined}");
  Ask("a.example.org");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("\" NOERROR qr,aa,rd "), std::string::npos) << lines_[0];
  EXPECT_EQ(lines_[0].substr(lines_[0].size() - 5), " \"0\"\n") << lines_[0];
}

TEST_P(LogTest, SingleFormatArgument) {
  Make("log \"{name} {rcode}\"");
  Ask("fail.example.org");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "[INFO] fail.example.org. SERVFAIL\n");
}

TEST_P(LogTest, OnlyItsNames) {
  Make("log example.org example.net \"{name}\"");
  Ask("a.example.org");
  Ask("a.example.com");
  Ask("b.example.net");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], "[INFO] a.example.org.\n");
  EXPECT_EQ(lines_[1], "[INFO] b.example.net.\n");
  EXPECT_EQ(backend_.calls, 3);
}

TEST_P(LogTest, Classes) {
  Make("log . \"{name}\" {\n class denial error\n}");
  Ask("a.example.org");
  Ask("nx.example.org");
  Ask("fail.example.org");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], "[INFO] nx.example.org.\n");
  EXPECT_EQ(lines_[1], "[INFO] fail.example.org.\n");

  lines_.clear();
  Make("log {\n class success\n}");
  Ask("a.example.org");
  Ask("nx.example.org");
  EXPECT_EQ(lines_.size(), 1u);
}

TEST_P(LogTest, Ipv6RemoteInBrackets) {
  Make("log . \"{remote}:{port}\"");
  auto writer = std::make_shared<testing::RecordingWriter>();
  auto req = std::make_unique<Request>();
  req->query = MakeQuery("a.example.org");
  req->peer_ip = "fd00::5";
  req->peer_port = 53000;
  req->max_size = 4096;
  req->chain = &chain_;
  req->writer = writer;
  Next(std::move(req));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "[INFO] [fd00::5]:53000\n");
}

INSTANTIATE_TEST_SUITE_P(Paths, LogTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Wire" : "Message"; });

TEST(LogConfigTest, Rules) {
  Status error;
  auto rules = ParseLogRules(ParseDirective("log", &error));
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_TRUE((*rules)[0].scope.IsRoot());
  EXPECT_EQ((*rules)[0].format, kCommonLogFormat);

  rules = ParseLogRules(ParseDirective("log example.org", &error));
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ((*rules)[0].scope.ToString(), "example.org.");
  EXPECT_EQ((*rules)[0].format, kCommonLogFormat);

  rules = ParseLogRules(ParseDirective("log . \"{common} x\"", &error));
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ((*rules)[0].format, std::string(kCommonLogFormat) + " x");
}

TEST(LogConfigTest, Errors) {
  Status error;
  auto r = ParseLogRules(ParseDirective("log {\n class sometimes\n}", &error));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("invalid Class: sometimes"), std::string::npos);
  r = ParseLogRules(ParseDirective("log {\n color red\n}", &error));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown property 'color'"), std::string::npos);
  r = ParseLogRules(ParseDirective("log {\n class\n}", &error));
  EXPECT_FALSE(r.ok());
  SetupContext ctx;
  auto p = SetupLog(ParseDirective("log", &error), ctx);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name(), "log");
}

}  // namespace
}  // namespace netkube::dns
