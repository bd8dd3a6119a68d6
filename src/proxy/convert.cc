#include "proxy/convert.h"

#include <nlohmann/json.hpp>

namespace netkube::proxy {
namespace {

using nlohmann::json;

const json& Field(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

Status BadType(const std::string& path, const json& v, const char* want) {
  return Status::Invalid(path + ": Invalid value: " + v.dump() + ": must be " + want);
}

Status Unsupported(const std::string& path, const std::string& v, const char* supported) {
  return Status::Invalid(path + ": Unsupported value: \"" + v + "\": supported values: " +
                         supported);
}

// Reads an optional string; null/absent leaves `out` unchanged.
Status GetString(const json& obj, const char* key, const std::string& path, std::string* out) {
  const json& v = Field(obj, key);
  if (v.is_null()) return Status::OK();
  if (!v.is_string()) return BadType(path, v, "a string");
  *out = v.get<std::string>();
  return Status::OK();
}

Status GetInt(const json& obj, const char* key, const std::string& path,
              std::optional<int32_t>* out) {
  const json& v = Field(obj, key);
  if (v.is_null()) return Status::OK();
  if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
    return BadType(path, v, "a 32-bit integer");
  }
  *out = static_cast<int32_t>(v.get<int64_t>());
  return Status::OK();
}

Status GetInt(const json& obj, const char* key, const std::string& path, int32_t* out) {
  std::optional<int32_t> v;
  if (Status s = GetInt(obj, key, path, &v); !s.ok()) return s;
  if (v) *out = *v;
  return Status::OK();
}

Status GetBool(const json& obj, const char* key, const std::string& path, bool* out) {
  const json& v = Field(obj, key);
  if (v.is_null()) return Status::OK();
  if (!v.is_boolean()) return BadType(path, v, "a boolean");
  *out = v.get<bool>();
  return Status::OK();
}

Status GetStrings(const json& obj, const char* key, const std::string& path,
                  std::vector<std::string>* out) {
  const json& v = Field(obj, key);
  if (v.is_null()) return Status::OK();
  if (!v.is_array()) return BadType(path, v, "a list of strings");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) return BadType(path + "[" + std::to_string(i) + "]", v[i], "a string");
    out->push_back(v[i].get<std::string>());
  }
  return Status::OK();
}

Status GetArray(const json& obj, const char* key, const std::string& path, const json** out) {
  static const json kEmpty = json::array();
  const json& v = Field(obj, key);
  *out = &kEmpty;
  if (v.is_null()) return Status::OK();
  if (!v.is_array()) return BadType(path, v, "a list");
  *out = &v;
  return Status::OK();
}

Status GetProtocol(const json& obj, const std::string& path, Protocol* out) {
  std::string s;
  if (Status st = GetString(obj, "protocol", path, &s); !st.ok()) return st;
  if (s.empty()) return Status::OK();
  auto p = ParseProtocol(s);
  if (!p) return Unsupported(path, s, "\"SCTP\", \"TCP\", \"UDP\"");
  *out = *p;
  return Status::OK();
}

Status GetPolicy(const json& spec, const char* key, TrafficPolicy* out) {
  std::string s;
  std::string path = std::string("spec.") + key;
  if (Status st = GetString(spec, key, path, &s); !st.ok()) return st;
  if (s.empty() || s == "Cluster") {
    *out = TrafficPolicy::kCluster;
  } else if (s == "Local") {
    *out = TrafficPolicy::kLocal;
  } else {
    return Unsupported(path, s, "\"Cluster\", \"Local\"");
  }
  return Status::OK();
}

Status GetMeta(const json& obj, const char* kind, NamespacedName* out) {
  const json& meta = Field(obj, "metadata");
  NK_RETURN_IF_ERROR(GetString(meta, "name", "metadata.name", &out->name));
  NK_RETURN_IF_ERROR(GetString(meta, "namespace", "metadata.namespace", &out->ns));
  if (out->name.empty()) {
    return Status::Invalid(std::string(kind) + ": metadata.name: Required value: name is required");
  }
  return Status::OK();
}

Status ReadServicePort(const json& p, const std::string& path, ServicePort* out) {
  NK_RETURN_IF_ERROR(GetString(p, "name", path + ".name", &out->name));
  NK_RETURN_IF_ERROR(GetProtocol(p, path + ".protocol", &out->protocol));
  NK_RETURN_IF_ERROR(GetInt(p, "port", path + ".port", &out->port));
  NK_RETURN_IF_ERROR(GetInt(p, "nodePort", path + ".nodePort", &out->node_port));
  const json& tp = Field(p, "targetPort");
  if (tp.is_null()) {
    out->target_port = std::to_string(out->port);
  } else if (tp.is_number_integer()) {
    out->target_port = std::to_string(tp.get<int64_t>());
  } else if (tp.is_string()) {
    out->target_port = tp.get<std::string>();
  } else {
    return BadType(path + ".targetPort", tp, "an integer or a string");
  }
  return Status::OK();
}

}  // namespace

StatusOr<Service> ServiceFromJson(const json& obj) {
  if (!obj.is_object()) return Status::Invalid("Service: must be a JSON object");
  Service svc;
  NK_RETURN_IF_ERROR(GetMeta(obj, "Service", &svc.name));
  if (svc.name.ns.empty()) svc.name.ns = "default";
  const json& spec = Field(obj, "spec");

  std::string type;
  NK_RETURN_IF_ERROR(GetString(spec, "type", "spec.type", &type));
  if (type.empty() || type == "ClusterIP") {
    svc.type = ServiceType::kClusterIP;
  } else if (type == "NodePort") {
    svc.type = ServiceType::kNodePort;
  } else if (type == "LoadBalancer") {
    svc.type = ServiceType::kLoadBalancer;
  } else if (type == "ExternalName") {
    svc.type = ServiceType::kExternalName;
  } else {
    return Unsupported("spec.type", type,
                       "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
  }

  NK_RETURN_IF_ERROR(GetStrings(spec, "clusterIPs", "spec.clusterIPs", &svc.cluster_ips));
  if (svc.cluster_ips.empty()) {
    std::string ip;
    NK_RETURN_IF_ERROR(GetString(spec, "clusterIP", "spec.clusterIP", &ip));
    if (!ip.empty()) svc.cluster_ips.push_back(ip);
  }

  const json* ports;
  NK_RETURN_IF_ERROR(GetArray(spec, "ports", "spec.ports", &ports));
  for (size_t i = 0; i < ports->size(); ++i) {
    ServicePort sp;
    NK_RETURN_IF_ERROR(ReadServicePort((*ports)[i], "spec.ports[" + std::to_string(i) + "]", &sp));
    svc.ports.push_back(std::move(sp));
  }

  NK_RETURN_IF_ERROR(GetStrings(spec, "externalIPs", "spec.externalIPs", &svc.external_ips));
  NK_RETURN_IF_ERROR(GetPolicy(spec, "externalTrafficPolicy", &svc.external_traffic_policy));
  NK_RETURN_IF_ERROR(GetPolicy(spec, "internalTrafficPolicy", &svc.internal_traffic_policy));

  std::string affinity;
  NK_RETURN_IF_ERROR(GetString(spec, "sessionAffinity", "spec.sessionAffinity", &affinity));
  if (affinity == "ClientIP") {
    svc.session_affinity_client_ip = true;
    const json& cip = Field(Field(spec, "sessionAffinityConfig"), "clientIP");
    NK_RETURN_IF_ERROR(GetInt(cip, "timeoutSeconds",
                              "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                              &svc.session_affinity_timeout_seconds));
  } else if (!affinity.empty() && affinity != "None") {
    return Unsupported("spec.sessionAffinity", affinity, "\"ClientIP\", \"None\"");
  }

  NK_RETURN_IF_ERROR(GetInt(spec, "healthCheckNodePort", "spec.healthCheckNodePort",
                            &svc.health_check_node_port));
  NK_RETURN_IF_ERROR(GetString(spec, "loadBalancerClass", "spec.loadBalancerClass",
                               &svc.load_balancer_class));

  const json* ingress;
  NK_RETURN_IF_ERROR(GetArray(Field(Field(obj, "status"), "loadBalancer"), "ingress",
                              "status.loadBalancer.ingress", &ingress));
  for (size_t i = 0; i < ingress->size(); ++i) {
    std::string path = "status.loadBalancer.ingress[" + std::to_string(i) + "]";
    std::string ip, mode;
    NK_RETURN_IF_ERROR(GetString((*ingress)[i], "ip", path + ".ip", &ip));
    NK_RETURN_IF_ERROR(GetString((*ingress)[i], "ipMode", path + ".ipMode", &mode));
    // ipMode Proxy: the load balancer proxies, nodes must not capture the IP.
    if (ip.empty() || mode == "Proxy") continue;
    svc.load_balancer_ips.push_back(ip);
  }
  return svc;
}

StatusOr<EndpointSlice> EndpointSliceFromJson(const json& obj) {
  if (!obj.is_object()) return Status::Invalid("EndpointSlice: must be a JSON object");
  EndpointSlice slice;
  NK_RETURN_IF_ERROR(GetMeta(obj, "EndpointSlice", &slice.name));
  if (slice.name.ns.empty()) slice.name.ns = "default";
  NK_RETURN_IF_ERROR(GetString(Field(Field(obj, "metadata"), "labels"), kServiceNameLabel,
                               "metadata.labels", &slice.service_name));
  if (slice.service_name.empty()) {
    return Status::Invalid("EndpointSlice " + slice.name.String() + ": metadata.labels: " +
                           "Required value: label " + kServiceNameLabel +
                           " names the Service it belongs to");
  }

  std::string type;
  NK_RETURN_IF_ERROR(GetString(obj, "addressType", "addressType", &type));
  if (type == "IPv4") {
    slice.address_type = AddressType::kIPv4;
  } else if (type == "IPv6") {
    slice.address_type = AddressType::kIPv6;
  } else if (type == "FQDN") {
    slice.address_type = AddressType::kFQDN;
  } else {
    return Unsupported("addressType", type, "\"FQDN\", \"IPv4\", \"IPv6\"");
  }

  const json* ports;
  NK_RETURN_IF_ERROR(GetArray(obj, "ports", "ports", &ports));
  for (size_t i = 0; i < ports->size(); ++i) {
    std::string path = "ports[" + std::to_string(i) + "]";
    EndpointPort ep;
    NK_RETURN_IF_ERROR(GetString((*ports)[i], "name", path + ".name", &ep.name));
    NK_RETURN_IF_ERROR(GetProtocol((*ports)[i], path + ".protocol", &ep.protocol));
    NK_RETURN_IF_ERROR(GetInt((*ports)[i], "port", path + ".port", &ep.port));
    slice.ports.push_back(std::move(ep));
  }

  const json* endpoints;
  NK_RETURN_IF_ERROR(GetArray(obj, "endpoints", "endpoints", &endpoints));
  for (size_t i = 0; i < endpoints->size(); ++i) {
    std::string path = "endpoints[" + std::to_string(i) + "]";
    const json& e = (*endpoints)[i];
    SliceEndpoint se;
    NK_RETURN_IF_ERROR(GetStrings(e, "addresses", path + ".addresses", &se.addresses));
    NK_RETURN_IF_ERROR(GetString(e, "nodeName", path + ".nodeName", &se.node_name));
    const json& c = Field(e, "conditions");
    std::string cpath = path + ".conditions";
    NK_RETURN_IF_ERROR(GetBool(c, "ready", cpath + ".ready", &se.conditions.ready));
    NK_RETURN_IF_ERROR(GetBool(c, "serving", cpath + ".serving", &se.conditions.serving));
    NK_RETURN_IF_ERROR(
        GetBool(c, "terminating", cpath + ".terminating", &se.conditions.terminating));
    slice.endpoints.push_back(std::move(se));
  }
  return slice;
}

StatusOr<NodeInfo> NodeFromJson(const json& obj) {
  if (!obj.is_object()) return Status::Invalid("Node: must be a JSON object");
  NodeInfo node;
  NamespacedName name;
  NK_RETURN_IF_ERROR(GetMeta(obj, "Node", &name));
  node.name = name.name;
  const json* addrs;
  NK_RETURN_IF_ERROR(
      GetArray(Field(obj, "status"), "addresses", "status.addresses", &addrs));
  for (size_t i = 0; i < addrs->size(); ++i) {
    std::string path = "status.addresses[" + std::to_string(i) + "]";
    std::string type, address;
    NK_RETURN_IF_ERROR(GetString((*addrs)[i], "type", path + ".type", &type));
    NK_RETURN_IF_ERROR(GetString((*addrs)[i], "address", path + ".address", &address));
    if (type == "InternalIP" && !address.empty()) node.ips.push_back(address);
  }
  return node;
}

}  // namespace netkube::proxy
