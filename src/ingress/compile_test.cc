#include "ingress/compile.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <set>

namespace netkube::ingress {
namespace {

const std::string kNginx = "nginx";
const std::string kOurController = "k8s.io/ingress-nginx";
const std::string kPrefix = "nginx.ingress.kubernetes.io/";

IngressPathInfo Path(const std::string& path, const std::string& type, const std::string& service,
                     int32_t port = 8080) {
  IngressPathInfo p;
  p.path = path;
  p.path_type = type;
  p.backend.service = service;
  p.backend.port_number = port;
  return p;
}

IngressPathInfo NamedPortPath(const std::string& path, const std::string& type, const std::string& service,
                              const std::string& port_name) {
  IngressPathInfo p = Path(path, type, service, 0);
  p.backend.port_name = port_name;
  return p;
}

IngressRuleInfo Rule(const std::string& host, std::vector<IngressPathInfo> paths) {
  IngressRuleInfo r;
  r.host = host;
  r.paths = std::move(paths);
  return r;
}

BackendRef Ref(const std::string& service, int32_t port = 8080) {
  BackendRef b;
  b.service = service;
  b.port_number = port;
  return b;
}

// A cluster: our IngressClass "nginx", Services and their slices.
class World {
 public:
  World() {
    IngressClassInfo c;
    c.name = kNginx;
    c.controller = kOurController;
    snapshot.classes[c.name] = c;
  }

  // An Ingress of class "nginx"; `created` orders them.
  IngressInfo& Ingress(const std::string& name, int64_t created = 0, const std::string& ns = "default") {
    IngressInfo& i = snapshot.ingresses[ns + "/" + name];
    i.ns = ns;
    i.name = name;
    i.uid = "uid-" + name;
    i.created = created;
    i.class_name = kNginx;
    return i;
  }

  // A Service with one port and one ready endpoint per address.
  void Service(const std::string& name, int32_t port = 8080, const std::string& port_name = "",
               std::vector<std::string> ips = {}, const std::string& ns = "default") {
    ServiceInfo& s = snapshot.services[ns + "/" + name];
    s.ns = ns;
    s.name = name;
    s.type = "ClusterIP";
    ServicePortInfo sp;
    sp.name = port_name;
    sp.port = port;
    s.ports.push_back(sp);
    if (ips.empty()) ips = {"10.244.0." + std::to_string(10 + snapshot.services.size())};
    EndpointSliceInfo& sl = snapshot.slices[ns + "/" + name + "-abcde"];
    sl.ns = ns;
    sl.name = name + "-abcde";
    sl.service = name;
    EndpointSliceInfo::Port p;
    p.name = port_name;
    p.port = port;
    sl.ports.push_back(p);
    for (const std::string& ip : ips) {
      EndpointInfo e;
      e.addresses = {ip};
      e.pod = name + "-pod-" + ip;
      sl.endpoints.push_back(e);
    }
  }

  void Secret(const std::string& name, const std::string& type = "kubernetes.io/tls",
              const std::string& ns = "default") {
    SecretInfo& s = snapshot.secrets[ns + "/" + name];
    s.ns = ns;
    s.name = name;
    s.type = type;
    s.cert_pem = "-----BEGIN CERTIFICATE-----\n" + name;
    s.key_pem = "-----BEGIN PRIVATE KEY-----\n" + name;
    s.resource_version = "7";
  }

  CompileResult Compile(uint64_t seed = 1) const { return ingress::Compile(snapshot, config, seed); }

  Snapshot snapshot;
  ControllerConfig config;
};

// The Service a request reaches ("404" without a route, "503 <error>" when
// the backend has no endpoints).
std::string Reach(const CompileResult& r, std::string_view host, std::string_view path) {
  MatchResult m = Match(*r.table, NormalizeHost(host), path);
  if (m.route == nullptr) return "404";
  if (!m.route->backend->error.empty()) return "503 " + m.route->backend->error;
  return m.route->backend->service;
}

const Route* RouteOf(const CompileResult& r, std::string_view host, std::string_view path) {
  return Match(*r.table, NormalizeHost(host), path).route;
}

// Events of `ingress` ("ns/name") with `reason`.
std::vector<IngressEvent> Events(const CompileResult& r, const std::string& ingress, const std::string& reason) {
  std::vector<IngressEvent> out;
  for (const IngressEvent& e : r.events)
    if (e.ns + "/" + e.name == ingress && e.reason == reason) out.push_back(e);
  return out;
}

bool Served(const CompileResult& r, const std::string& key) {
  return std::find(r.served.begin(), r.served.end(), key) != r.served.end();
}

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

// ---------------------------------------------------------------------------
// Backends.

TEST(ResolveBackendTest, NamedPortAndTargetPort) {
  World w;
  // Service port "http" 80 → targetPort 8080: the slice carries the target.
  ServiceInfo& s = w.snapshot.services["default/web"];
  s.ns = "default";
  s.name = "web";
  s.type = "ClusterIP";
  s.ports = {{"metrics", 9090, "TCP"}, {"http", 80, "TCP"}};
  EndpointSliceInfo& sl = w.snapshot.slices["default/web-1"];
  sl.ns = "default";
  sl.name = "web-1";
  sl.service = "web";
  sl.ports = {{"metrics", 9091, "TCP"}, {"http", 8080, "TCP"}};
  EndpointInfo e;
  e.addresses = {"10.244.0.5"};
  e.pod = "web-0";
  sl.endpoints = {e};
  w.Ingress("by-name").rules = {Rule("n.com", {NamedPortPath("/", "Prefix", "web", "http")})};
  w.Ingress("by-number").rules = {Rule("m.com", {Path("/", "Prefix", "web", 80)})};
  CompileResult r = w.Compile();
  for (const char* host : {"n.com", "m.com"}) {
    const Route* route = RouteOf(r, host, "/");
    ASSERT_NE(route, nullptr);
    const Backend& b = *route->backend;
    EXPECT_EQ(b.error, "") << host;
    ASSERT_EQ(b.endpoints.size(), 1u);
    EXPECT_EQ(b.endpoints[0].ip, "10.244.0.5");
    EXPECT_EQ(b.endpoints[0].port, 8080);
    EXPECT_EQ(b.endpoints[0].pod, "web-0");
    EXPECT_TRUE(b.endpoints[0].ready);
  }
  EXPECT_EQ(RouteOf(r, "n.com", "/")->backend->port, "http");
  EXPECT_EQ(RouteOf(r, "m.com", "/")->backend->port, "80");
}

TEST(ResolveBackendTest, UnnamedPortMatchesUnnamedSlicePort) {
  World w;
  w.Service("web", 80, "", {"10.244.0.7"});
  w.Ingress("i").rules = {Rule("h", {Path("/", "Prefix", "web", 80)})};
  CompileResult r = w.Compile();
  ASSERT_EQ(RouteOf(r, "h", "/")->backend->endpoints.size(), 1u);
  EXPECT_EQ(RouteOf(r, "h", "/")->backend->endpoints[0].port, 80);
}

TEST(ResolveBackendTest, TerminatingFallbackAndDedupe) {
  World w;
  w.Service("web", 8080, "", {"10.0.0.1"});
  EndpointSliceInfo& sl = w.snapshot.slices["default/web-abcde"];
  sl.endpoints.clear();
  auto add = [&](EndpointSliceInfo& s, const std::string& ip, bool ready, bool serving, bool terminating) {
    EndpointInfo e;
    e.addresses = {ip};
    e.ready = ready;
    e.serving = serving;
    e.terminating = terminating;
    s.endpoints.push_back(e);
  };
  add(sl, "10.0.0.2", false, true, true);
  add(sl, "10.0.0.1", false, true, true);
  add(sl, "10.0.0.3", false, false, true);   // not serving
  add(sl, "10.0.0.4", false, false, false);  // starting
  // The same endpoint in a second slice (a slice being replaced).
  EndpointSliceInfo& sl2 = w.snapshot.slices["default/web-fghij"];
  sl2 = sl;
  sl2.name = "web-fghij";
  w.Ingress("i").rules = {Rule("h", {Path("/", "Prefix", "web")})};
  CompileResult r = w.Compile();
  const Backend& b = *RouteOf(r, "h", "/")->backend;
  EXPECT_EQ(b.error, "");
  ASSERT_EQ(b.endpoints.size(), 2u);
  EXPECT_EQ(b.endpoints[0].ip, "10.0.0.1");
  EXPECT_EQ(b.endpoints[1].ip, "10.0.0.2");
  EXPECT_FALSE(b.endpoints[0].ready);

  // One ready endpoint: only it is used.
  add(sl, "10.0.0.9", true, true, false);
  r = w.Compile();
  const Backend& b2 = *RouteOf(r, "h", "/")->backend;
  ASSERT_EQ(b2.endpoints.size(), 1u);
  EXPECT_EQ(b2.endpoints[0].ip, "10.0.0.9");
  EXPECT_TRUE(b2.endpoints[0].ready);
}

TEST(ResolveBackendTest, SlicesOfOtherServicesPortsAndProtocolsIgnored) {
  World w;
  w.Service("web", 8080, "http", {"10.0.0.1"});
  w.Service("web", 8080, "http", {"10.0.0.2"}, "other-ns");
  EndpointSliceInfo& udp = w.snapshot.slices["default/web-udp"];
  udp.ns = "default";
  udp.name = "web-udp";
  udp.service = "web";
  udp.ports = {{"http", 8080, "UDP"}};
  udp.endpoints = {EndpointInfo{{"10.0.0.3"}, true, true, false, ""}};
  EndpointSliceInfo& other_port = w.snapshot.slices["default/web-grpc"];
  other_port = udp;
  other_port.ports = {{"grpc", 9000, "TCP"}};
  other_port.endpoints = {EndpointInfo{{"10.0.0.4"}, true, true, false, ""}};
  w.Ingress("i").rules = {Rule("h", {NamedPortPath("/", "Prefix", "web", "http")})};
  CompileResult r = w.Compile();
  const Backend& b = *RouteOf(r, "h", "/")->backend;
  ASSERT_EQ(b.endpoints.size(), 1u);
  EXPECT_EQ(b.endpoints[0].ip, "10.0.0.1");
}

TEST(ResolveBackendTest, Errors) {
  World w;
  w.Service("web", 80);
  ServiceInfo& ext = w.snapshot.services["default/ext"];
  ext.ns = "default";
  ext.name = "ext";
  ext.type = "ExternalName";
  ServiceInfo& empty = w.snapshot.services["default/empty"];
  empty.ns = "default";
  empty.name = "empty";
  empty.ports = {{"", 8080, "TCP"}};
  ServiceInfo& dns = w.snapshot.services["default/dns"];
  dns.ns = "default";
  dns.name = "dns";
  dns.ports = {{"dns", 53, "UDP"}};
  IngressInfo& i = w.Ingress("i");
  IngressPathInfo resource = Path("/resource", "Prefix", "");
  i.rules = {Rule("h", {Path("/missing", "Prefix", "missing"), Path("/port", "Prefix", "web", 8080),
                        NamedPortPath("/named", "Prefix", "web", "https"), Path("/ext", "Prefix", "ext"),
                        Path("/empty", "Prefix", "empty"), Path("/dns", "Prefix", "dns", 53), resource})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/missing"), "503 service \"default/missing\" not found");
  EXPECT_EQ(Reach(r, "h", "/port"), "503 service \"default/web\" has no port 8080");
  EXPECT_EQ(Reach(r, "h", "/named"), "503 service \"default/web\" has no port \"https\"");
  EXPECT_EQ(Reach(r, "h", "/ext"), "503 ExternalName services are not supported");
  EXPECT_EQ(Reach(r, "h", "/empty"), "503 no endpoints for service \"default/empty\"");
  EXPECT_EQ(Reach(r, "h", "/dns"), "503 service \"default/dns\" port 53 is UDP, only TCP is proxied");
  EXPECT_EQ(Reach(r, "h", "/resource"), "503 resource backends are not supported");
  EXPECT_TRUE(Served(r, "default/i"));
}

TEST(ResolveBackendTest, SharedPerServicePort) {
  World w;
  w.Service("web");
  w.Ingress("a", 1).rules = {Rule("a.com", {Path("/", "Prefix", "web"), Path("/x", "Exact", "web")})};
  w.Ingress("b", 2).rules = {Rule("b.com", {Path("/", "Prefix", "web")})};
  IngressInfo& c = w.Ingress("c", 3);
  c.annotations[kPrefix + "backend-protocol"] = "HTTPS";
  c.rules = {Rule("c.com", {Path("/", "Prefix", "web")})};
  CompileResult r = w.Compile();
  const Route* a = RouteOf(r, "a.com", "/");
  const Route* ax = RouteOf(r, "a.com", "/x");
  const Route* b = RouteOf(r, "b.com", "/");
  const Route* cr = RouteOf(r, "c.com", "/");
  EXPECT_EQ(a->backend.get(), ax->backend.get());
  EXPECT_EQ(a->backend.get(), b->backend.get());
  EXPECT_FALSE(a->backend->https);
  EXPECT_NE(a->backend.get(), cr->backend.get());
  EXPECT_TRUE(cr->backend->https);
  EXPECT_EQ(a->backend->UpstreamName(), "default-web-8080");
}

TEST(ResolveBackendTest, CursorDependsOnlyOnSeed) {
  World w;
  w.Service("a");
  w.Service("b");
  w.Ingress("i").rules = {Rule("h", {Path("/a", "Prefix", "a"), Path("/b", "Prefix", "b")})};
  CompileResult r1 = w.Compile(42), r2 = w.Compile(42), r3 = w.Compile(43);
  uint64_t a1 = RouteOf(r1, "h", "/a")->backend->next, a2 = RouteOf(r2, "h", "/a")->backend->next;
  uint64_t b1 = RouteOf(r1, "h", "/b")->backend->next, a3 = RouteOf(r3, "h", "/a")->backend->next;
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b1);
  EXPECT_NE(a1, a3);
  // Random seeds spread too.
  std::set<uint64_t> starts;
  for (int i = 0; i < 5; ++i) starts.insert(RouteOf(w.Compile(0), "h", "/a")->backend->next);
  EXPECT_GT(starts.size(), 1u);
}

// ---------------------------------------------------------------------------
// Annotations through Compile.

TEST(CompileTest, SnippetAnnotationRefusesTheIngress) {
  World w;
  w.Service("a");
  IngressInfo& bad = w.Ingress("bad", 1);
  bad.annotations[kPrefix + "configuration-snippet"] = "more_set_headers \"X: y\";";
  bad.rules = {Rule("h", {Path("/", "Prefix", "a")})};
  bad.default_backend = Ref("a");
  w.Ingress("good", 2).rules = {Rule("g", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(r.served, std::vector<std::string>{"default/good"});
  EXPECT_EQ(Reach(r, "h", "/"), "404");
  EXPECT_FALSE(r.table->default_route);
  auto ev = Events(r, "default/bad", "AnnotationRefused");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, "Warning");
  EXPECT_NE(ev[0].message.find(kPrefix + "configuration-snippet"), std::string::npos);
  EXPECT_NE(ev[0].message.find("snippet annotations are disabled"), std::string::npos);
  EXPECT_EQ(r.events.size(), 1u);

  // Any *-snippet, several at once, named together.
  bad.annotations[kPrefix + "server-snippet"] = "x";
  r = w.Compile();
  ev = Events(r, "default/bad", "AnnotationRefused");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].message.find(kPrefix + "server-snippet"), std::string::npos);
}

TEST(CompileTest, InvalidAndUnsupportedAnnotationsWarnAndKeepDefaults) {
  World w;
  w.Service("a");
  IngressInfo& i = w.Ingress("i");
  i.annotations[kPrefix + "proxy-body-size"] = "big";
  i.annotations[kPrefix + "proxy-read-timeout"] = "120";
  i.annotations[kPrefix + "auth-url"] = "http://auth.example.com";
  i.rules = {Rule("h", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_TRUE(Served(r, "default/i"));
  auto ev = Events(r, "default/i", "InvalidAnnotation");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].message.find(kPrefix + "proxy-body-size"), std::string::npos);
  auto un = Events(r, "default/i", "UnsupportedAnnotation");
  ASSERT_EQ(un.size(), 1u);
  EXPECT_NE(un[0].message.find("auth-url"), std::string::npos);
  const Route* route = RouteOf(r, "h", "/");
  EXPECT_EQ(route->options.proxy_body_size, 1 << 20);
  EXPECT_EQ(route->options.read_timeout_ms, 120000);
}

TEST(CompileTest, OptionsArePerIngress) {
  World w;
  w.Service("a");
  IngressInfo& i = w.Ingress("i", 1);
  i.annotations[kPrefix + "allowlist-source-range"] = "10.0.0.0/8";
  i.annotations[kPrefix + "ssl-redirect"] = "false";
  i.rules = {Rule("h", {Path("/admin", "Prefix", "a")})};
  i.default_backend = Ref("a");
  w.Ingress("j", 2).rules = {Rule("h", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(RouteOf(r, "h", "/admin")->options.allowlist.size(), 1u);
  EXPECT_FALSE(RouteOf(r, "h", "/admin")->options.ssl_redirect);
  EXPECT_TRUE(RouteOf(r, "h", "/")->options.allowlist.empty());
  EXPECT_TRUE(RouteOf(r, "h", "/")->options.ssl_redirect);
  EXPECT_EQ(FindHost(*r.table, "h")->default_route->options.allowlist.size(), 1u);
}

// ---------------------------------------------------------------------------
// Regex paths and rewrite-target.

TEST(CompileTest, RewriteTargetMakesRegexPaths) {
  World w;
  w.Service("svc");
  w.Service("plain");
  IngressInfo& i = w.Ingress("rewrite", 1);
  i.annotations[kPrefix + "rewrite-target"] = "/$2";
  i.rules = {Rule("rewrite.bar.com", {Path("/something(/|$)(.*)", "ImplementationSpecific", "svc")})};
  // Another Ingress on the same host, without annotations: regex too.
  w.Ingress("plain", 2).rules = {Rule("rewrite.bar.com", {Path("/foo", "Prefix", "plain")}),
                                 Rule("other.com", {Path("/foo", "Prefix", "plain")})};
  CompileResult r = w.Compile();
  ASSERT_TRUE(r.events.empty()) << r.events[0].message;
  const Route* route = RouteOf(r, "rewrite.bar.com", "/something/new");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->type, PathType::kRegex);
  EXPECT_EQ(route->options.rewrite_target, "/$2");
  ASSERT_NE(route->regex, nullptr);
  // The proxy's rewrite: "/$2" with the captures of the match.
  std::string target = route->options.rewrite_target, out;
  re2::StringPiece input("/something/new"), groups[3];
  ASSERT_TRUE(route->regex->Match(input, 0, input.size(), re2::RE2::ANCHOR_START, groups, 3));
  ASSERT_TRUE(route->regex->Rewrite(&out, "/\\2", groups, 3));
  EXPECT_EQ(out, "/new");

  EXPECT_EQ(Reach(r, "rewrite.bar.com", "/something"), "svc");
  EXPECT_EQ(Reach(r, "rewrite.bar.com", "/SOMETHING/x"), "svc");  // case-insensitive
  EXPECT_EQ(Reach(r, "rewrite.bar.com", "/somethingelse"), "404");
  EXPECT_EQ(Reach(r, "rewrite.bar.com", "/foobar"), "plain");  // regex prefix, as ingress-nginx
  EXPECT_EQ(Reach(r, "rewrite.bar.com", "/FOO"), "plain");
  EXPECT_EQ(RouteOf(r, "rewrite.bar.com", "/foo")->type, PathType::kRegex);
  EXPECT_EQ(RouteOf(r, "rewrite.bar.com", "/foo")->options.rewrite_target, "");
  // Other hosts keep their types.
  EXPECT_EQ(Reach(r, "other.com", "/foobar"), "404");
  EXPECT_EQ(RouteOf(r, "other.com", "/foo")->type, PathType::kPrefix);
}

TEST(CompileTest, UseRegexAndInvalidRegex) {
  World w;
  w.Service("a");
  w.Service("b");
  IngressInfo& i = w.Ingress("re", 1);
  i.annotations[kPrefix + "use-regex"] = "true";
  i.rules = {Rule("h", {Path("/api/v[0-9]+/users", "ImplementationSpecific", "a"),
                        Path("/broken(", "ImplementationSpecific", "a"), Path("/exact", "Exact", "b")})};
  CompileResult r = w.Compile();
  auto ev = Events(r, "default/re", "InvalidRegex");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].message.find("/broken("), std::string::npos);
  EXPECT_EQ(Reach(r, "h", "/api/v2/users/7"), "a");
  EXPECT_EQ(Reach(r, "h", "/API/V10/USERS"), "a");
  EXPECT_EQ(Reach(r, "h", "/api/vx/users"), "404");
  EXPECT_EQ(Reach(r, "h", "/exactly"), "b");  // Exact too becomes a regex prefix
  EXPECT_EQ(FindHost(*r.table, "h")->routes.size(), 2u);
  // Longest pattern first.
  EXPECT_EQ(FindHost(*r.table, "h")->routes[0].path, "/api/v[0-9]+/users");
  // use-regex "false" changes nothing.
  i.annotations[kPrefix + "use-regex"] = "false";
  i.rules = {Rule("h", {Path("/exact", "Exact", "b")})};
  r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/exactly"), "404");
}

TEST(CompileTest, InvalidPathType) {
  World w;
  w.Service("a");
  w.Ingress("i").rules = {Rule("h", {Path("/x", "Glob", "a"), Path("y", "Prefix", "a"), Path("/z", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Events(r, "default/i", "InvalidPath").size(), 2u);
  EXPECT_EQ(FindHost(*r.table, "h")->routes.size(), 1u);
}

// ---------------------------------------------------------------------------
// Canary.

TEST(CompileTest, CanaryAttachesToMainRoute) {
  World w;
  w.Service("prod");
  w.Service("canary");
  w.Ingress("main", 1).rules = {Rule("h", {Path("/", "Prefix", "prod"), Path("/api", "Prefix", "prod")})};
  IngressInfo& c = w.Ingress("main-canary", 2);
  c.annotations[kPrefix + "canary"] = "true";
  c.annotations[kPrefix + "canary-weight"] = "20";
  c.annotations[kPrefix + "canary-by-header"] = "X-Canary";
  c.annotations[kPrefix + "canary-by-header-value"] = "yes";
  c.rules = {Rule("h", {Path("/api", "Prefix", "canary"), Path("/new", "Prefix", "canary")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(Reach(r, "h", "/api"), "prod");  // the main route stays
  const Route* api = RouteOf(r, "h", "/api");
  ASSERT_TRUE(api->canary);
  EXPECT_EQ(api->canary->backend->service, "canary");
  EXPECT_EQ(api->canary->header, "X-Canary");
  EXPECT_EQ(api->canary->header_value, "yes");
  EXPECT_EQ(api->canary->weight, 20);
  EXPECT_EQ(api->canary->weight_total, 100);
  EXPECT_FALSE(RouteOf(r, "h", "/")->canary);
  // "/new" has no main route: ignored with a Warning, and adds no route.
  EXPECT_EQ(Reach(r, "h", "/new"), "prod");
  auto ev = Events(r, "default/main-canary", "CanaryIgnored");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].message.find("/new"), std::string::npos);
  EXPECT_EQ(FindHost(*r.table, "h")->routes.size(), 2u);
  EXPECT_TRUE(Served(r, "default/main-canary"));
}

TEST(CompileTest, CanaryWithoutAnyMainAndSecondCanary) {
  World w;
  w.Service("prod");
  w.Service("c1");
  w.Service("c2");
  w.Ingress("main", 1).rules = {Rule("h", {Path("/", "Prefix", "prod")})};
  for (auto [name, svc, created] : {std::tuple{"c1", "c1", 2}, std::tuple{"c2", "c2", 3}}) {
    IngressInfo& c = w.Ingress(name, created);
    c.annotations[kPrefix + "canary"] = "true";
    c.rules = {Rule("h", {Path("/", "Prefix", svc)})};
  }
  IngressInfo& lonely = w.Ingress("lonely", 4);
  lonely.annotations[kPrefix + "canary"] = "true";
  lonely.rules = {Rule("nobody.com", {Path("/", "Prefix", "c1")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(RouteOf(r, "h", "/")->canary->backend->service, "c1");
  EXPECT_EQ(Events(r, "default/c2", "Conflict").size(), 1u);
  EXPECT_EQ(Events(r, "default/lonely", "CanaryIgnored").size(), 1u);
  EXPECT_EQ(Reach(r, "nobody.com", "/"), "404");
}

TEST(CompileTest, CanaryOnRegexHost) {
  World w;
  w.Service("prod");
  w.Service("canary");
  IngressInfo& m = w.Ingress("main", 1);
  m.annotations[kPrefix + "use-regex"] = "true";
  m.rules = {Rule("h", {Path("/v[12]", "ImplementationSpecific", "prod")})};
  IngressInfo& c = w.Ingress("canary", 2);
  c.annotations[kPrefix + "canary"] = "true";
  c.annotations[kPrefix + "canary-by-header"] = "X-Canary";
  c.rules = {Rule("h", {Path("/v[12]", "ImplementationSpecific", "canary")})};
  CompileResult r = w.Compile();
  ASSERT_TRUE(r.events.empty()) << r.events[0].message;
  ASSERT_TRUE(RouteOf(r, "h", "/v1")->canary);
  EXPECT_EQ(RouteOf(r, "h", "/v1")->canary->backend->service, "canary");
}

// ---------------------------------------------------------------------------
// TLS.

TEST(CompileTest, TlsMissingAndInvalidSecrets) {
  World w;
  w.Service("a");
  w.Secret("wrong-type", "kubernetes.io/basic-auth");
  w.Secret("no-key");
  w.snapshot.secrets["default/no-key"].key_pem.clear();
  w.Secret("opaque", "Opaque");
  IngressInfo& i = w.Ingress("i");
  i.tls = {{{"missing.com"}, "missing"}, {{"wrong.com"}, "wrong-type"}, {{"nokey.com"}, "no-key"},
           {{"opaque.com"}, "opaque"}};
  for (const char* h : {"missing.com", "wrong.com", "nokey.com", "opaque.com"})
    i.rules.push_back(Rule(h, {Path("/", "Prefix", "a")}));
  CompileResult r = w.Compile();
  auto nf = Events(r, "default/i", "SecretNotFound");
  ASSERT_EQ(nf.size(), 1u);
  EXPECT_NE(nf[0].message.find("default/missing"), std::string::npos);
  auto inv = Events(r, "default/i", "InvalidSecret");
  ASSERT_EQ(inv.size(), 2u);
  EXPECT_NE(inv[0].message.find("default/wrong-type"), std::string::npos);
  EXPECT_NE(inv[1].message.find("default/no-key"), std::string::npos);
  for (const char* h : {"missing.com", "wrong.com", "nokey.com"}) {
    const VirtualHost* v = FindHost(*r.table, h);
    EXPECT_TRUE(v->has_tls) << h;
    EXPECT_EQ(v->tls_secret, "") << h;
  }
  EXPECT_EQ(FindHost(*r.table, "opaque.com")->tls_secret, "default/opaque");
  EXPECT_EQ(r.table->certificates.size(), 1u);
  EXPECT_EQ(Reach(r, "missing.com", "/"), "a");  // still served
}

TEST(CompileTest, WildcardTlsHostCoversRuleHostsOneLabelBelow) {
  World w;
  w.Service("a");
  w.Secret("wild");
  w.Secret("exact");
  IngressInfo& i = w.Ingress("i", 1);
  i.tls = {{{"*.example.com"}, "wild"}, {{"own.example.com"}, "exact"}};
  for (const char* h : {"app.example.com", "own.example.com", "deep.app.example.com", "example.com"})
    i.rules.push_back(Rule(h, {Path("/", "Prefix", "a")}));
  CompileResult r = w.Compile();
  EXPECT_EQ(FindHost(*r.table, "app.example.com")->tls_secret, "default/wild");
  EXPECT_TRUE(FindHost(*r.table, "app.example.com")->has_tls);
  EXPECT_EQ(FindHost(*r.table, "own.example.com")->tls_secret, "default/exact");  // the exact entry wins
  EXPECT_FALSE(FindHost(*r.table, "deep.app.example.com")->has_tls);  // two labels below
  EXPECT_FALSE(FindHost(*r.table, "example.com")->has_tls);
}

TEST(CompileTest, TlsWithoutHostsCoversTheIngressHosts) {
  World w;
  w.Service("a");
  w.Secret("cert");
  IngressInfo& i = w.Ingress("i", 1);
  i.tls = {{{}, "cert"}};
  i.rules = {Rule("a.com", {Path("/", "Prefix", "a")}), Rule("*.b.com", {Path("/", "Prefix", "a")})};
  w.Ingress("j", 2).rules = {Rule("c.com", {Path("/", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(FindHost(*r.table, "a.com")->tls_secret, "default/cert");
  EXPECT_EQ(FindHost(*r.table, "x.b.com")->tls_secret, "default/cert");
  EXPECT_FALSE(FindHost(*r.table, "c.com")->has_tls);
}

TEST(CompileTest, TlsOldestIngressWinsAHostAndForeignHostsIgnored) {
  World w;
  w.Service("a");
  w.Secret("old");
  w.Secret("new");
  IngressInfo& a = w.Ingress("a", 1);
  a.tls = {{{"h.com", "unruled.com"}, "old"}};
  a.rules = {Rule("h.com", {Path("/", "Prefix", "a")})};
  IngressInfo& b = w.Ingress("b", 2);
  b.tls = {{{"h.com"}, "new"}};
  b.rules = {Rule("h.com", {Path("/b", "Prefix", "a")})};
  CompileResult r = w.Compile();
  EXPECT_EQ(FindHost(*r.table, "h.com")->tls_secret, "default/old");
  EXPECT_EQ(r.table->exact_hosts.count("unruled.com"), 0u);
}

TEST(CompileTest, DefaultSslCertificate) {
  World w;
  w.Secret("default-cert", "kubernetes.io/tls", "ingress-nginx");
  w.config.default_ssl_certificate = "ingress-nginx/default-cert";
  CompileResult r = w.Compile();
  ASSERT_EQ(r.table->certificates.count("ingress-nginx/default-cert"), 1u);
  EXPECT_EQ(r.table->certificates.at("ingress-nginx/default-cert").key, "ingress-nginx/default-cert");
  w.config.default_ssl_certificate = "ingress-nginx/absent";
  r = w.Compile();
  EXPECT_TRUE(r.table->certificates.empty());
}

TEST(CompileTest, EmptySnapshot) {
  World w;
  CompileResult r = w.Compile();
  ASSERT_NE(r.table, nullptr);
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.served.empty());
  EXPECT_EQ(Reach(r, "any", "/"), "404");
}

}  // namespace
}  // namespace netkube::ingress
