#include "dns/resolv_conf.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dns/upstream.h"

namespace netkube::dns {
namespace {

TEST(ResolvConfTest, NameserverLinesOnly) {
  auto ns = ParseResolvConfNameservers(
      "# comment\n"
      "domain example.org\n"
      "search svc.cluster.local cluster.local\n"
      "nameserver 10.0.0.1\n"
      "nameserver\t fd00::53  # trailing comment\n"
      "  nameserver 10.0.0.3;x\n"
      "nameserver\n"
      "; nameserver 10.0.0.9\n"
      "options ndots:5 timeout:1\n"
      "nameserver 10.0.0.4");
  EXPECT_EQ(ns, (std::vector<std::string>{"10.0.0.1", "fd00::53", "10.0.0.3", "10.0.0.4"}));
  EXPECT_TRUE(ParseResolvConfNameservers("").empty());
  EXPECT_TRUE(ParseResolvConfNameservers("nameservers 1.2.3.4\n").empty());
}

TEST(ResolvConfTest, ReadMissingFile) {
  auto r = ReadResolvConfNameservers(::testing::TempDir() + "/no-such-resolv.conf");
  EXPECT_FALSE(r.ok());
}

TEST(UpstreamTest, Addresses) {
  struct Case {
    const char* in;
    const char* name;
  } cases[] = {
      {"127.0.0.1", "127.0.0.1:53"},       {"127.0.0.1:5353", "127.0.0.1:5353"}, {"::1", "[::1]:53"},
      {"[::1]:5300", "[::1]:5300"},        {"[::1]", "[::1]:53"},                {"dns://127.0.0.1", "127.0.0.1:53"},
      {"dns://[fd00::1]:54", "[fd00::1]:54"},
  };
  for (const Case& c : cases) {
    auto a = ParseUpstreamAddress(c.in);
    ASSERT_TRUE(a.ok()) << c.in << ": " << a.status().ToString();
    EXPECT_EQ(a->name, c.name);
  }
  for (const char* bad : {"", "dns://", "example.org", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "[::1", "[::1]x",
                          "1.2.3.4.5", "tls://1.1.1.1", "https://1.1.1.1/dns-query"}) {
    EXPECT_FALSE(ParseUpstreamAddress(bad).ok()) << bad;
  }
  EXPECT_NE(ParseUpstreamAddress("tls://1.1.1.1").status().message().find("not supported"), std::string::npos);
}

TEST(UpstreamTest, ExpandFilesAndAddresses) {
  std::string path = ::testing::TempDir() + "/upstream_test_resolv.conf";
  {
    std::ofstream f(path);
    f << "nameserver 127.0.0.1\nnameserver 127.0.0.2\n";
  }
  auto ups = ExpandUpstreams({"127.0.0.9:5300", path}, 5353);
  ASSERT_TRUE(ups.ok()) << ups.status().ToString();
  ASSERT_EQ(ups->size(), 3u);
  EXPECT_EQ((*ups)[0].name, "127.0.0.9:5300");
  EXPECT_EQ((*ups)[1].name, "127.0.0.1:5353");
  EXPECT_EQ((*ups)[2].name, "127.0.0.2:5353");

  std::string empty = ::testing::TempDir() + "/upstream_test_empty.conf";
  { std::ofstream f(empty); f << "search example.org\n"; }
  EXPECT_FALSE(ExpandUpstreams({empty}).ok());
  EXPECT_FALSE(ExpandUpstreams({"/no/such/file"}).ok());
}

}  // namespace
}  // namespace netkube::dns
