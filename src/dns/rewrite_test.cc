#include "dns/rewrite.h"

#include <gtest/gtest.h>

#include "dns/corefile.h"
#include "dns/request_testing.h"

namespace netkube::dns {
namespace {

using request_testing::NextPlugin;
using request_testing::Query;
using request_testing::Resolve;

Name N(const std::string& s) { return Name::Parse(s).value(); }

// Parses `lines` as the body of a server block and sets up each rewrite line.
std::vector<std::unique_ptr<Plugin>> Rewrites(const std::string& lines) {
  auto blocks = ParseCorefile(". {\n" + lines + "\n}\n");
  EXPECT_TRUE(blocks.ok()) << blocks.status().message();
  std::vector<std::unique_ptr<Plugin>> out;
  if (!blocks.ok()) return out;
  for (const Directive& d : (*blocks)[0].directives) {
    auto p = SetupRewrite(d, SetupContext{});
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (p.ok()) out.push_back(std::move(p).value());
  }
  return out;
}

Status SetupError(const std::string& line) {
  auto blocks = ParseCorefile(". {\n" + line + "\n}\n");
  if (!blocks.ok()) return blocks.status();
  auto p = SetupRewrite((*blocks)[0].directives.at(0), SetupContext{});
  return p.ok() ? Status::OK() : p.status();
}

std::vector<std::string> Answers(const Message& m) {
  std::vector<std::string> out;
  for (const auto& rr : m.answer) out.push_back(rr.ToString());
  return out;
}

// Answers with an A record for the asked name, a CNAME to `cname` under it
// when given, and an SOA in the authority section.
NextPlugin Upstream(std::string cname_target = "") {
  NextPlugin next;
  next.answer = [cname_target](const Message& q) {
    Message m = Message::ReplyTo(q);
    const Name& qn = q.question[0].name;
    if (!cname_target.empty()) {
      m.answer.push_back(ResourceRecord::MakeName(qn, type::CNAME, 30, N(cname_target)));
      m.answer.push_back(ResourceRecord::MakeA(N(cname_target), 30, {10, 0, 0, 2}));
    } else {
      m.answer.push_back(ResourceRecord::MakeA(qn, 30, {10, 0, 0, 1}));
    }
    return m;
  };
  return next;
}

std::vector<Plugin*> Chain(const std::vector<std::unique_ptr<Plugin>>& ps, Plugin* last) {
  std::vector<Plugin*> chain;
  for (const auto& p : ps) chain.push_back(p.get());
  chain.push_back(last);
  return chain;
}

TEST(RewriteTest, ExactRevertsQuestionAndAnswers) {
  auto ps = Rewrites("rewrite name foo.example.org bar.example.net");
  NextPlugin next = Upstream("www.bar.example.net");
  auto out = Resolve(Chain(ps, &next), Query("Foo.Example.org.", type::A));
  ASSERT_EQ(next.seen.size(), 1u);
  EXPECT_EQ(next.seen[0].question[0].name.ToString(), "bar.example.net.");
  ASSERT_TRUE(out.replied);
  EXPECT_EQ(out.reply.question[0].name.ToString(), "Foo.Example.org.");
  // (The owner names compress against the question, so they print in its case.)
  EXPECT_EQ(Answers(out.reply), (std::vector<std::string>{"Foo.Example.org.\t30\tIN\tCNAME\twww.Foo.Example.org.",
                                                          "www.Foo.Example.org.\t30\tIN\tA\t10.0.0.2"}));
  // Other names pass untouched.
  NextPlugin plain = Upstream();
  auto other = Resolve(Chain(ps, &plain), Query("baz.example.org.", type::A));
  EXPECT_EQ(plain.seen[0].question[0].name.ToString(), "baz.example.org.");
  EXPECT_EQ(Answers(other.reply), std::vector<std::string>{"baz.example.org.\t30\tIN\tA\t10.0.0.1"});
}

TEST(RewriteTest, SuffixWithAnswerAuto) {
  auto ps = Rewrites("rewrite name suffix .schmoogle.com. .google.com. answer auto");
  NextPlugin next = Upstream("edge.google.com");
  auto out = Resolve(Chain(ps, &next), Query("www.schmoogle.com.", type::A));
  EXPECT_EQ(next.seen[0].question[0].name.ToString(), "www.google.com.");
  EXPECT_EQ(out.reply.question[0].name.ToString(), "www.schmoogle.com.");
  EXPECT_EQ(Answers(out.reply), (std::vector<std::string>{"www.schmoogle.com.\t30\tIN\tCNAME\tedge.schmoogle.com.",
                                                          "edge.schmoogle.com.\t30\tIN\tA\t10.0.0.2"}));
}

TEST(RewriteTest, RegexWithAndWithoutAnswerRules) {
  auto plain = Rewrites(R"(rewrite name regex (.*)-(us-west-1)\.example\.org {1}.service.{2}.consul)");
  NextPlugin next = Upstream();
  auto out = Resolve(Chain(plain, &next), Query("ftp-us-west-1.example.org.", type::A));
  EXPECT_EQ(next.seen[0].question[0].name.ToString(), "ftp.service.us-west-1.consul.");
  EXPECT_EQ(out.reply.question[0].name.ToString(), "ftp-us-west-1.example.org.");
  // No answer rule: the owner names stay as the next plugin wrote them.
  EXPECT_EQ(Answers(out.reply), std::vector<std::string>{"ftp.service.us-west-1.consul.\t30\tIN\tA\t10.0.0.1"});

  auto block = Rewrites(
      "rewrite stop {\n"
      R"(  name regex (.*)-(us-west-1)\.example\.org {1}.service.{2}.consul)"
      "\n"
      R"(  answer name (.*)\.service\.(us-west-1)\.consul {1}-{2}.example.org)"
      "\n"
      R"(  answer value (.*)\.service\.(us-west-1)\.consul\. {1}-{2}.example.org)"
      "\n}");
  NextPlugin next2 = Upstream("cdn.service.us-west-1.consul");
  auto out2 = Resolve(Chain(block, &next2), Query("ftp-us-west-1.example.org.", type::A));
  EXPECT_EQ(Answers(out2.reply),
            (std::vector<std::string>{"ftp-us-west-1.example.org.\t30\tIN\tCNAME\tcdn-us-west-1.example.org.",
                                      "cdn-us-west-1.example.org.\t30\tIN\tA\t10.0.0.2"}));

  auto autoregex = Rewrites(R"(rewrite name regex ^(.*)\.old\.$ {1}.new answer auto)");
  NextPlugin next3 = Upstream();
  auto out3 = Resolve(Chain(autoregex, &next3), Query("a.b.old.", type::A));
  EXPECT_EQ(next3.seen[0].question[0].name.ToString(), "a.b.new.");
  EXPECT_EQ(Answers(out3.reply), std::vector<std::string>{"a.b.old.\t30\tIN\tA\t10.0.0.1"});
}

TEST(RewriteTest, PrefixAndSubstring) {
  auto prefix = Rewrites("rewrite name prefix foo bar answer auto");
  NextPlugin n1 = Upstream();
  auto o1 = Resolve(Chain(prefix, &n1), Query("foo.example.org.", type::A));
  EXPECT_EQ(n1.seen[0].question[0].name.ToString(), "bar.example.org.");
  EXPECT_EQ(Answers(o1.reply), std::vector<std::string>{"foo.example.org.\t30\tIN\tA\t10.0.0.1"});

  auto sub = Rewrites("rewrite name substring service.us-west-1.example.org service.us-west-1.consul");
  NextPlugin n2 = Upstream();
  Resolve(Chain(sub, &n2), Query("ftp.service.us-west-1.example.org.", type::A));
  EXPECT_EQ(n2.seen[0].question[0].name.ToString(), "ftp.service.us-west-1.consul.");
}

TEST(RewriteTest, StopAndContinueAcrossLines) {
  // The first matching stop rule ends the list.
  auto stop = Rewrites(
      "rewrite name a.example.org b.example.org\n"
      "rewrite name b.example.org c.example.org\n"
      "rewrite name x.example.org y.example.org");
  NextPlugin n1 = Upstream();
  auto o1 = Resolve(Chain(stop, &n1), Query("a.example.org.", type::A));
  EXPECT_EQ(n1.seen[0].question[0].name.ToString(), "b.example.org.");
  EXPECT_EQ(Answers(o1.reply), std::vector<std::string>{"a.example.org.\t30\tIN\tA\t10.0.0.1"});
  // A later line still applies when the earlier ones do not match.
  Resolve(Chain(stop, &n1), Query("x.example.org.", type::A));
  EXPECT_EQ(n1.seen[1].question[0].name.ToString(), "y.example.org.");

  // continue: the next rule sees the rewritten name; the answer unwinds both.
  auto cont = Rewrites(
      "rewrite continue name a.example.org b.example.org\n"
      "rewrite name b.example.org c.example.org");
  NextPlugin n2 = Upstream();
  auto o2 = Resolve(Chain(cont, &n2), Query("a.example.org.", type::A));
  EXPECT_EQ(n2.seen[0].question[0].name.ToString(), "c.example.org.");
  EXPECT_EQ(o2.reply.question[0].name.ToString(), "a.example.org.");
  EXPECT_EQ(Answers(o2.reply), std::vector<std::string>{"a.example.org.\t30\tIN\tA\t10.0.0.1"});
}

TEST(RewriteTest, TypeAndClass) {
  auto ps = Rewrites("rewrite type ANY HINFO\nrewrite continue class CH IN");
  NextPlugin next;
  auto out = Resolve(Chain(ps, &next), Query("example.org.", type::ANY));
  EXPECT_EQ(next.seen[0].question[0].qtype, type::HINFO);
  EXPECT_EQ(out.reply.question[0].qtype, type::ANY);

  Message ch = Query("version.bind.", type::TXT);
  ch.question[0].qclass = klass::CH;
  auto out2 = Resolve(Chain(ps, &next), ch);
  EXPECT_EQ(next.seen[1].question[0].qclass, klass::IN);
  EXPECT_EQ(out2.reply.question[0].qclass, klass::CH);
}

// Records the key the plugins after the rewrite see.
class KeyPlugin : public Plugin {
 public:
  std::string_view name() const override { return "key"; }
  void Serve(RequestPtr req) override {
    keys.push_back(req->qkey());
    Next(std::move(req));
  }
  std::vector<std::string> keys;
};

TEST(RewriteTest, LaterPluginsSeeTheNewKey) {
  auto ps = Rewrites("rewrite name a.example.org b.example.org");
  KeyPlugin before, after;
  NextPlugin next = Upstream();
  Resolve({&before, ps[0].get(), &after, &next}, Query("A.example.org.", type::A));
  ASSERT_EQ(after.keys.size(), 1u);
  EXPECT_EQ(before.keys[0], N("a.example.org.").key());
  EXPECT_EQ(after.keys[0], N("b.example.org.").key());
}

TEST(RewriteTest, InvalidNameAfterRewriteIsServfail) {
  auto ps = Rewrites(R"(rewrite name regex (.*)\.bad\. {1}..x)");
  NextPlugin next;
  auto out = Resolve(Chain(ps, &next), Query("q.bad.", type::A));
  EXPECT_TRUE(next.seen.empty());
  ASSERT_TRUE(out.replied);
  EXPECT_EQ(out.reply.header.rcode, rcode::ServFail);
  EXPECT_EQ(out.reply.question[0].name.ToString(), "q.bad.");
}

TEST(RewriteTest, RevertsAServfailFromTheEndOfTheChain) {
  auto ps = Rewrites("rewrite name a.example.org b.example.org");
  std::vector<Plugin*> chain = {ps[0].get()};
  auto out = Resolve(chain, Query("a.example.org.", type::A));
  EXPECT_EQ(out.reply.header.rcode, rcode::ServFail);
  EXPECT_EQ(out.reply.question[0].name.ToString(), "a.example.org.");
}

TEST(RewriteTest, SetupErrors) {
  struct Case {
    const char* line;
    const char* message;
  } cases[] = {
      {"rewrite foo a b", "Corefile:2 - Error during parsing: plugin/rewrite: invalid rule type \"foo\""},
      {"rewrite stop foo a b", "Corefile:2 - Error during parsing: plugin/rewrite: invalid rule type \"foo\""},
      {"rewrite", "Corefile:2 - Error during parsing: plugin/rewrite: no rule type specified for rewrite"},
      {"rewrite name a", "Corefile:2 - Error during parsing: plugin/rewrite: too few arguments for a name rule"},
      {"rewrite name fuzzy a b", "Corefile:2 - Error during parsing: plugin/rewrite: name rule supports only exact, "
                                 "prefix, suffix, substring, and regex name matching, received: fuzzy"},
      {"rewrite name regex ([ b", "Corefile:2 - Error during parsing: plugin/rewrite: invalid regex matching "
                                  "pattern: (["},
      {"rewrite name regex (a) {1}{2}", "Corefile:2 - Error during parsing: plugin/rewrite: the rewrite regex "
                                        "pattern ({1}{2}) uses more subexpressions than its corresponding matching "
                                        "regex pattern ((a))"},
      {"rewrite name suffix a b answer", "Corefile:2 - Error during parsing: plugin/rewrite: invalid arguments for "
                                         "suffix rule"},
      {"rewrite name suffix a b answer bogus x", "Corefile:2 - Error during parsing: plugin/rewrite: invalid type "
                                                 "\"bogus\" for answer rule for suffix rule"},
      {"rewrite name prefix a b answer auto answer name (.*) x", "Corefile:2 - Error during parsing: plugin/rewrite: "
                                                                 "auto name answer rule cannot be combined with "
                                                                 "explicit name anwer rules"},
      {"rewrite answer name a b", "Corefile:2 - Error during parsing: plugin/rewrite: response rewrites must begin "
                                  "with a name rule"},
      {"rewrite type A", "Corefile:2 - Error during parsing: plugin/rewrite: type rules must have exactly two "
                         "arguments"},
      {"rewrite type A BOGUS", "Corefile:2 - Error during parsing: plugin/rewrite: invalid type \"BOGUS\""},
      {"rewrite class XX IN", "Corefile:2 - Error during parsing: plugin/rewrite: invalid class \"XX\""},
      {"rewrite ttl a 5", "Corefile:2 - Error during parsing: plugin/rewrite: the ttl rule is not supported (name, "
                          "type and class are)"},
  };
  for (const Case& c : cases) {
    Status s = SetupError(c.line);
    EXPECT_TRUE(s.IsInvalid()) << c.line;
    EXPECT_EQ(s.message(), c.message) << c.line;
  }
}

}  // namespace
}  // namespace netkube::dns
