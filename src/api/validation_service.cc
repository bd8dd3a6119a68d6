// Service and Endpoints validation (core/v1), Kubernetes 1.33 wording.
//
// Left to the server's allocator (it runs before validation in
// kube-apiserver): clusterIP/clusterIPs, nodePort ranges, healthCheckNodePort
// and ipFamilies allocation; this file only checks the values it is given.
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};

const json& SpecOf(const json& obj) {
  static const json kEmpty = json::object();
  const json* s = GetObject(obj, "spec");
  return s ? *s : kEmpty;
}

bool IsHeadless(const json& spec) { return GetString(spec, "clusterIP") == "None"; }

// The clusterIPs list as the registry normalises it (clusterIP first).
std::vector<std::string> ClusterIPs(const json& spec) {
  std::vector<std::string> out;
  if (const json* ips = GetArray(spec, "clusterIPs"))
    for (const auto& ip : *ips)
      if (ip.is_string()) out.push_back(ip.get<std::string>());
  if (out.empty() && !GetString(spec, "clusterIP").empty()) out.push_back(GetString(spec, "clusterIP"));
  return out;
}

json ToJsonList(const std::vector<std::string>& v) {
  json a = json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

void ValidateServicePort(Errors& e, const json& sp, bool require_name, std::set<std::string>& names,
                         const std::string& p) {
  std::string name = GetString(sp, "name");
  if (require_name && name.empty()) {
    e.Required(Child(p, "name"));
  } else if (!name.empty()) {
    e.InvalidEach(Child(p, "name"), name, IsDNS1123Label(name));
    if (!names.insert(name).second) e.Duplicate(Child(p, "name"), name);
  }
  int64_t port = GetInt(sp, "port").value_or(0);
  e.InvalidEach(Child(p, "port"), port, IsValidPortNum(port));
  std::string proto = GetString(sp, "protocol");
  if (proto.empty()) {
    e.Required(Child(p, "protocol"));
  } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
    e.NotSupported(Child(p, "protocol"), proto, kProtocols);
  }
  const json* tp = Get(sp, "targetPort");
  if (tp && tp->is_string()) {
    std::string s = tp->get<std::string>();
    e.InvalidEach(Child(p, "targetPort"), s, IsValidPortName(s));
  } else {
    int64_t n = tp && tp->is_number() ? tp->get<int64_t>() : 0;
    e.InvalidEach(Child(p, "targetPort"), n, IsValidPortNum(n));
  }
  if (HasKey(sp, "appProtocol")) {
    std::string ap = GetString(sp, "appProtocol");
    e.InvalidEach(Child(p, "appProtocol"), ap, IsQualifiedName(ap));
  }
}

std::string RenderServicePortKey(const std::string& protocol, int64_t port) {
  return "core.ServicePort{Name:\"\", Protocol:" + GoQuote(protocol) + ", AppProtocol:(*string)(nil), Port:" +
         std::to_string(port) + ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}";
}

void ValidateClusterIPFields(Errors& e, const json& spec) {
  std::string type = GetString(spec, "type");
  std::vector<std::string> ips = ClusterIPs(spec);
  std::string cip = GetString(spec, "clusterIP");
  if (type != "ExternalName" && !cip.empty() && !ips.empty() && ips[0] != cip && HasKey(spec, "clusterIPs"))
    e.Invalid("spec.clusterIPs", ToJsonList(ips), "first value must match `clusterIP`");
  for (size_t i = 0; i < ips.size(); ++i) {
    if (ips[i] == "None") {
      if (i > 0) e.Invalid(Index("spec.clusterIPs", i), ips[i], "must be a valid IP address");
      continue;
    }
    if (!ips[i].empty()) IsValidIP(e, Index("spec.clusterIPs", i), ips[i], false);
  }
  if (HasKey(spec, "ipFamilyPolicy")) {
    std::string pol = GetString(spec, "ipFamilyPolicy");
    if (pol != "SingleStack" && pol != "PreferDualStack" && pol != "RequireDualStack")
      e.NotSupported("spec.ipFamilyPolicy", pol, {"PreferDualStack", "RequireDualStack", "SingleStack"});
  }
  if (const json* fams = GetArray(spec, "ipFamilies")) {
    std::set<std::string> seen;
    for (size_t i = 0; i < fams->size(); ++i) {
      std::string f = (*fams)[i].is_string() ? (*fams)[i].get<std::string>() : "";
      if (f != "IPv4" && f != "IPv6") {
        e.NotSupported(Index("spec.ipFamilies", i), f, {"IPv4", "IPv6"});
      } else if (!seen.insert(f).second) {
        e.Duplicate(Index("spec.ipFamilies", i), f);
      }
    }
  }
}

void ValidateServiceSpec(Errors& e, const json& obj) {
  const json& spec = SpecOf(obj);
  std::string type = GetString(spec, "type");
  bool headless = IsHeadless(spec);
  const json* ports = GetArray(spec, "ports");
  size_t nports = ports ? ports->size() : 0;
  if (nports == 0 && !headless && type != "ExternalName") e.Required("spec.ports");

  if (type == "LoadBalancer" && headless) {
    e.Invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services");
  } else if (type == "NodePort" && headless) {
    e.Invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services");
  } else if (type == "ExternalName") {
    if (!ClusterIPs(spec).empty()) e.Forbidden("spec.clusterIPs", "may not be set for ExternalName services");
    if (ArraySize(spec, "ipFamilies") > 0) e.Forbidden("spec.ipFamilies", "may not be set for ExternalName services");
    if (HasKey(spec, "ipFamilyPolicy")) e.Forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services");
    std::string cname = GetString(spec, "externalName");
    if (!cname.empty() && cname.back() == '.') cname.pop_back();
    if (!cname.empty()) {
      e.InvalidEach("spec.externalName", cname, IsDNS1123Subdomain(cname));
    } else {
      e.Required("spec.externalName");
    }
  }

  std::set<std::string> names;
  for (size_t i = 0; i < nports; ++i)
    ValidateServicePort(e, (*ports)[i], nports > 1, names, Index("spec.ports", i));

  ValidateLabels(e, spec, "selector", "spec.selector");

  std::string aff = GetString(spec, "sessionAffinity");
  if (aff.empty()) {
    e.Required("spec.sessionAffinity");
  } else if (aff != "ClientIP" && aff != "None") {
    e.NotSupported("spec.sessionAffinity", aff, {"ClientIP", "None"});
  }
  const json* cfg = GetObject(spec, "sessionAffinityConfig");
  if (aff == "ClientIP") {
    const std::string p = "spec.sessionAffinityConfig";
    const json* client = cfg ? GetObject(*cfg, "clientIP") : nullptr;
    auto timeout = client ? GetInt(*client, "timeoutSeconds") : std::nullopt;
    if (!cfg) {
      e.Required(p, "when session affinity type is ClientIP");
    } else if (!client) {
      e.Required(Child(p, "clientIP"), "when session affinity type is ClientIP");
    } else if (!timeout) {
      e.Required(Child(Child(p, "clientIP"), "timeoutSeconds"), "when session affinity type is ClientIP");
    } else if (*timeout <= 0 || *timeout > 86400) {
      e.Invalid(Child(Child(p, "clientIP"), "timeoutSeconds"), *timeout, "must be greater than 0 and less than 86400");
    }
  } else if (aff == "None" && cfg) {
    e.Forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None");
  }

  ValidateClusterIPFields(e, spec);

  if (const json* ext = GetArray(spec, "externalIPs"))
    for (size_t i = 0; i < ext->size(); ++i) {
      std::string ip = (*ext)[i].is_string() ? (*ext)[i].get<std::string>() : "";
      Errors ipe;
      IsValidIP(ipe, Index("spec.externalIPs", i), ip, false);
      if (ipe.empty()) ValidateNonSpecialIP(ipe, Index("spec.externalIPs", i), ip);
      e.Append(std::move(ipe));
    }

  if (type.empty()) {
    e.Required("spec.type");
  } else if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" && type != "ExternalName") {
    e.NotSupported("spec.type", type, {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"});
  }
  if (type == "ClusterIP")
    for (size_t i = 0; i < nports; ++i)
      if (GetInt((*ports)[i], "nodePort").value_or(0) != 0)
        e.Forbidden(Child(Index("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'");

  std::set<std::pair<std::string, int64_t>> node_ports, port_keys;
  for (size_t i = 0; i < nports; ++i) {
    const json& sp = (*ports)[i];
    std::string proto = GetString(sp, "protocol");
    int64_t np = GetInt(sp, "nodePort").value_or(0);
    if (np != 0 && !node_ports.insert({proto, np}).second)
      e.Duplicate(Child(Index("spec.ports", i), "nodePort"), np);
  }
  for (size_t i = 0; i < nports; ++i) {
    const json& sp = (*ports)[i];
    std::string proto = GetString(sp, "protocol");
    int64_t port = GetInt(sp, "port").value_or(0);
    if (!port_keys.insert({proto, port}).second)
      e.DuplicateRaw(Index("spec.ports", i), RenderServicePortKey(proto, port));
  }

  if (const json* ranges = GetArray(spec, "loadBalancerSourceRanges"); ranges && !ranges->empty()) {
    const std::string p = "spec.LoadBalancerSourceRanges";
    if (type != "LoadBalancer") e.Forbidden(p, "may only be used when `type` is 'LoadBalancer'");
    for (size_t i = 0; i < ranges->size(); ++i) {
      std::string v = (*ranges)[i].is_string() ? (*ranges)[i].get<std::string>() : "";
      size_t b = v.find_first_not_of(' '), en = v.find_last_not_of(' ');
      v = b == std::string::npos ? "" : v.substr(b, en - b + 1);
      IsValidCIDR(e, Index(p, i), v, false);
    }
  }
  if (HasKey(spec, "allocateLoadBalancerNodePorts") && type != "LoadBalancer")
    e.Forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'");
  if (type == "LoadBalancer" && !HasKey(spec, "allocateLoadBalancerNodePorts"))
    e.Required("allocateLoadBalancerNodePorts");

  bool externally = type == "LoadBalancer" || type == "NodePort" ||
                    (type == "ClusterIP" && ArraySize(spec, "externalIPs") > 0);
  std::string etp = GetString(spec, "externalTrafficPolicy");
  if (!externally) {
    if (!etp.empty())
      e.Invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services");
  } else if (etp.empty()) {
    e.Required("spec.externalTrafficPolicy");
  } else if (etp != "Cluster" && etp != "Local") {
    e.NotSupported("spec.externalTrafficPolicy", etp, {"Cluster", "Local"});
  }
  bool needs_hc = type == "LoadBalancer" && etp == "Local";
  int64_t hc = GetInt(spec, "healthCheckNodePort").value_or(0);
  if (!needs_hc && hc != 0) {
    e.Invalid("spec.healthCheckNodePort", hc,
              "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
  } else if (needs_hc && hc != 0) {
    e.InvalidEach("spec.healthCheckNodePort", hc, IsValidPortNum(hc));
  }

  if (!HasKey(spec, "internalTrafficPolicy")) {
    if (type == "NodePort" || type == "LoadBalancer" || type == "ClusterIP") e.Required("spec.internalTrafficPolicy");
  } else {
    std::string itp = GetString(spec, "internalTrafficPolicy");
    if (itp != "Cluster" && itp != "Local") e.NotSupported("spec.internalTrafficPolicy", itp, {"Cluster", "Local"});
  }
  if (HasKey(spec, "trafficDistribution")) {
    std::string td = GetString(spec, "trafficDistribution");
    if (td != "PreferClose") e.NotSupported("spec.trafficDistribution", td, {"PreferClose"});
  }
}

void ValidateServiceUpdate(Errors& e, const json& obj, const json& old) {
  const json& spec = SpecOf(obj);
  const json& old_spec = SpecOf(old);
  std::string type = GetString(spec, "type"), old_type = GetString(old_spec, "type");
  if (type == "ExternalName" || old_type == "ExternalName") return;
  if (IsHeadless(spec) && IsHeadless(old_spec)) return;
  std::vector<std::string> now = ClusterIPs(spec), before = ClusterIPs(old_spec);
  // A request that leaves the cluster IPs out keeps the allocated ones.
  if (now.empty()) return;
  json rendered = ToJsonList(now);
  if (before.size() == now.size()) {
    for (size_t i = 0; i < before.size(); ++i)
      if (before[i] != now[i]) e.Invalid(Index("spec.clusterIPs", i), rendered, "may not change once set");
  } else if (before.size() > now.size()) {
    if (now[0] != before[0]) e.Invalid("spec.clusterIPs[0]", rendered, "may not change once set");
    if (now.size() == 1 && GetString(spec, "ipFamilyPolicy") != "SingleStack")
      e.Invalid("spec.clusterIPs[0]", rendered,
                "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP");
  } else if (!before.empty() && now[0] != before[0]) {
    e.Invalid("spec.clusterIPs[0]", rendered, "may not change once set");
  }
}

void ValidateEndpointAddress(Errors& e, const json& a, const std::string& p) {
  std::string ip = GetString(a, "ip");
  Errors ipe;
  IsValidIP(ipe, Child(p, "ip"), ip, false);
  if (ipe.empty()) ValidateNonSpecialIP(ipe, Child(p, "ip"), ip);
  e.Append(std::move(ipe));
  std::string hostname = GetString(a, "hostname");
  if (!hostname.empty()) e.InvalidEach(Child(p, "hostname"), hostname, IsDNS1123Label(hostname));
  if (HasKey(a, "nodeName")) {
    std::string node = GetString(a, "nodeName");
    e.InvalidEach(Child(p, "nodeName"), node, IsDNS1123Subdomain(node));
  }
}

}  // namespace

void ValidateService(Errors& e, const json& obj, const json* old) {
  if (old) {
    ValidateObjectMetaUpdate(e, obj, *old);
    ValidateServiceUpdate(e, obj, *old);
  }
  ValidateObjectMeta(e, obj, true, NameRule::kDNS1035Label);
  ValidateServiceSpec(e, obj);
}

void ValidateEndpoints(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json* subsets = GetArray(obj, "subsets");
  if (!subsets) return;
  for (size_t i = 0; i < subsets->size(); ++i) {
    const json& ss = (*subsets)[i];
    std::string p = Index("subsets", i);
    if (ArraySize(ss, "addresses") == 0 && ArraySize(ss, "notReadyAddresses") == 0)
      e.Required(p, "must specify `addresses` or `notReadyAddresses`");
    for (const char* list : {"addresses", "notReadyAddresses"})
      if (const json* addrs = GetArray(ss, list))
        for (size_t j = 0; j < addrs->size(); ++j) ValidateEndpointAddress(e, (*addrs)[j], Index(Child(p, list), j));
    const json* ports = GetArray(ss, "ports");
    if (!ports) continue;
    for (size_t j = 0; j < ports->size(); ++j) {
      const json& port = (*ports)[j];
      std::string pp = Index(Child(p, "ports"), j);
      std::string name = GetString(port, "name");
      if (ports->size() > 1 && name.empty()) {
        e.Required(Child(pp, "name"));
      } else if (!name.empty()) {
        e.InvalidEach(Child(pp, "name"), name, IsDNS1123Label(name));
      }
      int64_t n = GetInt(port, "port").value_or(0);
      e.InvalidEach(Child(pp, "port"), n, IsValidPortNum(n));
      std::string proto = GetString(port, "protocol");
      if (proto.empty()) {
        e.Required(Child(pp, "protocol"));
      } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
        e.NotSupported(Child(pp, "protocol"), proto, kProtocols);
      }
      if (HasKey(port, "appProtocol")) {
        std::string ap = GetString(port, "appProtocol");
        e.InvalidEach(Child(pp, "appProtocol"), ap, IsQualifiedName(ap));
      }
    }
  }
}

}  // namespace netkube::api::validation
