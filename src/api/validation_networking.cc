// networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy validation,
// Kubernetes 1.33 wording.
#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

const json& SpecOf(const json& obj) {
  static const json kEmpty = json::object();
  const json* s = GetObject(obj, "spec");
  return s ? *s : kEmpty;
}

void ValidateIngressBackend(Errors& e, const json& b, const std::string& p) {
  const json* svc = GetObject(b, "service");
  const json* res = GetObject(b, "resource");
  if (svc && res) {
    e.Invalid(p, "", "cannot set both resource and service backends");
    return;
  }
  if (res) {
    if (GetString(*res, "kind").empty()) e.Required(Child(Child(p, "resource"), "kind"));
    if (GetString(*res, "name").empty()) e.Required(Child(Child(p, "resource"), "name"));
    return;
  }
  if (!svc) {
    e.Invalid(p, "", "resource or service backend is required");
    return;
  }
  std::string name = GetString(*svc, "name");
  if (name.empty()) {
    e.Required(Child(Child(p, "service"), "name"));
  } else {
    e.InvalidEach(Child(Child(p, "service"), "name"), name, IsDNS1035Label(name));
  }
  static const json kEmpty = json::object();
  const json* port = GetObject(*svc, "port");
  const json& pt = port ? *port : kEmpty;
  std::string port_name = GetString(pt, "name");
  int64_t number = GetInt(pt, "number").value_or(0);
  std::string pp = Child(Child(p, "service"), "port");
  if (!port_name.empty() && number != 0) {
    e.Invalid(p, "", "cannot set both port name & port number");
  } else if (!port_name.empty()) {
    e.InvalidEach(Child(pp, "name"), port_name, IsValidPortName(port_name));
  } else if (number != 0) {
    e.InvalidEach(Child(pp, "number"), number, IsValidPortNum(number));
  } else {
    e.Required(p, "port name or number is required");
  }
}

void ValidateHTTPPath(Errors& e, const json& path, const std::string& p) {
  std::string value = GetString(path, "path");
  if (!HasKey(path, "pathType")) {
    e.Required(Child(p, "pathType"), "pathType must be specified");
  } else {
    std::string type = GetString(path, "pathType");
    if (type == "Exact" || type == "Prefix") {
      if (value.empty() || value.front() != '/') e.Invalid(Child(p, "path"), value, "must be an absolute path");
      if (!value.empty()) {
        for (const char* bad : {"//", "/./", "/../", "%2f", "%2F"})
          if (value.find(bad) != std::string::npos)
            e.Invalid(Child(p, "path"), value, std::string("must not contain '") + bad + "'");
        for (const char* suffix : {"/..", "/."}) {
          std::string s = suffix;
          if (value.size() >= s.size() && value.compare(value.size() - s.size(), s.size(), s) == 0)
            e.Invalid(Child(p, "path"), value, "cannot end with '" + s + "'");
        }
      }
    } else if (type == "ImplementationSpecific") {
      if (!value.empty() && value.front() != '/') e.Invalid(Child(p, "path"), value, "must be an absolute path");
    } else {
      e.NotSupported(Child(p, "pathType"), type, {"Exact", "ImplementationSpecific", "Prefix"});
    }
  }
  const json* b = GetObject(path, "backend");
  ValidateIngressBackend(e, b ? *b : json::object(), Child(p, "backend"));
}

void ValidateHost(Errors& e, const std::string& host, const std::string& p) {
  uint8_t buf[16];
  if (ParseIPv4(host, buf) || ParseIPv6(host, buf)) e.Invalid(p, host, "must be a DNS name, not an IP address");
  if (host.find('*') != std::string::npos) {
    e.InvalidEach(p, host, IsWildcardDNS1123Subdomain(host));
  } else {
    e.InvalidEach(p, host, IsDNS1123Subdomain(host));
  }
}

void ValidateNetworkPolicyPort(Errors& e, const json& port, const std::string& p) {
  if (HasKey(port, "protocol")) {
    std::string proto = GetString(port, "protocol");
    if (proto != "TCP" && proto != "UDP" && proto != "SCTP")
      e.NotSupported(Child(p, "protocol"), proto, {"TCP", "UDP", "SCTP"});
  }
  const json* v = Get(port, "port");
  auto end = GetInt(port, "endPort");
  if (v && v->is_number()) {
    int64_t n = v->get<int64_t>();
    e.InvalidEach(Child(p, "port"), n, IsValidPortNum(n));
    if (end) {
      if (*end < n) e.Invalid(Child(p, "endPort"), n, "must be greater than or equal to `port`");
      e.InvalidEach(Child(p, "endPort"), *end, IsValidPortNum(*end));
    }
  } else if (v && v->is_string()) {
    if (end) e.Invalid(Child(p, "endPort"), *end, "may not be specified when `port` is non-numeric");
    std::string s = v->get<std::string>();
    e.InvalidEach(Child(p, "port"), s, IsValidPortName(s));
  } else if (end) {
    e.Invalid(Child(p, "endPort"), *end, "may not be specified when `port` is not specified");
  }
}

void ValidateNetworkPolicyPeer(Errors& e, const json& peer, const std::string& p) {
  int n = 0;
  if (const json* ps = GetObject(peer, "podSelector")) {
    ++n;
    ValidateLabelSelector(e, *ps, Child(p, "podSelector"));
  }
  if (const json* ns = GetObject(peer, "namespaceSelector")) {
    ++n;
    ValidateLabelSelector(e, *ns, Child(p, "namespaceSelector"));
  }
  const json* ipb = GetObject(peer, "ipBlock");
  if (ipb) {
    ++n;
    std::string ip = Child(p, "ipBlock");
    std::string cidr = GetString(*ipb, "cidr");
    if (cidr.empty()) {
      e.Required(Child(ip, "cidr"));
    } else {
      Errors ce;
      IsValidCIDR(ce, Child(ip, "cidr"), cidr, false);
      bool cidr_ok = ce.empty();
      e.Append(std::move(ce));
      if (cidr_ok)
        if (const json* except = GetArray(*ipb, "except"))
          for (size_t i = 0; i < except->size(); ++i) {
            std::string x = (*except)[i].is_string() ? (*except)[i].get<std::string>() : "";
            Errors xe;
            IsValidCIDR(xe, Index(Child(ip, "except"), i), x, false);
            bool x_ok = xe.empty();
            e.Append(std::move(xe));
            if (x_ok && !CIDRStrictSubset(cidr, x))
              e.Invalid(Index(Child(ip, "except"), i), x, "must be a strict subset of `cidr`");
          }
    }
  }
  if (n == 0) {
    e.Required(p, "must specify a peer");
  } else if (n > 1 && ipb) {
    e.Forbidden(p, "may not specify both ipBlock and another peer");
  }
}

}  // namespace

void ValidateIngress(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  const json* rules = GetArray(spec, "rules");
  const json* def = GetObject(spec, "defaultBackend");
  if (def) {
    ValidateIngressBackend(e, *def, "spec.defaultBackend");
  } else if (!rules || rules->empty()) {
    e.Invalid("spec.rules", rules ? *rules : json(), "either `defaultBackend` or `rules` must be specified");
  }
  if (rules)
    for (size_t i = 0; i < rules->size(); ++i) {
      const json& r = (*rules)[i];
      std::string p = Index("spec.rules", i);
      std::string host = GetString(r, "host");
      if (!host.empty()) ValidateHost(e, host, Child(p, "host"));
      const json* http = GetObject(r, "http");
      if (!http) continue;
      const json* paths = GetArray(*http, "paths");
      if (!paths || paths->empty()) {
        e.Required(Child(Child(p, "http"), "paths"));
        continue;
      }
      for (size_t j = 0; j < paths->size(); ++j)
        ValidateHTTPPath(e, (*paths)[j], Index(Child(Child(p, "http"), "paths"), j));
    }
  if (const json* tls = GetArray(spec, "tls"))
    for (size_t i = 0; i < tls->size(); ++i)
      if (const json* hosts = GetArray((*tls)[i], "hosts"))
        for (size_t j = 0; j < hosts->size(); ++j) {
          std::string h = (*hosts)[j].is_string() ? (*hosts)[j].get<std::string>() : "";
          std::string p = Index(Child(Index("spec.tls", i), "hosts"), j);
          if (h.find('*') != std::string::npos) {
            e.InvalidEach(p, h, IsWildcardDNS1123Subdomain(h));
          } else {
            e.InvalidEach(p, h, IsDNS1123Subdomain(h));
          }
        }
  if (HasKey(spec, "ingressClassName")) {
    std::string cls = GetString(spec, "ingressClassName");
    e.InvalidEach("spec.ingressClassName", cls, IsDNS1123Subdomain(cls));
  }
}

void ValidateIngressClass(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, false, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  std::string controller = GetString(spec, "controller");
  if (controller.size() > 250) {
    e.TooLong("spec.controller", 250);
  } else if (controller.empty()) {
    e.Required("spec.controller");
  } else {
    size_t slash = controller.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == controller.size()) {
      e.Invalid("spec.controller", controller, "must be a domain-prefixed path (such as \"acme.io/foo\")");
    } else {
      std::string host = controller.substr(0, slash);
      e.InvalidEach("spec.controller", host, IsDNS1123Subdomain(host));
    }
  }
  if (const json* params = GetObject(spec, "parameters")) {
    std::string p = "spec.parameters";
    if (GetString(*params, "kind").empty()) e.Required(Child(p, "kind"));
    if (GetString(*params, "name").empty()) e.Required(Child(p, "name"));
    std::string scope = GetString(*params, "scope");
    if (!scope.empty() && scope != "Cluster" && scope != "Namespace")
      e.NotSupported(Child(p, "scope"), scope, {"Cluster", "Namespace"});
    if (scope == "Namespace" && GetString(*params, "namespace").empty())
      e.Required(Child(p, "namespace"), "`parameters.scope` is set to \"Namespace\"");
    if (scope == "Cluster" && HasKey(*params, "namespace"))
      e.Forbidden(Child(p, "namespace"), "`parameters.scope` is set to \"Cluster\"");
  }
  if (old) {
    const json& old_spec = SpecOf(*old);
    ValidateImmutable(e, Get(spec, "controller"), Get(old_spec, "controller"), "spec.controller");
  }
}

void ValidateNetworkPolicy(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  if (const json* ps = GetObject(spec, "podSelector")) ValidateLabelSelector(e, *ps, "spec.podSelector");
  for (const char* dir : {"ingress", "egress"}) {
    const json* rules = GetArray(spec, dir);
    if (!rules) continue;
    const char* peers = std::string(dir) == "ingress" ? "from" : "to";
    for (size_t i = 0; i < rules->size(); ++i) {
      std::string p = Index(Child("spec", dir), i);
      if (const json* ports = GetArray((*rules)[i], "ports"))
        for (size_t j = 0; j < ports->size(); ++j) ValidateNetworkPolicyPort(e, (*ports)[j], Index(Child(p, "ports"), j));
      if (const json* ps = GetArray((*rules)[i], peers))
        for (size_t j = 0; j < ps->size(); ++j) ValidateNetworkPolicyPeer(e, (*ps)[j], Index(Child(p, peers), j));
    }
  }
  if (const json* types = GetArray(spec, "policyTypes")) {
    if (types->size() > 2) {
      e.Invalid("spec.policyTypes", *types, "may not specify more than two policyTypes");
      return;
    }
    for (size_t i = 0; i < types->size(); ++i) {
      std::string t = (*types)[i].is_string() ? (*types)[i].get<std::string>() : "";
      if (t != "Ingress" && t != "Egress") e.NotSupported(Index("spec.policyTypes", i), t, {"Ingress", "Egress"});
    }
  }
}

}  // namespace netkube::api::validation
