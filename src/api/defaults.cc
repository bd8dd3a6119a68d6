// ApplyDefaults: the defaulting functions of kube-apiserver for every kind
// netkube serves (pkg/apis/{core,apps,networking,discovery}/v1/defaults.go),
// plus the values the registry strategies and default admission plugins fill
// on create (Namespace phase, Service ipFamilies, Pod service
// account, priority and tolerations).
//
// Left to the server: clusterIP and nodePort allocation, the service-account
// token volume, Pod status (phase Pending, qosClass), and clearing
// type-dependent Service fields on update.
#include "api/defaults.h"

#include <nlohmann/json.hpp>

#include "api/defaults_pod.h"

namespace netkube::api {
namespace {

using nlohmann::json;

bool Missing(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null();
}
bool MissingOrEmpty(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty()) ||
         ((it->is_array() || it->is_object()) && it->empty());
}
// obj[key] as an object, created when absent. nullptr when it has another type.
json* Object(json& obj, const char* key) {
  json& v = obj[key];
  if (v.is_null()) v = json::object();
  return v.is_object() ? &v : nullptr;
}

void DefaultTemplate(json& spec) {
  json* tmpl = Object(spec, "template");
  if (!tmpl) return;
  json* pod_spec = Object(*tmpl, "spec");
  if (pod_spec) defaults::DefaultPodSpec(*pod_spec);
}

void DefaultPod(json& obj) {
  json* spec = Object(obj, "spec");
  if (!spec) return;
  defaults::DefaultPodSpec(*spec);
  defaults::DefaultPodOnly(*spec);
}

void DefaultService(json& obj) {
  json* spec = Object(obj, "spec");
  if (!spec) return;
  json& s = *spec;
  if (MissingOrEmpty(s, "type")) s["type"] = "ClusterIP";
  if (MissingOrEmpty(s, "sessionAffinity")) s["sessionAffinity"] = "None";
  std::string type = s["type"].is_string() ? s["type"].get<std::string>() : "";
  if (s["sessionAffinity"] == "None") {
    s.erase("sessionAffinityConfig");
  } else if (s["sessionAffinity"] == "ClientIP") {
    json* cfg = Object(s, "sessionAffinityConfig");
    json* client = cfg ? Object(*cfg, "clientIP") : nullptr;
    if (client && Missing(*client, "timeoutSeconds")) (*client)["timeoutSeconds"] = 10800;
  }
  if (auto ports = s.find("ports"); ports != s.end() && ports->is_array()) {
    for (auto& p : *ports) {
      if (!p.is_object()) continue;
      if (MissingOrEmpty(p, "protocol")) p["protocol"] = "TCP";
      auto tp = p.find("targetPort");
      bool unset = tp == p.end() || tp->is_null() || (tp->is_number() && tp->get<int64_t>() == 0) ||
                   (tp->is_string() && tp->get_ref<const std::string&>().empty());
      if (unset && p.contains("port")) p["targetPort"] = p["port"];
    }
  }
  if ((type == "NodePort" || type == "LoadBalancer") && MissingOrEmpty(s, "externalTrafficPolicy"))
    s["externalTrafficPolicy"] = "Cluster";
  if (type != "ExternalName") {
    if (MissingOrEmpty(s, "internalTrafficPolicy")) s["internalTrafficPolicy"] = "Cluster";
    // Set by kube-apiserver's IP allocator on a single-stack IPv4 cluster.
    if (MissingOrEmpty(s, "ipFamilyPolicy")) s["ipFamilyPolicy"] = "SingleStack";
    if (MissingOrEmpty(s, "ipFamilies")) s["ipFamilies"] = json::array({"IPv4"});
    auto cip = s.find("clusterIP");
    if (cip != s.end() && cip->is_string() && !cip->get_ref<const std::string&>().empty() &&
        MissingOrEmpty(s, "clusterIPs"))
      s["clusterIPs"] = json::array({*cip});
  }
  if (type == "LoadBalancer" && Missing(s, "allocateLoadBalancerNodePorts")) s["allocateLoadBalancerNodePorts"] = true;
}

void DefaultNamespace(json& obj) {
  json* meta = Object(obj, "metadata");
  if (meta) {
    auto name = meta->find("name");
    if (name != meta->end() && name->is_string() && !name->get_ref<const std::string&>().empty()) {
      json* labels = Object(*meta, "labels");
      if (labels) (*labels)["kubernetes.io/metadata.name"] = *name;
    }
  }
  // The "kubernetes" finalizer is added once, on create, by the registry (it
  // must not come back when the namespace controller removes it).
  json* status = Object(obj, "status");
  if (status && MissingOrEmpty(*status, "phase")) (*status)["phase"] = "Active";
}

void DefaultEndpoints(json& obj) {
  auto subsets = obj.find("subsets");
  if (subsets == obj.end() || !subsets->is_array()) return;
  for (auto& ss : *subsets) {
    if (!ss.is_object()) continue;
    auto ports = ss.find("ports");
    if (ports == ss.end() || !ports->is_array()) continue;
    for (auto& p : *ports)
      if (p.is_object() && MissingOrEmpty(p, "protocol")) p["protocol"] = "TCP";
  }
}

void DefaultSecret(json& obj) {
  if (MissingOrEmpty(obj, "type")) obj["type"] = "Opaque";
}

void DefaultNode(json& obj) {
  json* status = Object(obj, "status");
  if (!status) return;
  auto cap = status->find("capacity");
  if (cap != status->end() && cap->is_object() && !cap->empty() && MissingOrEmpty(*status, "allocatable"))
    (*status)["allocatable"] = *cap;
}

void DefaultDeployment(json& obj) {
  json* spec = Object(obj, "spec");
  if (!spec) return;
  json& s = *spec;
  if (Missing(s, "replicas")) s["replicas"] = 1;
  json* strategy = Object(s, "strategy");
  if (strategy) {
    if (MissingOrEmpty(*strategy, "type")) (*strategy)["type"] = "RollingUpdate";
    if ((*strategy)["type"] == "RollingUpdate") {
      json* ru = Object(*strategy, "rollingUpdate");
      if (ru) {
        if (Missing(*ru, "maxUnavailable")) (*ru)["maxUnavailable"] = "25%";
        if (Missing(*ru, "maxSurge")) (*ru)["maxSurge"] = "25%";
      }
    }
  }
  if (Missing(s, "revisionHistoryLimit")) s["revisionHistoryLimit"] = 10;
  if (Missing(s, "progressDeadlineSeconds")) s["progressDeadlineSeconds"] = 600;
  DefaultTemplate(s);
}

void DefaultReplicaSet(json& obj) {
  json* spec = Object(obj, "spec");
  if (!spec) return;
  if (Missing(*spec, "replicas")) (*spec)["replicas"] = 1;
  DefaultTemplate(*spec);
}

void DefaultDaemonSet(json& obj) {
  json* spec = Object(obj, "spec");
  if (!spec) return;
  json& s = *spec;
  json* us = Object(s, "updateStrategy");
  if (us) {
    if (MissingOrEmpty(*us, "type")) (*us)["type"] = "RollingUpdate";
    if ((*us)["type"] == "RollingUpdate") {
      json* ru = Object(*us, "rollingUpdate");
      if (ru) {
        if (Missing(*ru, "maxUnavailable")) (*ru)["maxUnavailable"] = 1;
        if (Missing(*ru, "maxSurge")) (*ru)["maxSurge"] = 0;
      }
    }
  }
  if (Missing(s, "revisionHistoryLimit")) s["revisionHistoryLimit"] = 10;
  DefaultTemplate(s);
}

void DefaultEndpointSlice(json& obj) {
  auto ports = obj.find("ports");
  if (ports == obj.end() || !ports->is_array()) return;
  for (auto& p : *ports) {
    if (!p.is_object()) continue;
    if (Missing(p, "name")) p["name"] = "";
    if (Missing(p, "protocol")) p["protocol"] = "TCP";
  }
}

void DefaultNetworkPolicy(json& obj) {
  json* spec = Object(obj, "spec");
  if (!spec) return;
  json& s = *spec;
  for (const char* dir : {"ingress", "egress"}) {
    auto rules = s.find(dir);
    if (rules == s.end() || !rules->is_array()) continue;
    for (auto& r : *rules) {
      if (!r.is_object()) continue;
      auto ports = r.find("ports");
      if (ports == r.end() || !ports->is_array()) continue;
      for (auto& p : *ports)
        if (p.is_object() && Missing(p, "protocol")) p["protocol"] = "TCP";
    }
  }
  if (MissingOrEmpty(s, "policyTypes")) {
    json types = json::array({"Ingress"});
    auto egress = s.find("egress");
    if (egress != s.end() && egress->is_array() && !egress->empty()) types.push_back("Egress");
    s["policyTypes"] = std::move(types);
  }
}

void DefaultIngressClass(json& obj) {
  auto spec = obj.find("spec");
  if (spec == obj.end() || !spec->is_object()) return;
  auto params = spec->find("parameters");
  if (params != spec->end() && params->is_object() && Missing(*params, "scope")) (*params)["scope"] = "Cluster";
}

}  // namespace

void ApplyDefaults(const Kind& k, nlohmann::json& obj) {
  if (!obj.is_object()) return;
  struct Entry {
    const char* group;
    const char* kind;
    void (*fn)(json&);
  };
  static const Entry kTable[] = {
      {"", "Pod", DefaultPod},
      {"", "Service", DefaultService},
      {"", "Namespace", DefaultNamespace},
      {"", "Endpoints", DefaultEndpoints},
      {"", "Secret", DefaultSecret},
      {"", "Node", DefaultNode},
      {"apps", "Deployment", DefaultDeployment},
      {"apps", "ReplicaSet", DefaultReplicaSet},
      {"apps", "DaemonSet", DefaultDaemonSet},
      {"discovery.k8s.io", "EndpointSlice", DefaultEndpointSlice},
      {"networking.k8s.io", "NetworkPolicy", DefaultNetworkPolicy},
      {"networking.k8s.io", "IngressClass", DefaultIngressClass},
  };
  try {
    for (const auto& e : kTable)
      if (k.group == e.group && k.kind == e.kind) {
        e.fn(obj);
        return;
      }
  } catch (const std::exception&) {
    // Never fails: a value of an unexpected type is left for Validate.
  }
}

}  // namespace netkube::api
