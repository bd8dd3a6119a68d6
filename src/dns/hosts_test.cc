#include "dns/hosts.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "dns/request_testing.h"
#include "dns/corefile.h"

namespace netkube::dns {
namespace {

using request_testing::NextPlugin;
using request_testing::Query;
using request_testing::Resolve;

Name N(const char* s) { return Name::Parse(s).value(); }

std::vector<std::string> Answers(const Message& m) {
  std::vector<std::string> out;
  for (const auto& rr : m.answer) out.push_back(rr.ToString());
  return out;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hosts_test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(path + "/" + name + ".tmp") << text;
    // A rename gives the file a new inode and (usually) a new mtime; the size
    // differs in the tests below in any case.
    ::rename((path + "/" + name + ".tmp").c_str(), (path + "/" + name).c_str());
  }
  std::string path;
};

StatusOr<std::unique_ptr<Plugin>> MakeHosts(const std::string& corefile, std::vector<Name> zones = {N(".")},
                                        std::string dir = "") {
  auto blocks = ParseCorefile(". {\n" + corefile + "\n}\n");
  if (!blocks.ok()) return blocks.status();
  SetupContext ctx;
  ctx.zones = std::move(zones);
  ctx.corefile_dir = std::move(dir);
  return SetupHosts((*blocks)[0].directives.at(0), ctx);
}

TEST(HostsTest, ParsesHostsText) {
  HostsTable t = ParseHostsText(
      "# comment\n"
      "127.0.0.1 localhost\n"
      "10.0.0.1  a.example.org  A-Alias.example.org # trailing\n"
      "10.0.0.2 a.example.org\n"
      "fd00::1%eth0 a.example.org\n"
      "::ffff:10.0.0.3 mapped.example.org\n"
      "not-an-ip b.example.org\n"
      "10.0.0.9\n"
      "10.0.0.4 *.wild.example.org\n"
      "10.0.0.5 other.net\n",
      {N("example.org.")}, true);
  ASSERT_EQ(t.v4.count(N("a.example.org").key()), 1u);
  EXPECT_EQ(t.v4.at(N("a.example.org").key()).size(), 2u);
  EXPECT_EQ(t.v4.count(N("a-alias.example.org").key()), 1u);
  EXPECT_EQ(t.v6.at(N("a.example.org").key()).size(), 1u);
  EXPECT_EQ(t.v4.count(N("mapped.example.org").key()), 1u);
  EXPECT_EQ(t.v4.count(N("localhost").key()), 0u);  // outside the zones
  EXPECT_EQ(t.v4.count(N("other.net").key()), 0u);
  EXPECT_EQ(t.v4.count(N("b.example.org").key()), 0u);
  EXPECT_EQ(t.wild4.count(N("*.wild.example.org").key()), 1u);
  std::string ten_one("\x0a\x00\x00\x01", 4);
  ASSERT_EQ(t.ptr.count(ten_one), 1u);
  EXPECT_EQ(t.ptr.at(ten_one).size(), 2u);
  EXPECT_EQ(t.ptr.at(ten_one)[1].ToString(), "a-alias.example.org.");  // normalized to lower case
  EXPECT_EQ(t.ptr.count(std::string("\x0a\x00\x00\x04", 4)), 0u);     // no PTR for wildcards

  HostsTable no_rev = ParseHostsText("10.0.0.1 a.example.org\n", {N(".")}, false);
  EXPECT_TRUE(no_rev.ptr.empty());
  EXPECT_EQ(no_rev.v4.size(), 1u);
}

TEST(HostsTest, AddressFromReverse) {
  EXPECT_EQ(AddressFromReverse(N("1.0.0.10.in-addr.arpa.")), std::string("\x0a\x00\x00\x01", 4));
  EXPECT_EQ(AddressFromReverse(N("1.0.0.10.IN-ADDR.ARPA.")), std::string("\x0a\x00\x00\x01", 4));
  EXPECT_EQ(AddressFromReverse(N("0.0.10.in-addr.arpa.")), "");
  EXPECT_EQ(AddressFromReverse(N("256.0.0.10.in-addr.arpa.")), "");
  EXPECT_EQ(AddressFromReverse(N("01.0.0.10.in-addr.arpa.")), "");
  std::string v6(16, '\0');
  v6[0] = static_cast<char>(0xfd);
  v6[15] = 1;
  EXPECT_EQ(AddressFromReverse(N("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.")), v6);
  EXPECT_EQ(AddressFromReverse(N("example.org.")), "");
}

TEST(HostsTest, SetupErrors) {
  struct Case {
    const char* corefile;
    const char* message;
  } cases[] = {
      {"hosts /nonexistent {\n ttl\n}", "Corefile:3 - Error during parsing: plugin/hosts: ttl needs a time in second"},
      {"hosts /nonexistent {\n ttl abc\n}", "Corefile:3 - Error during parsing: plugin/hosts: ttl needs a number of "
                                            "second"},
      {"hosts /nonexistent {\n ttl 0\n}", "Corefile:3 - Error during parsing: plugin/hosts: ttl provided is invalid"},
      {"hosts /nonexistent {\n ttl 70000\n}", "Corefile:3 - Error during parsing: plugin/hosts: ttl provided is "
                                              "invalid"},
      {"hosts /nonexistent {\n reload\n}", "Corefile:3 - Error during parsing: plugin/hosts: reload needs a duration "
                                           "(zero seconds to disable)"},
      {"hosts /nonexistent {\n reload soon\n}", "Corefile:3 - Error during parsing: plugin/hosts: invalid duration "
                                                "for reload 'soon'"},
      {"hosts /nonexistent {\n reload -5s\n}", "Corefile:3 - Error during parsing: plugin/hosts: invalid negative "
                                               "duration for reload '-5s'"},
      {"hosts /nonexistent {\n reload .\n}", "Corefile:3 - Error during parsing: plugin/hosts: invalid duration for "
                                             "reload '.'"},
      {"hosts /nonexistent {\n fallthrough\n 10.0.0.1 a.org\n}", "Corefile:4 - Error during parsing: plugin/hosts: "
                                                                 "unknown property '10.0.0.1'"},
      {"hosts /nonexistent {\n fallthrough_unsupported\n}", "Corefile:2 - Error during parsing: plugin/hosts: "
                                                            "fallthrough_unsupported requires fallthrough"},
      {"hosts /nonexistent {\n fallthrough\n fallthrough_unsupported x\n}",
       "Corefile:4 - Error during parsing: Wrong argument count or unexpected line ending after "
       "'fallthrough_unsupported'"},
  };
  for (const Case& c : cases) {
    auto p = MakeHosts(c.corefile);
    ASSERT_FALSE(p.ok()) << c.corefile;
    EXPECT_TRUE(p.status().IsInvalid());
    EXPECT_EQ(p.status().message(), c.message) << c.corefile;
  }
}

TEST(HostsTest, AnswersFromInlineLines) {
  auto p = MakeHosts(
      "hosts /nonexistent example.org {\n"
      "  10.0.0.1 a.example.org\n"
      "  fd00::1 a.example.org\n"
      "  10.0.0.2 v4only.example.org\n"
      "  10.0.0.3 *.wild.example.org\n"
      "  10.0.0.4 outside.net\n"
      "  ttl 60\n"
      "  reload 0\n"
      "}");
  ASSERT_TRUE(p.ok()) << p.status().message();
  Plugin* hosts = p->get();
  NextPlugin next;

  auto a = Resolve({hosts, &next}, Query("A.Example.org.", type::A));
  ASSERT_TRUE(a.replied);
  EXPECT_TRUE(a.reply.header.aa);
  EXPECT_EQ(a.reply.header.id, 0x1234);
  EXPECT_EQ(a.reply.header.rcode, rcode::NoError);
  EXPECT_EQ(Answers(a.reply), std::vector<std::string>{"A.Example.org.\t60\tIN\tA\t10.0.0.1"});
  EXPECT_NE(a.data_generation, 0u);

  auto aaaa = Resolve({hosts, &next}, Query("a.example.org.", type::AAAA));
  EXPECT_EQ(Answers(aaaa.reply), std::vector<std::string>{"a.example.org.\t60\tIN\tAAAA\tfd00::1"});

  // Only the other family: NODATA. So for other types of a known name.
  auto nodata = Resolve({hosts, &next}, Query("v4only.example.org.", type::AAAA));
  ASSERT_TRUE(nodata.replied);
  EXPECT_EQ(nodata.reply.header.rcode, rcode::NoError);
  EXPECT_TRUE(nodata.reply.answer.empty());
  auto txt = Resolve({hosts, &next}, Query("a.example.org.", type::TXT));
  EXPECT_EQ(txt.reply.header.rcode, rcode::NoError);
  EXPECT_TRUE(txt.reply.answer.empty());

  // Absent, no fallthrough: SERVFAIL as CoreDNS gives.
  auto absent = Resolve({hosts, &next}, Query("nope.example.org.", type::A));
  ASSERT_TRUE(absent.replied);
  EXPECT_EQ(absent.reply.header.rcode, rcode::ServFail);
  EXPECT_TRUE(next.seen.empty());

  // Wildcards match exactly one label.
  EXPECT_EQ(Answers(Resolve({hosts, &next}, Query("x.wild.example.org.", type::A)).reply),
            std::vector<std::string>{"x.wild.example.org.\t60\tIN\tA\t10.0.0.3"});
  EXPECT_EQ(Resolve({hosts, &next}, Query("wild.example.org.", type::A)).reply.header.rcode, rcode::ServFail);
  EXPECT_EQ(Resolve({hosts, &next}, Query("y.x.wild.example.org.", type::A)).reply.header.rcode, rcode::ServFail);

  // Outside the plugin's zones: the next plugin (regardless of fallthrough).
  auto outside = Resolve({hosts, &next}, Query("outside.net.", type::A));
  ASSERT_EQ(next.seen.size(), 1u);
  EXPECT_EQ(Answers(outside.reply), std::vector<std::string>{"outside.net.\t5\tIN\tTXT\t\"next\""});

  // PTR for any zone; an unknown address goes on.
  auto ptr = Resolve({hosts, &next}, Query("1.0.0.10.in-addr.arpa.", type::PTR));
  EXPECT_EQ(Answers(ptr.reply), std::vector<std::string>{"1.0.0.10.in-addr.arpa.\t60\tIN\tPTR\ta.example.org."});
  auto ptr6 =
      Resolve({hosts, &next}, Query("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", type::PTR));
  ASSERT_EQ(ptr6.reply.answer.size(), 1u);
  EXPECT_EQ(ptr6.reply.answer[0].target()->ToString(), "a.example.org.");
  Resolve({hosts, &next}, Query("3.0.0.10.in-addr.arpa.", type::PTR));  // wildcard: no PTR
  Resolve({hosts, &next}, Query("9.0.0.10.in-addr.arpa.", type::PTR));
  EXPECT_EQ(next.seen.size(), 3u);
}

TEST(HostsTest, Fallthrough) {
  auto p = MakeHosts(
      "hosts /nonexistent {\n"
      "  10.0.0.1 a.example.org\n"
      "  fallthrough example.org\n"
      "}");
  ASSERT_TRUE(p.ok()) << p.status().message();
  NextPlugin next;
  auto in = Resolve({p->get(), &next}, Query("b.example.org.", type::A));
  EXPECT_EQ(next.seen.size(), 1u);
  EXPECT_EQ(in.reply.answer.size(), 1u);
  auto out = Resolve({p->get(), &next}, Query("b.example.net.", type::A));
  EXPECT_EQ(next.seen.size(), 1u);
  EXPECT_EQ(out.reply.header.rcode, rcode::ServFail);
  // A known name with other types stays NODATA without fallthrough_unsupported.
  auto txt = Resolve({p->get(), &next}, Query("a.example.org.", type::TXT));
  EXPECT_EQ(next.seen.size(), 1u);
  EXPECT_EQ(txt.reply.header.rcode, rcode::NoError);

  auto all = MakeHosts("hosts /nonexistent {\n  10.0.0.1 a.example.org\n  fallthrough\n  fallthrough_unsupported\n}");
  ASSERT_TRUE(all.ok()) << all.status().message();
  NextPlugin next2;
  Resolve({all->get(), &next2}, Query("b.example.net.", type::A));
  Resolve({all->get(), &next2}, Query("a.example.org.", type::TXT));
  EXPECT_EQ(next2.seen.size(), 2u);
}

TEST(HostsTest, ServerBlockZonesAndFileRelativeToCorefile) {
  TempDir dir;
  dir.Write("example.hosts", "10.1.1.1 a.example.org\n10.1.1.2 a.example.net\n");
  auto p = MakeHosts("hosts example.hosts {\n  reload 0\n}", {N("example.org.")}, dir.path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  NextPlugin next;
  EXPECT_EQ(Resolve({p->get(), &next}, Query("a.example.org.", type::A)).reply.answer.size(), 1u);
  Resolve({p->get(), &next}, Query("a.example.net.", type::A));
  EXPECT_EQ(next.seen.size(), 1u);  // outside the block's zone
}

TEST(HostsTest, RereadsAChangedFile) {
  TempDir dir;
  dir.Write("hosts", "10.1.1.1 a.example.org\n");
  HostsOptions o;
  o.path = dir.path + "/hosts";
  o.zones = {N(".")};
  o.reload = std::chrono::milliseconds(0);  // the test calls CheckFile itself
  o.inline_text = "10.2.2.2 inline.example.org\n";
  HostsPlugin hosts(o);
  NextPlugin next;
  auto before = Resolve({&hosts, &next}, Query("a.example.org.", type::A));
  EXPECT_EQ(Answers(before.reply), std::vector<std::string>{"a.example.org.\t3600\tIN\tA\t10.1.1.1"});
  EXPECT_FALSE(hosts.CheckFile());  // unchanged

  uint64_t gen = DataGeneration();
  dir.Write("hosts", "10.1.1.9 a.example.org\n10.1.1.10 b.example.org\n");
  EXPECT_TRUE(hosts.CheckFile());
  EXPECT_GT(DataGeneration(), gen);
  auto after = Resolve({&hosts, &next}, Query("a.example.org.", type::A));
  EXPECT_EQ(Answers(after.reply), std::vector<std::string>{"a.example.org.\t3600\tIN\tA\t10.1.1.9"});
  EXPECT_EQ(after.data_generation, DataGeneration());
  EXPECT_EQ(Resolve({&hosts, &next}, Query("inline.example.org.", type::A)).reply.answer.size(), 1u);

  // A deleted file keeps its last entries; the inline lines stay too.
  ::unlink(o.path.c_str());
  EXPECT_FALSE(hosts.CheckFile());
  EXPECT_EQ(Resolve({&hosts, &next}, Query("b.example.org.", type::A)).reply.answer.size(), 1u);

  std::ostringstream metrics;
  hosts.RenderMetrics(metrics);
  EXPECT_NE(metrics.str().find("coredns_hosts_entries 6\n"), std::string::npos) << metrics.str();
}

TEST(HostsTest, ReloadThreadStopsWithThePlugin) {
  TempDir dir;
  dir.Write("hosts", "10.1.1.1 a.example.org\n");
  auto p = MakeHosts("hosts " + dir.path + "/hosts {\n  reload 10ms\n}");
  ASSERT_TRUE(p.ok()) << p.status().message();
  p->reset();  // joins the reload thread
}

}  // namespace
}  // namespace netkube::dns
