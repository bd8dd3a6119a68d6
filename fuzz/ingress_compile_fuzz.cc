// Fuzzes the ingress route compiler and matcher (ingress/compile.h,
// ingress/route_table.h): Ingresses, classes, Services, EndpointSlices and
// Secrets built from the input (hosts, paths, path types, annotations and
// regexes taken from it), compiled, then matched against requests also taken
// from it. Never a crash, a hang or a sanitizer report, and:
//   - served holds exactly the Ingresses IsOurs accepts minus refused ones;
//   - every route has a backend, every regex route a compiled regex;
//   - Match's answer is the first matching route of the chosen host, and no
//     matching route of that host has a longer match length;
//   - compiling twice with one seed gives the same table shape.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingress/annotations.h"
#include "ingress/compile.h"

namespace {

using namespace netkube::ingress;

const char* const kHosts[] = {"", "foo.com", "*.foo.com", "bar.foo.com", "a.b.foo.com", "Foo.COM."};
const char* const kPaths[] = {"/", "/foo", "/foo/", "/foo/bar", "/aaa/bbb", "/(.*)", "/api(/|$)(.*)", ""};
const char* const kTypes[] = {"Exact", "Prefix", "ImplementationSpecific", "", "Bogus"};
const char* const kServices[] = {"s1", "s2", "ext", "missing", ""};
const char* const kAnnotations[] = {
    "rewrite-target",  "use-regex",          "app-root",          "ssl-redirect",
    "proxy-body-size", "proxy-read-timeout", "allowlist-source-range", "affinity",
    "session-cookie-name", "permanent-redirect", "permanent-redirect-code", "backend-protocol",
    "canary",          "canary-weight",      "canary-weight-total", "canary-by-header",
    "canary-by-header-value", "configuration-snippet", "auth-url", "canary-weight"};

template <size_t N>
std::string Pick(FuzzedDataProvider& in, const char* const (&pool)[N]) {
  // One in four: a string from the input instead.
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0) return in.ConsumeRandomLengthString(48);
  return pool[in.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

BackendRef Ref(FuzzedDataProvider& in) {
  BackendRef r;
  r.service = Pick(in, kServices);
  if (in.ConsumeBool()) {
    r.port_name = in.ConsumeBool() ? "http" : in.ConsumeRandomLengthString(8);
  } else {
    r.port_number = in.ConsumeIntegralInRange<int32_t>(0, 9000);
  }
  return r;
}

Snapshot Build(FuzzedDataProvider& in, ControllerConfig& config) {
  Snapshot s;
  s.classes["nginx"] = {"nginx", "k8s.io/ingress-nginx", in.ConsumeBool()};
  s.classes["other"] = {"other", "example.com/other", in.ConsumeBool()};
  config.watch_without_class = in.ConsumeBool();
  if (in.ConsumeBool()) config.default_backend_service = in.ConsumeBool() ? "default/s1" : "bad";
  if (in.ConsumeBool()) config.default_ssl_certificate = "default/tls";

  s.services["default/s1"] = {"default", "s1", "ClusterIP", {{"http", 80, "TCP"}, {"", 8080, "TCP"}}};
  s.services["default/s2"] = {"default", "s2", "ClusterIP", {{"", 8080, in.ConsumeBool() ? "TCP" : "UDP"}}};
  s.services["default/ext"] = {"default", "ext", "ExternalName", {}};
  int nslices = in.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < nslices; ++i) {
    EndpointSliceInfo sl;
    sl.ns = "default";
    sl.name = "slice-" + std::to_string(i);
    sl.service = in.ConsumeBool() ? "s1" : "s2";
    sl.ports = {{in.ConsumeBool() ? "http" : "", in.ConsumeIntegralInRange<int32_t>(-1, 70000),
                 in.ConsumeBool() ? "TCP" : "SCTP"}};
    int neps = in.ConsumeIntegralInRange<int>(0, 4);
    for (int j = 0; j < neps; ++j) {
      EndpointInfo e;
      e.addresses = {"10.0.0." + std::to_string(in.ConsumeIntegralInRange<int>(0, 5))};
      e.ready = in.ConsumeBool();
      e.serving = in.ConsumeBool();
      e.terminating = in.ConsumeBool();
      sl.endpoints.push_back(e);
    }
    s.slices["default/" + sl.name] = sl;
  }
  if (in.ConsumeBool()) {
    s.secrets["default/tls"] = {"default", "tls", in.ConsumeBool() ? "kubernetes.io/tls" : "Opaque",
                                in.ConsumeBool() ? "CERT" : "", "KEY", "1"};
  }

  int ningresses = in.ConsumeIntegralInRange<int>(0, 6);
  for (int i = 0; i < ningresses; ++i) {
    IngressInfo ing;
    ing.ns = in.ConsumeBool() ? "default" : "other";
    ing.name = "ing-" + std::to_string(i);
    ing.created = in.ConsumeIntegralInRange<int64_t>(0, 3);
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        ing.class_name = "nginx";
        break;
      case 1:
        ing.class_name = in.ConsumeBool() ? "other" : "missing";
        break;
      case 2:
        ing.annotations["kubernetes.io/ingress.class"] = in.ConsumeBool() ? "nginx" : "x";
        break;
      default:
        break;
    }
    int nann = in.ConsumeIntegralInRange<int>(0, 4);
    for (int j = 0; j < nann; ++j) {
      std::string key = std::string(kAnnotationPrefix) + Pick(in, kAnnotations);
      ing.annotations[key] = in.ConsumeRandomLengthString(24);
    }
    int nrules = in.ConsumeIntegralInRange<int>(0, 3);
    for (int j = 0; j < nrules; ++j) {
      IngressRuleInfo r;
      r.host = Pick(in, kHosts);
      int npaths = in.ConsumeIntegralInRange<int>(0, 4);
      for (int k = 0; k < npaths; ++k) {
        IngressPathInfo p;
        p.path = Pick(in, kPaths);
        p.path_type = Pick(in, kTypes);
        p.backend = Ref(in);
        r.paths.push_back(p);
      }
      ing.rules.push_back(r);
    }
    if (in.ConsumeBool()) ing.default_backend = Ref(in);
    if (in.ConsumeBool()) {
      IngressTlsInfo t;
      if (in.ConsumeBool()) t.hosts = {Pick(in, kHosts)};
      t.secret_name = in.ConsumeBool() ? "tls" : "nope";
      ing.tls.push_back(t);
    }
    s.ingresses[ing.ns + "/" + ing.name] = ing;
  }
  return s;
}

size_t MatchLength(const Route& r) {
  if (r.type != PathType::kPrefix && r.type != PathType::kImplementationSpecific) return r.path.size();
  size_t n = r.path.size();
  while (n > 0 && r.path[n - 1] == '/') --n;
  return n;
}

bool Matches(const Route& r, std::string_view path) {
  RouteTable t;
  t.any_host.routes.push_back(r);
  return Match(t, "", path).route != nullptr;
}

void CheckHost(const VirtualHost& v) {
  for (const Route& r : v.routes) {
    if (!r.backend) std::abort();
    if (r.type == PathType::kRegex && !r.regex) std::abort();
    if (r.canary && !r.canary->backend) std::abort();
  }
  if (v.default_route && !v.default_route->backend) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  ControllerConfig config;
  Snapshot s = Build(in, config);
  CompileResult r = Compile(s, config, /*seed=*/7);
  if (!r.table) std::abort();

  // served = ours minus refused.
  size_t expect = 0;
  for (const auto& [key, ing] : s.ingresses)
    if (IsOurs(ing, s.classes, config) && SnippetAnnotations(ing.annotations).empty()) ++expect;
  if (r.served.size() != expect) std::abort();

  const RouteTable& t = *r.table;
  CheckHost(t.any_host);
  for (const auto& [k, v] : t.exact_hosts) CheckHost(v);
  for (const auto& [k, v] : t.wildcard_hosts) CheckHost(v);
  if (t.default_route && !t.default_route->backend) std::abort();

  CompileResult again = Compile(s, config, /*seed=*/7);
  if (again.table->exact_hosts.size() != t.exact_hosts.size() ||
      again.table->any_host.routes.size() != t.any_host.routes.size() ||
      again.events.size() != r.events.size())
    std::abort();

  while (in.remaining_bytes() > 0) {
    std::string host = NormalizeHost(Pick(in, kHosts));
    std::string path = Pick(in, kPaths);
    MatchResult m = Match(t, host, path);
    if (m.vhost == nullptr) {
      if (m.route != nullptr && m.route != (t.default_route ? &*t.default_route : nullptr)) std::abort();
      continue;
    }
    const Route* first = nullptr;
    for (const Route& route : m.vhost->routes) {
      if (Matches(route, path)) {
        if (first == nullptr) first = &route;
        if (MatchLength(route) > MatchLength(*first)) std::abort();  // not sorted
      }
    }
    if (first != nullptr && m.route != first) std::abort();
    (void)Cidr::Parse(path);
  }
  return 0;
}
