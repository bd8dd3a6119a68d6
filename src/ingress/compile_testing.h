// Test fixtures for compile.h: builders of Ingresses and rules, a World
// (our IngressClass, Services and their EndpointSlices, Secrets) and lookups
// on a CompileResult. Shared by compile_test.cc and compile_options_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "ingress/compile.h"

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

}  // namespace
}  // namespace netkube::ingress
