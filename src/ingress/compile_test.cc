// Compile: which Ingresses are ours, the conformance scenarios, the notes'
// matching table, conflicts and default backends.
#include "ingress/compile.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <set>

#include "ingress/compile_testing.h"

namespace netkube::ingress {
namespace {

// ---------------------------------------------------------------------------
// Conformance: features/path_rules.feature

class PathRulesConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* s : {"foo-exact", "foo-prefix", "aaa-slash-bbb-prefix", "aaa-prefix",
                          "aaa-slash-bbb-slash-prefix", "foo-slash-exact"})
      w_.Service(s);
    IngressInfo& i = w_.Ingress("path-rules");
    i.rules = {
        Rule("exact-path-rules", {Path("/foo", "Exact", "foo-exact")}),
        Rule("prefix-path-rules", {Path("/foo", "Prefix", "foo-prefix"),
                                   Path("/aaa/bbb", "Prefix", "aaa-slash-bbb-prefix"),
                                   Path("/aaa", "Prefix", "aaa-prefix")}),
        Rule("mixed-path-rules", {Path("/foo", "Prefix", "foo-prefix"), Path("/foo", "Exact", "foo-exact")}),
        Rule("trailing-slash-path-rules", {Path("/aaa/bbb/", "Prefix", "aaa-slash-bbb-slash-prefix"),
                                           Path("/foo/", "Exact", "foo-slash-exact")}),
    };
    r_ = w_.Compile();
    // "The Ingress status shows the IP address or FQDN where it is exposed."
    ASSERT_TRUE(Served(r_, "default/path-rules"));
    ASSERT_TRUE(r_.events.empty()) << r_.events[0].message;
  }
  World w_;
  CompileResult r_;
};

TEST_F(PathRulesConformance, ExactMatchesExactPath) {
  EXPECT_EQ(Reach(r_, "exact-path-rules", "/foo"), "foo-exact");
}
TEST_F(PathRulesConformance, ExactDoesNotMatchTrailingSlash) {
  EXPECT_EQ(Reach(r_, "exact-path-rules", "/foo/"), "404");
}
TEST_F(PathRulesConformance, ExactIsCaseSensitive) { EXPECT_EQ(Reach(r_, "exact-path-rules", "/FOO"), "404"); }
TEST_F(PathRulesConformance, ExactDoesNotMatchOtherLabel) {
  EXPECT_EQ(Reach(r_, "exact-path-rules", "/bar"), "404");
}
TEST_F(PathRulesConformance, PrefixMatchesPath) { EXPECT_EQ(Reach(r_, "prefix-path-rules", "/foo"), "foo-prefix"); }
TEST_F(PathRulesConformance, PrefixIgnoresRequestTrailingSlash) {
  EXPECT_EQ(Reach(r_, "prefix-path-rules", "/foo/"), "foo-prefix");
}
TEST_F(PathRulesConformance, PrefixIsCaseSensitive) { EXPECT_EQ(Reach(r_, "prefix-path-rules", "/FOO"), "404"); }
TEST_F(PathRulesConformance, PrefixMatchesMultipleLabelsLongestFirst) {
  EXPECT_EQ(Reach(r_, "prefix-path-rules", "/aaa/bbb"), "aaa-slash-bbb-prefix");
}
TEST_F(PathRulesConformance, PrefixMatchesSubpathsLongestFirst) {
  EXPECT_EQ(Reach(r_, "prefix-path-rules", "/aaa/bbb/ccc"), "aaa-slash-bbb-prefix");
}
TEST_F(PathRulesConformance, PrefixShorterRule) { EXPECT_EQ(Reach(r_, "prefix-path-rules", "/aaa/ccc"), "aaa-prefix"); }
TEST_F(PathRulesConformance, PrefixMatchesWholeLabelsOnly) {
  EXPECT_EQ(Reach(r_, "prefix-path-rules", "/aaaccc"), "404");
}
TEST_F(PathRulesConformance, MixedPrefersExact) { EXPECT_EQ(Reach(r_, "mixed-path-rules", "/foo"), "foo-exact"); }
TEST_F(PathRulesConformance, MixedPrefixStillServesSubpaths) {
  EXPECT_EQ(Reach(r_, "mixed-path-rules", "/foo/x"), "foo-prefix");
}
TEST_F(PathRulesConformance, TrailingSlashPrefixRuleMatchesWithout) {
  EXPECT_EQ(Reach(r_, "trailing-slash-path-rules", "/aaa/bbb"), "aaa-slash-bbb-slash-prefix");
}
TEST_F(PathRulesConformance, TrailingSlashPrefixRuleMatchesWith) {
  EXPECT_EQ(Reach(r_, "trailing-slash-path-rules", "/aaa/bbb/"), "aaa-slash-bbb-slash-prefix");
}
TEST_F(PathRulesConformance, TrailingSlashExactRuleNeedsTheSlash) {
  EXPECT_EQ(Reach(r_, "trailing-slash-path-rules", "/foo"), "404");
  EXPECT_EQ(Reach(r_, "trailing-slash-path-rules", "/foo/"), "foo-slash-exact");
}

// ---------------------------------------------------------------------------
// Conformance: features/host_rules.feature

class HostRulesConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    w_.Secret("conformance-tls");
    w_.Service("wildcard-foo-com");
    w_.Service("foo-bar-com", 8080, "http");
    IngressInfo& i = w_.Ingress("host-rules");
    i.tls = {{{"foo.bar.com"}, "conformance-tls"}};
    i.rules = {Rule("*.foo.com", {Path("/", "Prefix", "wildcard-foo-com")}),
               Rule("foo.bar.com", {NamedPortPath("/", "Prefix", "foo-bar-com", "http")})};
    r_ = w_.Compile();
    ASSERT_TRUE(Served(r_, "default/host-rules"));
    ASSERT_TRUE(r_.events.empty()) << r_.events[0].message;
  }
  World w_;
  CompileResult r_;
};

TEST_F(HostRulesConformance, TlsTrafficReachesHost) {
  // SNI foo.bar.com picks the Secret's certificate; the Host header the route.
  const VirtualHost* v = FindHost(*r_.table, "foo.bar.com");
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(v->has_tls);
  EXPECT_EQ(v->tls_secret, "default/conformance-tls");
  ASSERT_EQ(r_.table->certificates.count("default/conformance-tls"), 1u);
  const Certificate& c = r_.table->certificates.at("default/conformance-tls");
  EXPECT_EQ(c.key, "default/conformance-tls");
  EXPECT_EQ(c.cert_pem, "-----BEGIN CERTIFICATE-----\nconformance-tls");
  EXPECT_EQ(c.key_pem, "-----BEGIN PRIVATE KEY-----\nconformance-tls");
  EXPECT_EQ(c.version, "7");
  EXPECT_EQ(Reach(r_, "foo.bar.com", "/"), "foo-bar-com");
}
TEST_F(HostRulesConformance, HttpTrafficReachesHost) {
  EXPECT_EQ(Reach(r_, "foo.bar.com", "/"), "foo-bar-com");
  EXPECT_EQ(Reach(r_, "foo.bar.com:80", "/"), "foo-bar-com");
}
TEST_F(HostRulesConformance, OtherHostIs404) { EXPECT_EQ(Reach(r_, "subdomain.bar.com", "/"), "404"); }
TEST_F(HostRulesConformance, WildcardMatchesOneLabel) {
  EXPECT_EQ(Reach(r_, "bar.foo.com", "/"), "wildcard-foo-com");
  EXPECT_FALSE(FindHost(*r_.table, "bar.foo.com")->has_tls);
}
TEST_F(HostRulesConformance, WildcardDoesNotMatchTwoLabels) { EXPECT_EQ(Reach(r_, "baz.bar.foo.com", "/"), "404"); }
TEST_F(HostRulesConformance, WildcardDoesNotMatchNoLabel) { EXPECT_EQ(Reach(r_, "foo.com", "/"), "404"); }

// ---------------------------------------------------------------------------
// Conformance: features/default_backend.feature (the method and the request
// line do not take part in matching; the examples' host and path do).

TEST(DefaultBackendConformance, IngressWithoutRulesTakesEverything) {
  World w;
  w.Service("echo-service");
  w.Ingress("default-backend").default_backend = Ref("echo-service");
  CompileResult r = w.Compile();
  ASSERT_TRUE(Served(r, "default/default-backend"));
  struct Example {
    const char* method;
    const char* host;
    const char* path;
  };
  for (const Example& e : {Example{"GET", "my-host", ""}, Example{"GET", "my-host", "sub-path"},
                           Example{"POST", "some-host", ""}, Example{"PUT", "", "resource"},
                           Example{"DELETE", "some-host", "resource"}, Example{"PATCH", "my-host", "resource"}}) {
    std::string path = "/" + std::string(e.path);
    EXPECT_EQ(Reach(r, e.host, path), "echo-service") << e.method << " " << e.host << path;
  }
  ASSERT_TRUE(r.table->default_route);
  EXPECT_EQ(r.table->default_route->ingress_name, "default-backend");
}

// ---------------------------------------------------------------------------
// Conformance: features/ingress_class.feature

TEST(IngressClassConformance, InvalidClassIsNotServed) {
  World w;
  w.Service("ingress-class-prefix");
  IngressInfo& i = w.Ingress("test-ingress-class");
  i.class_name = "some-invalid-class-name";
  i.rules = {Rule("ingress-class", {Path("/", "Prefix", "ingress-class-prefix")})};
  CompileResult r = w.Compile();
  EXPECT_TRUE(r.served.empty());  // no status address
  EXPECT_EQ(Reach(r, "ingress-class", "/"), "404");
  EXPECT_TRUE(r.events.empty());  // not ours: never touched
}

// ---------------------------------------------------------------------------
// Conformance: features/load_balancing.feature

TEST(LoadBalancingConformance, TenReplicasAllServe) {
  World w;
  std::vector<std::string> ips;
  for (int i = 0; i < 10; ++i) ips.push_back("10.244.1." + std::to_string(i + 2));
  w.Service("echo-service", 8080, "", ips);
  w.Ingress("load-balancing").default_backend = Ref("echo-service");
  CompileResult r = w.Compile(/*seed=*/0);
  const Route* route = RouteOf(r, "load-balancing", "/");
  ASSERT_NE(route, nullptr);
  const Backend& b = *route->backend;
  ASSERT_EQ(b.endpoints.size(), 10u);
  std::set<std::string> pods;
  for (int i = 0; i < 100; ++i) pods.insert(b.endpoints[b.next++ % b.endpoints.size()].ip);
  EXPECT_EQ(pods.size(), 10u);
}

// ---------------------------------------------------------------------------
// Class selection (compile.h "What is ours").

TEST(IsOursTest, IngressClassName) {
  World w;
  IngressClassInfo other;
  other.name = "other";
  other.controller = "example.com/other";
  w.snapshot.classes["other"] = other;
  IngressInfo i;
  i.class_name = "nginx";
  EXPECT_TRUE(IsOurs(i, w.snapshot.classes, w.config));
  i.class_name = "other";
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
  i.class_name = "missing";
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
  // The class name wins over the legacy annotation, and over watch-without-class.
  i.annotations["kubernetes.io/ingress.class"] = "nginx";
  w.config.watch_without_class = true;
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
  // A class of ours under another name.
  IngressClassInfo mine;
  mine.name = "internal";
  mine.controller = kOurController;
  w.snapshot.classes["internal"] = mine;
  i.class_name = "internal";
  EXPECT_TRUE(IsOurs(i, w.snapshot.classes, w.config));
}

TEST(IsOursTest, LegacyAnnotation) {
  World w;
  IngressInfo i;
  i.annotations["kubernetes.io/ingress.class"] = "nginx";
  EXPECT_TRUE(IsOurs(i, w.snapshot.classes, w.config));
  i.annotations["kubernetes.io/ingress.class"] = "traefik";
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
  w.config.watch_without_class = true;  // the annotation still says another class
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
  w.config.ingress_class = "traefik";
  EXPECT_TRUE(IsOurs(i, w.snapshot.classes, w.config));
}

TEST(IsOursTest, NoClassNeedsDefaultClassOrWatchWithoutClass) {
  World w;
  IngressInfo i;
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
  w.config.watch_without_class = true;
  EXPECT_TRUE(IsOurs(i, w.snapshot.classes, w.config));
  w.config.watch_without_class = false;
  w.snapshot.classes["nginx"].is_default = true;
  EXPECT_TRUE(IsOurs(i, w.snapshot.classes, w.config));
  // The default class belongs to another controller.
  w.snapshot.classes["nginx"].controller = "example.com/other";
  EXPECT_FALSE(IsOurs(i, w.snapshot.classes, w.config));
}

TEST(CompileTest, OnlyOurIngressesAreServed) {
  World w;
  w.Service("a");
  w.Ingress("ours").rules = {Rule("a.com", {Path("/", "Prefix", "a")})};
  IngressInfo& other = w.Ingress("other");
  other.class_name.reset();
  other.annotations["kubernetes.io/ingress.class"] = "traefik";
  other.rules = {Rule("b.com", {Path("/", "Prefix", "a")})};
  IngressInfo& none = w.Ingress("classless");
  none.class_name.reset();
  none.rules = {Rule("c.com", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(r.served, std::vector<std::string>{"default/ours"});
  EXPECT_EQ(Reach(r, "a.com", "/"), "a");
  EXPECT_EQ(Reach(r, "b.com", "/"), "404");
  EXPECT_EQ(Reach(r, "c.com", "/"), "404");
  w.config.watch_without_class = true;
  r = w.Compile();
  EXPECT_EQ(r.served, (std::vector<std::string>{"default/classless", "default/ours"}));
  EXPECT_EQ(Reach(r, "c.com", "/"), "a");
  EXPECT_EQ(r.table->generation, 0u);
}

// ---------------------------------------------------------------------------
// The notes' matching table, end to end through Compile.

TEST(CompileTest, NotesMatchingTable) {
  World w;
  for (const char* s : {"root", "exact", "prefix", "aaa", "bb", "bbb", "def"}) w.Service(s);
  int n = 0;
  auto host = [&](std::vector<IngressPathInfo> paths) {
    std::string h = "h" + std::to_string(++n);
    w.Ingress(h, n).rules = {Rule(h, std::move(paths))};
    return h;
  };
  std::string any = host({Path("/", "Prefix", "root")});
  std::string exact = host({Path("/foo", "Exact", "exact")});
  std::string exact_slash = host({Path("/foo/", "Exact", "exact")});
  std::string prefix = host({Path("/foo", "Prefix", "prefix")});
  std::string prefix_slash = host({Path("/foo/", "Prefix", "prefix")});
  std::string bb = host({Path("/aaa/bb", "Prefix", "bb")});
  std::string bbb_slash = host({Path("/aaa/bbb/", "Prefix", "bbb")});
  std::string bbb = host({Path("/aaa/bbb", "Prefix", "bbb")});
  std::string two = host({Path("/", "Prefix", "root"), Path("/aaa", "Prefix", "aaa")});
  std::string aaa = host({Path("/aaa", "Prefix", "aaa")});
  std::string both = host({Path("/foo", "Prefix", "prefix"), Path("/foo", "Exact", "exact")});
  w.Ingress("catch-all", 100).default_backend = Ref("def");
  CompileResult r = w.Compile();
  ASSERT_TRUE(r.events.empty()) << r.events[0].message;

  EXPECT_EQ(Reach(r, any, "/anything"), "root");
  EXPECT_EQ(Reach(r, exact, "/foo"), "exact");
  EXPECT_EQ(Reach(r, exact, "/bar"), "def");
  EXPECT_EQ(Reach(r, exact, "/foo/"), "def");
  EXPECT_EQ(Reach(r, exact_slash, "/foo"), "def");
  EXPECT_EQ(Reach(r, prefix, "/foo"), "prefix");
  EXPECT_EQ(Reach(r, prefix, "/foo/"), "prefix");
  EXPECT_EQ(Reach(r, prefix_slash, "/foo"), "prefix");
  EXPECT_EQ(Reach(r, prefix_slash, "/foo/"), "prefix");
  EXPECT_EQ(Reach(r, bb, "/aaa/bbb"), "def");
  EXPECT_EQ(Reach(r, bbb_slash, "/aaa/bbb"), "bbb");
  EXPECT_EQ(Reach(r, bbb, "/aaa/bbb/ccc"), "bbb");
  EXPECT_EQ(Reach(r, bbb, "/aaa/bbbxyz"), "def");
  EXPECT_EQ(Reach(r, two, "/aaa/ccc"), "aaa");
  EXPECT_EQ(Reach(r, aaa, "/ccc"), "def");  // the default backend
  EXPECT_EQ(Reach(r, both, "/foo"), "exact");
}

TEST(CompileTest, ImplementationSpecificAndEmptyPath) {
  World w;
  w.Service("a");
  w.Service("b");
  w.Ingress("i").rules = {Rule("h", {Path("/api", "ImplementationSpecific", "a"), Path("", "ImplementationSpecific", "b")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/api/v1"), "a");
  EXPECT_EQ(Reach(r, "h", "/apix"), "b");
  const Route* root = RouteOf(r, "h", "/x");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->path, "/");
  EXPECT_EQ(root->type, PathType::kImplementationSpecific);
}

TEST(CompileTest, LongestPathWinsAcrossIngressesThenExactThenOldest) {
  World w;
  for (const char* s : {"old", "new", "long", "exact"}) w.Service(s);
  w.Ingress("old", 1).rules = {Rule("h", {Path("/a", "Prefix", "old")})};
  w.Ingress("new", 2).rules = {Rule("h", {Path("/a/b", "Prefix", "long"), Path("/a/", "Prefix", "new"),
                                          Path("/a", "Exact", "exact")})};
  CompileResult r = w.Compile();
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(Reach(r, "h", "/a/b/c"), "long");
  EXPECT_EQ(Reach(r, "h", "/a"), "exact");
  // "/a/" (new) and "/a" (old) match alike: the oldest Ingress first.
  EXPECT_EQ(Reach(r, "h", "/a/c"), "old");
  const VirtualHost* v = FindHost(*r.table, "h");
  ASSERT_EQ(v->routes.size(), 4u);
  EXPECT_EQ(v->routes[0].path, "/a/b");
  EXPECT_EQ(v->routes[1].type, PathType::kExact);
  EXPECT_EQ(v->routes[2].ingress_name, "old");
  EXPECT_EQ(v->routes[2].created, 1);
  EXPECT_EQ(v->routes[3].ingress_name, "new");
}

TEST(CompileTest, WildcardHostSemantics) {
  World w;
  w.Service("wild");
  w.Service("exact");
  w.Service("any");
  w.Ingress("i").rules = {Rule("*.foo.com", {Path("/", "Prefix", "wild")}),
                          Rule("special.foo.com", {Path("/only", "Prefix", "exact")}),
                          Rule("", {Path("/", "Prefix", "any")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "bar.foo.com", "/"), "wild");
  EXPECT_EQ(Reach(r, "BAR.Foo.com.:8080", "/"), "wild");
  EXPECT_EQ(Reach(r, "baz.bar.foo.com", "/"), "any");  // not the wildcard: the host-less rules
  EXPECT_EQ(Reach(r, "foo.com", "/"), "any");
  EXPECT_EQ(Reach(r, "special.foo.com", "/only"), "exact");
  EXPECT_EQ(Reach(r, "special.foo.com", "/other"), "404");  // an exact host beats the wildcard
  EXPECT_EQ(r.table->wildcard_hosts.count(".foo.com"), 1u);
  EXPECT_EQ(r.table->wildcard_hosts.at(".foo.com").host, "*.foo.com");
}

TEST(CompileTest, HostNormalisation) {
  World w;
  w.Service("a");
  w.Ingress("i").rules = {Rule("Foo.Example.COM", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(r.table->exact_hosts.count("foo.example.com"), 1u);
  EXPECT_EQ(Reach(r, "foo.example.com", "/"), "a");
  EXPECT_EQ(Reach(r, "FOO.example.com:443", "/"), "a");
  EXPECT_EQ(Reach(r, "foo.example.com.", "/"), "a");
  EXPECT_EQ(Reach(r, "[::1]:80", "/"), "404");
}

TEST(CompileTest, HostWithoutPathsStillOwnsTheHost) {
  World w;
  w.Service("any");
  w.Service("def");
  w.Ingress("a", 1).rules = {Rule("", {Path("/", "Prefix", "any")})};
  IngressInfo& b = w.Ingress("b", 2);
  b.rules = {Rule("quiet.com", {})};
  b.default_backend = Ref("def");
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "quiet.com", "/x"), "def");
  EXPECT_EQ(Reach(r, "loud.com", "/x"), "any");
}

// ---------------------------------------------------------------------------
// Conflicts.

TEST(CompileTest, DuplicatePathOldestWins) {
  World w;
  w.Service("first");
  w.Service("second");
  w.Ingress("b-old", 10).rules = {Rule("h", {Path("/x", "Prefix", "first")})};
  w.Ingress("a-new", 20).rules = {Rule("h", {Path("/x", "Prefix", "second"), Path("/x", "Exact", "second")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/x/y"), "first");
  EXPECT_EQ(Reach(r, "h", "/x"), "second");  // Exact is another type: no conflict
  auto ev = Events(r, "default/a-new", "Conflict");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, "Warning");
  EXPECT_NE(ev[0].message.find("default/b-old"), std::string::npos) << ev[0].message;
  EXPECT_NE(ev[0].message.find("\"/x\""), std::string::npos);
  EXPECT_TRUE(Events(r, "default/b-old", "Conflict").empty());
  EXPECT_TRUE(Served(r, "default/a-new"));  // still served for what it keeps
}

TEST(CompileTest, DuplicateSameCreationTimeOrderedByNamespaceThenName) {
  World w;
  w.Service("a", 8080, "", {}, "ns1");
  w.Service("a", 8080, "", {}, "ns2");
  w.Ingress("z", 5, "ns1").rules = {Rule("h", {Path("/", "Prefix", "a")})};
  w.Ingress("a", 5, "ns2").rules = {Rule("h", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  const Route* route = RouteOf(r, "h", "/");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->ingress_ns, "ns1");
  EXPECT_EQ(route->backend->ns, "ns1");
  ASSERT_EQ(Events(r, "ns2/a", "Conflict").size(), 1u);
}

TEST(CompileTest, PrefixAndImplementationSpecificConflict) {
  World w;
  w.Service("a");
  w.Service("b");
  w.Ingress("one", 1).rules = {Rule("h", {Path("/x", "Prefix", "a")})};
  w.Ingress("two", 2).rules = {Rule("h", {Path("/x", "ImplementationSpecific", "b")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/x"), "a");
  EXPECT_EQ(Events(r, "default/two", "Conflict").size(), 1u);
}

TEST(CompileTest, RulesMergeAcrossIngresses) {
  World w;
  w.Service("api");
  w.Service("web");
  w.Ingress("api", 1).rules = {Rule("shop.com", {Path("/api", "Prefix", "api")})};
  w.Ingress("web", 2).rules = {Rule("shop.com", {Path("/", "Prefix", "web")})};
  CompileResult r = w.Compile();
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(Reach(r, "shop.com", "/api/cart"), "api");
  EXPECT_EQ(Reach(r, "shop.com", "/cart"), "web");
}

// ---------------------------------------------------------------------------
// Default routes.

TEST(CompileTest, IngressDefaultBackendCoversItsHosts) {
  World w;
  for (const char* s : {"api", "fallback", "catch-all"}) w.Service(s);
  IngressInfo& i = w.Ingress("i", 1);
  i.rules = {Rule("a.com", {Path("/api", "Prefix", "api")}), Rule("b.com", {Path("/api", "Prefix", "api")})};
  i.default_backend = Ref("fallback");
  w.Ingress("catch", 2).default_backend = Ref("catch-all");
  w.Ingress("other", 3).rules = {Rule("c.com", {Path("/api", "Prefix", "api")})};
  CompileResult r = w.Compile();
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(Reach(r, "a.com", "/web"), "fallback");
  EXPECT_EQ(Reach(r, "b.com", "/web"), "fallback");
  EXPECT_EQ(Reach(r, "c.com", "/web"), "catch-all");
  EXPECT_EQ(Reach(r, "d.com", "/"), "catch-all");
  const VirtualHost* a = FindHost(*r.table, "a.com");
  ASSERT_TRUE(a->default_route);
  EXPECT_EQ(a->default_route->ingress_name, "i");
  EXPECT_EQ(a->default_route->path, "/");
  EXPECT_FALSE(r.table->any_host.default_route);
}

TEST(CompileTest, OldestCatchAllWins) {
  World w;
  w.Service("one");
  w.Service("two");
  w.Ingress("two", 2).default_backend = Ref("two");
  w.Ingress("one", 1).default_backend = Ref("one");
  w.config.default_backend_service = "default/two";
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "x", "/"), "one");
  EXPECT_EQ(Events(r, "default/two", "Conflict").size(), 1u);
}

TEST(CompileTest, HostDefaultBackendOldestWins) {
  World w;
  w.Service("one");
  w.Service("two");
  IngressInfo& a = w.Ingress("a", 1);
  a.rules = {Rule("h", {})};
  a.default_backend = Ref("one");
  IngressInfo& b = w.Ingress("b", 2);
  b.rules = {Rule("h", {})};
  b.default_backend = Ref("two");
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/"), "one");
  EXPECT_EQ(Events(r, "default/b", "Conflict").size(), 1u);
}

TEST(CompileTest, DefaultBackendServiceFlag) {
  World w;
  w.Service("default-http-backend", 80, "http", {}, "ingress-nginx");
  w.config.default_backend_service = "ingress-nginx/default-http-backend";
  CompileResult r = w.Compile();
  ASSERT_TRUE(r.table->default_route);
  EXPECT_EQ(r.table->default_route->ingress_name, "");
  const Backend& b = *r.table->default_route->backend;
  EXPECT_EQ(b.error, "");
  EXPECT_EQ(b.port, "http");
  EXPECT_EQ(b.UpstreamName(), "ingress-nginx-default-http-backend-http");
  EXPECT_EQ(Reach(r, "anything", "/x"), "default-http-backend");

  w.config.default_backend_service = "ingress-nginx/missing";
  r = w.Compile();
  EXPECT_EQ(Reach(r, "anything", "/"), "503 service \"ingress-nginx/missing\" not found");
  w.config.default_backend_service = "no-slash";
  r = w.Compile();
  ASSERT_TRUE(r.table->default_route);
  EXPECT_NE(r.table->default_route->backend->error, "");
  w.config.default_backend_service = "";
  r = w.Compile();
  EXPECT_FALSE(r.table->default_route);
  EXPECT_EQ(Reach(r, "anything", "/"), "404");
}

}  // namespace
}  // namespace netkube::ingress
