#include "ingress/convert.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "client/kubeconfig.h"
#include "client/meta.h"
#include "util/base64.h"

namespace netkube::ingress {
namespace {

using nlohmann::json;

// Safe readers: a missing key or a value of another type reads as absent.
const json* Member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json* ObjectAt(const json& obj, std::string_view key) {
  const json* v = Member(obj, key);
  return v != nullptr && v->is_object() ? v : nullptr;
}

const json& ArrayAt(const json& obj, std::string_view key) {
  static const json kEmpty = json::array();
  const json* v = Member(obj, key);
  return v != nullptr && v->is_array() ? *v : kEmpty;
}

std::string StringAt(const json& obj, std::string_view key, std::string def = "") {
  const json* v = Member(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : def;
}

std::optional<bool> BoolAt(const json& obj, std::string_view key) {
  const json* v = Member(obj, key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

int32_t IntAt(const json& obj, std::string_view key) {
  const json* v = Member(obj, key);
  if (v == nullptr || !v->is_number_integer()) return 0;
  return static_cast<int32_t>(v->get<int64_t>());
}

// metadata.labels / metadata.annotations as a string map (non-strings skipped).
std::map<std::string, std::string> StringMap(const json& obj, std::string_view field) {
  std::map<std::string, std::string> out;
  const json* meta = ObjectAt(obj, "metadata");
  const json* m = meta != nullptr ? ObjectAt(*meta, field) : nullptr;
  if (m == nullptr) return out;
  for (auto it = m->begin(); it != m->end(); ++it)
    if (it->is_string()) out.emplace(it.key(), it->get<std::string>());
  return out;
}

// {"service": {"name", "port": {"number"|"name"}}} or {"resource": {...}}.
BackendRef BackendOf(const json& backend) {
  BackendRef ref;
  const json* svc = ObjectAt(backend, "service");
  if (svc == nullptr) return ref;  // a `resource` backend
  ref.service = StringAt(*svc, "name");
  if (const json* port = ObjectAt(*svc, "port")) {
    ref.port_name = StringAt(*port, "name");
    ref.port_number = IntAt(*port, "number");
  }
  return ref;
}

}  // namespace

int64_t UnixSecondsOf(std::string_view rfc3339) {
  if (rfc3339.empty()) return 0;
  auto t = client::ParseTime(rfc3339);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

std::optional<IngressInfo> IngressFromJson(const json& obj) {
  std::string name = client::GetString(obj, {"metadata", "name"});
  if (name.empty()) return std::nullopt;
  IngressInfo in;
  in.ns = client::GetString(obj, {"metadata", "namespace"});
  in.name = std::move(name);
  in.uid = client::GetString(obj, {"metadata", "uid"});
  in.created = UnixSecondsOf(client::GetString(obj, {"metadata", "creationTimestamp"}));
  in.annotations = StringMap(obj, "annotations");
  const json* spec = ObjectAt(obj, "spec");
  if (spec == nullptr) return in;
  if (const json* c = Member(*spec, "ingressClassName"); c != nullptr && c->is_string())
    in.class_name = c->get<std::string>();
  if (const json* b = ObjectAt(*spec, "defaultBackend")) in.default_backend = BackendOf(*b);
  for (const json& r : ArrayAt(*spec, "rules")) {
    IngressRuleInfo rule;
    rule.host = StringAt(r, "host");
    if (const json* http = ObjectAt(r, "http")) {
      for (const json& p : ArrayAt(*http, "paths")) {
        IngressPathInfo path;
        path.path = StringAt(p, "path");
        path.path_type = StringAt(p, "pathType", "ImplementationSpecific");
        if (const json* b = ObjectAt(p, "backend")) path.backend = BackendOf(*b);
        rule.paths.push_back(std::move(path));
      }
    }
    in.rules.push_back(std::move(rule));
  }
  for (const json& t : ArrayAt(*spec, "tls")) {
    IngressTlsInfo tls;
    for (const json& h : ArrayAt(t, "hosts"))
      if (h.is_string()) tls.hosts.push_back(h.get<std::string>());
    tls.secret_name = StringAt(t, "secretName");
    in.tls.push_back(std::move(tls));
  }
  return in;
}

std::optional<IngressClassInfo> IngressClassFromJson(const json& obj) {
  std::string name = client::GetString(obj, {"metadata", "name"});
  if (name.empty()) return std::nullopt;
  IngressClassInfo c;
  c.name = std::move(name);
  c.controller = client::GetString(obj, {"spec", "controller"});
  auto annotations = StringMap(obj, "annotations");
  auto it = annotations.find("ingressclass.kubernetes.io/is-default-class");
  c.is_default = it != annotations.end() && it->second == "true";
  return c;
}

std::optional<ServiceInfo> ServiceFromJson(const json& obj) {
  std::string name = client::GetString(obj, {"metadata", "name"});
  if (name.empty()) return std::nullopt;
  ServiceInfo s;
  s.ns = client::GetString(obj, {"metadata", "namespace"});
  s.name = std::move(name);
  s.type = "ClusterIP";
  const json* spec = ObjectAt(obj, "spec");
  if (spec == nullptr) return s;
  s.type = StringAt(*spec, "type", "ClusterIP");
  for (const json& p : ArrayAt(*spec, "ports")) {
    ServicePortInfo port;
    port.name = StringAt(p, "name");
    port.port = IntAt(p, "port");
    port.protocol = StringAt(p, "protocol", "TCP");
    s.ports.push_back(std::move(port));
  }
  return s;
}

std::optional<EndpointSliceInfo> EndpointSliceFromJson(const json& obj) {
  std::string name = client::GetString(obj, {"metadata", "name"});
  if (name.empty()) return std::nullopt;
  if (StringAt(obj, "addressType") == "FQDN") return std::nullopt;
  EndpointSliceInfo s;
  s.ns = client::GetString(obj, {"metadata", "namespace"});
  s.name = std::move(name);
  auto labels = StringMap(obj, "labels");
  if (auto it = labels.find("kubernetes.io/service-name"); it != labels.end()) s.service = it->second;
  for (const json& p : ArrayAt(obj, "ports")) {
    EndpointSliceInfo::Port port;
    port.name = StringAt(p, "name");
    port.port = IntAt(p, "port");
    port.protocol = StringAt(p, "protocol", "TCP");
    s.ports.push_back(std::move(port));
  }
  for (const json& e : ArrayAt(obj, "endpoints")) {
    EndpointInfo ep;
    for (const json& a : ArrayAt(e, "addresses"))
      if (a.is_string()) ep.addresses.push_back(a.get<std::string>());
    static const json kNone = json::object();
    const json* cond = ObjectAt(e, "conditions");
    const json& c = cond != nullptr ? *cond : kNone;
    ep.ready = BoolAt(c, "ready").value_or(true);
    ep.serving = BoolAt(c, "serving").value_or(ep.ready);
    ep.terminating = BoolAt(c, "terminating").value_or(false);
    if (const json* ref = ObjectAt(e, "targetRef"); ref != nullptr && StringAt(*ref, "kind") == "Pod")
      ep.pod = StringAt(*ref, "name");
    s.endpoints.push_back(std::move(ep));
  }
  return s;
}

std::optional<SecretInfo> SecretFromJson(const json& obj) {
  std::string name = client::GetString(obj, {"metadata", "name"});
  if (name.empty()) return std::nullopt;
  SecretInfo s;
  s.ns = client::GetString(obj, {"metadata", "namespace"});
  s.name = std::move(name);
  s.type = StringAt(obj, "type", "Opaque");
  s.resource_version = client::GetString(obj, {"metadata", "resourceVersion"});
  if (const json* data = ObjectAt(obj, "data")) {
    auto decoded = [&](std::string_view key) -> std::string {
      std::string text = StringAt(*data, key);
      if (text.empty()) return "";
      auto d = Base64Decode(text);  // strict, as the API decodes []byte fields
      return d ? std::move(*d) : std::string();
    };
    s.cert_pem = decoded("tls.crt");
    s.key_pem = decoded("tls.key");
  }
  return s;
}

std::map<std::string, std::string> ConfigMapDataFromJson(const json& obj) {
  std::map<std::string, std::string> data;
  const json* d = client::Find(obj, {"data"});
  if (d == nullptr || !d->is_object()) return data;
  for (auto it = d->begin(); it != d->end(); ++it)
    if (it->is_string()) data.emplace(it.key(), it->get<std::string>());
  return data;
}

}  // namespace netkube::ingress
