#include "ingress/route_table.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <cstdlib>
#include <new>
#include <utility>

// Counts this thread's allocations while g_count_allocations is set, so a
// test can check that matching does not allocate. (Replaces the global
// operator new of the whole test binary; it only counts, then mallocs.)
namespace {
thread_local bool g_count_allocations = false;
thread_local int g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_count_allocations) ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// Not inlined: GCC would otherwise see free() meet operator new's pointer.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace netkube::ingress {
namespace {

std::shared_ptr<Backend> B(const std::string& service) {
  auto b = std::make_shared<Backend>();
  b->ns = "default";
  b->service = service;
  b->port = "80";
  return b;
}

Route R(const std::string& path, PathType type, const std::string& service) {
  Route r;
  r.path = path;
  r.type = type;
  r.backend = B(service);
  if (type == PathType::kRegex) {
    re2::RE2::Options o;
    o.set_case_sensitive(false);
    r.regex = std::make_shared<re2::RE2>(path, o);
  }
  return r;
}

// The service a request reaches: "404" when no route.
std::string Reach(const RouteTable& t, std::string_view host, std::string_view path) {
  MatchResult m = Match(t, NormalizeHost(host), path);
  return m.route == nullptr ? "404" : m.route->backend->service;
}

// One host whose routes are given in first-match order.
RouteTable OneHost(std::vector<Route> routes) {
  RouteTable t;
  VirtualHost& v = t.exact_hosts["h"];
  v.host = "h";
  v.routes = std::move(routes);
  return t;
}

std::array<uint8_t, 16> Addr(const char* text, int* family) {
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET, text, a.data()) == 1) {
    *family = 4;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
    *family = 6;
  }
  return a;
}

bool In(const char* cidr, const char* addr) {
  std::optional<Cidr> c = Cidr::Parse(cidr);
  EXPECT_TRUE(c.has_value()) << cidr;
  if (!c) return false;
  int family = 0;
  auto a = Addr(addr, &family);
  return c->Contains(a.data(), family);
}

TEST(CidrTest, ParsesNetworksAndSingleAddresses) {
  auto c = Cidr::Parse("10.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->family, 4);
  EXPECT_EQ(c->prefix, 8);
  EXPECT_EQ(c->bytes[0], 10);
  c = Cidr::Parse("10.1.2.3");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix, 32);
  c = Cidr::Parse("fd00::/8");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->family, 6);
  EXPECT_EQ(c->prefix, 8);
  c = Cidr::Parse("::1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix, 128);
  c = Cidr::Parse("10.1.2.3/8");  // host bits cleared
  ASSERT_TRUE(c);
  EXPECT_EQ(c->bytes[1], 0);
  EXPECT_EQ(c->bytes[3], 0);
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0"));
  EXPECT_TRUE(Cidr::Parse("::/0"));
}

TEST(CidrTest, RejectsInvalid) {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0/8",
                          "10.0.0.0/8 ", " 10.0.0.0/8", "300.0.0.0/8", "foo", "10.0.0.0/8/8", "10.0.0.0/1a",
                          "fe80::1%eth0", "10.0.0.0/0008"}) {
    EXPECT_FALSE(Cidr::Parse(bad)) << bad;
  }
}

TEST(CidrTest, Contains) {
  EXPECT_TRUE(In("10.0.0.0/8", "10.200.3.4"));
  EXPECT_FALSE(In("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(In("192.168.1.0/25", "192.168.1.127"));
  EXPECT_FALSE(In("192.168.1.0/25", "192.168.1.128"));
  EXPECT_TRUE(In("10.1.2.3", "10.1.2.3"));
  EXPECT_FALSE(In("10.1.2.3", "10.1.2.4"));
  EXPECT_TRUE(In("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(In("fd00::/8", "fd12::5"));
  EXPECT_FALSE(In("fd00::/8", "fe00::5"));
  EXPECT_FALSE(In("fd00::/8", "10.0.0.1"));  // other family
  EXPECT_FALSE(In("10.0.0.0/8", "fd00::1"));
  // IPv4 clients on a dual-stack socket.
  EXPECT_TRUE(In("10.0.0.0/8", "::ffff:10.1.1.1"));
  EXPECT_FALSE(In("10.0.0.0/8", "::ffff:11.1.1.1"));
  EXPECT_FALSE(In("10.0.0.0/8", "::10.1.1.1"));
}

TEST(CidrTest, FamilyZeroContainsNothing) {
  Cidr none;
  none.family = 0;
  int family = 0;
  auto a = Addr("10.0.0.1", &family);
  EXPECT_FALSE(none.Contains(a.data(), family));
  a = Addr("::1", &family);
  EXPECT_FALSE(none.Contains(a.data(), family));
}

TEST(BackendTest, UpstreamNameAsIngressNginx) {
  Backend b;
  b.ns = "default";
  b.service = "web";
  b.port = "8080";
  EXPECT_EQ(b.UpstreamName(), "default-web-8080");
  b.port = "http";
  EXPECT_EQ(b.UpstreamName(), "default-web-http");
}

TEST(NormalizeHostTest, PortCaseTrailingDotAndIpv6) {
  EXPECT_EQ(NormalizeHost("foo.com"), "foo.com");
  EXPECT_EQ(NormalizeHost("Foo.Bar.COM"), "foo.bar.com");
  EXPECT_EQ(NormalizeHost("foo.com:8080"), "foo.com");
  EXPECT_EQ(NormalizeHost("foo.com."), "foo.com");
  EXPECT_EQ(NormalizeHost("FOO.com.:443"), "foo.com");
  EXPECT_EQ(NormalizeHost("[::1]:80"), "[::1]");
  EXPECT_EQ(NormalizeHost("[::1]"), "[::1]");
  EXPECT_EQ(NormalizeHost("[FD00::A]:8443"), "[fd00::a]");
  EXPECT_EQ(NormalizeHost("::1"), "::1");  // not ours to cut
  EXPECT_EQ(NormalizeHost("10.0.0.1:80"), "10.0.0.1");
  EXPECT_EQ(NormalizeHost(""), "");
  EXPECT_EQ(NormalizeHost(":80"), "");
}

TEST(PrefixMatchTest, ElementWise) {
  EXPECT_TRUE(PrefixMatch("/", "/"));
  EXPECT_TRUE(PrefixMatch("/", "/anything/at/all"));
  EXPECT_TRUE(PrefixMatch("/foo", "/foo"));
  EXPECT_TRUE(PrefixMatch("/foo", "/foo/"));
  EXPECT_TRUE(PrefixMatch("/foo/", "/foo"));
  EXPECT_TRUE(PrefixMatch("/foo/", "/foo/"));
  EXPECT_FALSE(PrefixMatch("/aaa/bb", "/aaa/bbb"));
  EXPECT_TRUE(PrefixMatch("/aaa/bbb/", "/aaa/bbb"));
  EXPECT_TRUE(PrefixMatch("/aaa/bbb", "/aaa/bbb/ccc"));
  EXPECT_FALSE(PrefixMatch("/aaa/bbb", "/aaa/bbbxyz"));
  EXPECT_FALSE(PrefixMatch("/aaa", "/ccc"));
  EXPECT_FALSE(PrefixMatch("/foo", "/FOO"));  // case-sensitive
  EXPECT_FALSE(PrefixMatch("/foo", "/fo"));
  EXPECT_FALSE(PrefixMatch("/foo", ""));
}

// Every row of the matching table in INGRESS-POLICY-NOTES.md; routes listed
// in the order compile sorts them.
TEST(MatchTest, NotesTable) {
  using enum PathType;
  // Prefix / : anything.
  RouteTable t = OneHost({R("/", kPrefix, "root")});
  EXPECT_EQ(Reach(t, "h", "/"), "root");
  EXPECT_EQ(Reach(t, "h", "/x/y/z"), "root");
  // Exact /foo : /foo yes, /bar no, /foo/ no.
  t = OneHost({R("/foo", kExact, "foo")});
  EXPECT_EQ(Reach(t, "h", "/foo"), "foo");
  EXPECT_EQ(Reach(t, "h", "/bar"), "404");
  EXPECT_EQ(Reach(t, "h", "/foo/"), "404");
  // Exact /foo/ : /foo no.
  t = OneHost({R("/foo/", kExact, "foo")});
  EXPECT_EQ(Reach(t, "h", "/foo"), "404");
  EXPECT_EQ(Reach(t, "h", "/foo/"), "foo");
  // Prefix /foo : /foo, /foo/.
  t = OneHost({R("/foo", kPrefix, "foo")});
  EXPECT_EQ(Reach(t, "h", "/foo"), "foo");
  EXPECT_EQ(Reach(t, "h", "/foo/"), "foo");
  // Prefix /foo/ : /foo, /foo/.
  t = OneHost({R("/foo/", kPrefix, "foo")});
  EXPECT_EQ(Reach(t, "h", "/foo"), "foo");
  EXPECT_EQ(Reach(t, "h", "/foo/"), "foo");
  // Prefix /aaa/bb : /aaa/bbb no.
  t = OneHost({R("/aaa/bb", kPrefix, "bb")});
  EXPECT_EQ(Reach(t, "h", "/aaa/bbb"), "404");
  // Prefix /aaa/bbb/ : /aaa/bbb yes.
  t = OneHost({R("/aaa/bbb/", kPrefix, "bbb")});
  EXPECT_EQ(Reach(t, "h", "/aaa/bbb"), "bbb");
  // Prefix /aaa/bbb : /aaa/bbb/ccc yes, /aaa/bbbxyz no.
  t = OneHost({R("/aaa/bbb", kPrefix, "bbb")});
  EXPECT_EQ(Reach(t, "h", "/aaa/bbb/ccc"), "bbb");
  EXPECT_EQ(Reach(t, "h", "/aaa/bbbxyz"), "404");
  // Prefix / and /aaa : /aaa/ccc via /aaa.
  t = OneHost({R("/aaa", kPrefix, "aaa"), R("/", kPrefix, "root")});
  EXPECT_EQ(Reach(t, "h", "/aaa/ccc"), "aaa");
  EXPECT_EQ(Reach(t, "h", "/ccc"), "root");
  // Prefix /aaa : /ccc → default backend.
  t = OneHost({R("/aaa", kPrefix, "aaa")});
  t.default_route = R("/", kPrefix, "default");
  EXPECT_EQ(Reach(t, "h", "/ccc"), "default");
  // Exact + Prefix /foo : Exact wins.
  t = OneHost({R("/foo", kExact, "exact"), R("/foo", kPrefix, "prefix")});
  EXPECT_EQ(Reach(t, "h", "/foo"), "exact");
  EXPECT_EQ(Reach(t, "h", "/foo/bar"), "prefix");
}

TEST(MatchTest, ImplementationSpecificIsPrefix) {
  RouteTable t = OneHost({R("/api", PathType::kImplementationSpecific, "api")});
  EXPECT_EQ(Reach(t, "h", "/api"), "api");
  EXPECT_EQ(Reach(t, "h", "/api/v1"), "api");
  EXPECT_EQ(Reach(t, "h", "/apis"), "404");
}

TEST(MatchTest, RegexIsCaseInsensitiveAndAnchoredAtStart) {
  RouteTable t = OneHost({R("/foo(/|$)(.*)", PathType::kRegex, "foo"), R("/", PathType::kRegex, "root")});
  EXPECT_EQ(Reach(t, "h", "/foo"), "foo");
  EXPECT_EQ(Reach(t, "h", "/FOO/bar"), "foo");
  EXPECT_EQ(Reach(t, "h", "/foobar"), "root");
  EXPECT_EQ(Reach(t, "h", "/x/foo/"), "root");  // anchored: no match in the middle
  t = OneHost({R("/foo", PathType::kRegex, "foo")});
  EXPECT_EQ(Reach(t, "h", "/foobar"), "foo");  // a regex is a prefix
  EXPECT_EQ(Reach(t, "h", "/x/foo"), "404");
  Route broken;
  broken.path = "/x";
  broken.type = PathType::kRegex;  // no compiled regex: never matches
  broken.backend = B("x");
  t = OneHost({broken});
  EXPECT_EQ(Reach(t, "h", "/x"), "404");
}

TEST(FindHostTest, ExactThenWildcardThenAnyHost) {
  RouteTable t;
  t.exact_hosts["foo.bar.com"].host = "foo.bar.com";
  t.exact_hosts["foo.bar.com"].routes.push_back(R("/", PathType::kPrefix, "exact"));
  t.wildcard_hosts[".bar.com"].host = "*.bar.com";
  t.wildcard_hosts[".bar.com"].routes.push_back(R("/", PathType::kPrefix, "wild"));
  EXPECT_EQ(FindHost(t, "foo.bar.com"), &t.exact_hosts["foo.bar.com"]);
  EXPECT_EQ(FindHost(t, "x.bar.com"), &t.wildcard_hosts[".bar.com"]);
  EXPECT_EQ(FindHost(t, "a.x.bar.com"), nullptr);  // two labels
  EXPECT_EQ(FindHost(t, "bar.com"), nullptr);      // no label
  EXPECT_EQ(FindHost(t, ".bar.com"), nullptr);     // empty label
  EXPECT_EQ(FindHost(t, "other.com"), nullptr);    // any_host is empty
  t.any_host.routes.push_back(R("/", PathType::kPrefix, "any"));
  EXPECT_EQ(FindHost(t, "other.com"), &t.any_host);
  EXPECT_EQ(FindHost(t, ""), &t.any_host);
  EXPECT_EQ(FindHost(t, "a.x.bar.com"), &t.any_host);
  EXPECT_EQ(Reach(t, "FOO.bar.com:80", "/"), "exact");
  EXPECT_EQ(Reach(t, "y.bar.com.", "/"), "wild");
  EXPECT_EQ(Reach(t, "a.x.bar.com", "/"), "any");
}

TEST(FindHostTest, LongHostsDoNotNeedAFreshKey) {
  RouteTable t;
  std::string host(200, 'a');
  host += ".example.com";
  t.exact_hosts[host].routes.push_back(R("/", PathType::kPrefix, "long"));
  t.wildcard_hosts[".example.com"].routes.push_back(R("/", PathType::kPrefix, "wild"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Reach(t, host, "/"), "long");
    EXPECT_EQ(Reach(t, std::string(100, 'b') + ".example.com", "/"), "wild");
  }
}

TEST(MatchTest, ExactAndPrefixMatchingDoesNotAllocate) {
  RouteTable t;
  std::string long_host = std::string(100, 'x') + ".example.com";
  for (const std::string& h : {std::string("foo.com"), long_host}) {
    VirtualHost& v = t.exact_hosts[h];
    v.routes = {R("/api/v1/users", PathType::kExact, "users"), R("/api", PathType::kPrefix, "api"),
                R("/", PathType::kPrefix, "root")};
  }
  t.wildcard_hosts[".example.org"].routes.push_back(R("/", PathType::kImplementationSpecific, "wild"));
  t.default_route = R("/", PathType::kPrefix, "default");
  struct Request {
    std::string host, path, want;
  };
  std::vector<Request> requests = {{"foo.com", "/api/v1/users", "users"},
                                   {"foo.com", "/api/v2", "api"},
                                   {"foo.com", "/web", "root"},
                                   {long_host, "/api", "api"},
                                   {std::string(60, 'y') + ".example.org", "/x", "wild"},
                                   {std::string(60, 'z') + ".nowhere.net", "/x", "default"}};
  // The counter counts.
  g_allocations = 0;
  g_count_allocations = true;
  std::string probe(100, 'p');
  g_count_allocations = false;
  ASSERT_EQ(g_allocations, 1);
  for (int round = 0; round < 2; ++round) {  // the first round warms the thread's buffer
    g_allocations = 0;
    g_count_allocations = true;
    const Route* got[6];
    for (size_t i = 0; i < requests.size(); ++i) got[i] = Match(t, requests[i].host, requests[i].path).route;
    g_count_allocations = false;
    for (size_t i = 0; i < requests.size(); ++i) {
      ASSERT_NE(got[i], nullptr);
      EXPECT_EQ(got[i]->backend->service, requests[i].want);
    }
    if (round == 1) {
      EXPECT_EQ(g_allocations, 0);
    }
  }
}

TEST(MatchTest, NamedHostDoesNotFallBackToHostlessRules) {
  RouteTable t;
  t.exact_hosts["foo.com"].routes.push_back(R("/api", PathType::kPrefix, "api"));
  t.any_host.routes.push_back(R("/", PathType::kPrefix, "any"));
  EXPECT_EQ(Reach(t, "foo.com", "/api"), "api");
  EXPECT_EQ(Reach(t, "foo.com", "/web"), "404");
  EXPECT_EQ(Reach(t, "bar.com", "/web"), "any");
}

TEST(MatchTest, DefaultRoutesInOrder) {
  RouteTable t;
  t.exact_hosts["foo.com"].routes.push_back(R("/api", PathType::kPrefix, "api"));
  t.exact_hosts["foo.com"].default_route = R("/", PathType::kPrefix, "foo-default");
  t.exact_hosts["bar.com"].routes.push_back(R("/api", PathType::kPrefix, "bar-api"));
  t.default_route = R("/", PathType::kPrefix, "table-default");
  EXPECT_EQ(Reach(t, "foo.com", "/web"), "foo-default");
  EXPECT_EQ(Reach(t, "bar.com", "/web"), "table-default");
  EXPECT_EQ(Reach(t, "nobody.com", "/"), "table-default");
  MatchResult m = Match(t, "nobody.com", "/");
  EXPECT_EQ(m.vhost, nullptr);
  m = Match(t, "bar.com", "/web");
  EXPECT_EQ(m.vhost, &t.exact_hosts["bar.com"]);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route, &*t.default_route);
  t.default_route.reset();
  m = Match(t, "nobody.com", "/");
  EXPECT_EQ(m.vhost, nullptr);
  EXPECT_EQ(m.route, nullptr);
}

TEST(MatchTest, AnyHostWithOnlyADefaultRouteIsAHost) {
  RouteTable t;
  t.any_host.default_route = R("/", PathType::kPrefix, "any-default");
  EXPECT_EQ(FindHost(t, "x.com"), &t.any_host);
  EXPECT_EQ(Reach(t, "x.com", "/y"), "any-default");
}

}  // namespace
}  // namespace netkube::ingress
