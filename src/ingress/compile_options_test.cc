// Compile: backend resolution, annotations, regex paths, canaries and TLS.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <set>

#include "ingress/compile.h"
#include "ingress/compile_testing.h"

namespace netkube::ingress {
namespace {

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
