// Selectable fields per kind, as kube-apiserver's field label conversion
// functions (pkg/apis/*/v1 conversion) and registry strategies define them.
// Kinds without their own conversion accept metadata.name and
// metadata.namespace only.
#include "api/fields.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

using nlohmann::json;

// The string at a path of object keys; "" when absent or not a string.
std::string At(const json& obj, std::initializer_list<const char*> path) {
  const json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(key);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number_integer()) return std::to_string(cur->get<long long>());
  return "";
}

struct KindFields {
  const char* group;
  const char* kind;
  std::vector<std::string> fields;  // beyond the metadata ones
  bool namespace_field;             // metadata.namespace is selectable
};

const std::vector<KindFields>& Table() {
  static const std::vector<KindFields> kTable = {
      {"", "Pod",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
        "status.nominatedNodeName", "spec.host"},
       true},
      {"", "Node", {"spec.unschedulable"}, false},
      {"", "Namespace", {"status.phase"}, false},
      {"", "Event",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
       true},
      {"", "Secret", {"type"}, true},
      {"", "Service", {"spec.clusterIP", "spec.type"}, true},
      {"", "ReplicationController", {"status.replicas"}, true},
      {"apps", "ReplicaSet", {"status.replicas"}, true},
  };
  return kTable;
}

const KindFields* Find(const Kind& k) {
  for (const auto& e : Table()) {
    if (k.group == e.group && k.kind == e.kind) return &e;
  }
  return nullptr;
}

void AddPodFields(const json& obj, FieldSet* out) {
  std::string node = At(obj, {"spec", "nodeName"});
  out->emplace_back("spec.nodeName", node);
  out->emplace_back("spec.host", node);  // the old name clients may still send
  out->emplace_back("spec.restartPolicy", At(obj, {"spec", "restartPolicy"}));
  out->emplace_back("spec.schedulerName", At(obj, {"spec", "schedulerName"}));
  out->emplace_back("spec.serviceAccountName", At(obj, {"spec", "serviceAccountName"}));
  std::string host_network = At(obj, {"spec", "hostNetwork"});
  out->emplace_back("spec.hostNetwork", host_network.empty() ? "false" : host_network);
  out->emplace_back("status.phase", At(obj, {"status", "phase"}));
  std::string pod_ip;
  std::string pod_ips;
  if (auto s = obj.find("status"); s != obj.end() && s->is_object()) {
    if (auto ips = s->find("podIPs"); ips != s->end() && ips->is_array()) {
      for (const auto& ip : *ips) {
        std::string v = At(ip, {"ip"});
        if (pod_ip.empty()) pod_ip = v;
        if (!pod_ips.empty()) pod_ips += ",";
        pod_ips += v;
      }
    }
  }
  if (pod_ip.empty()) pod_ip = At(obj, {"status", "podIP"});
  if (pod_ips.empty()) pod_ips = pod_ip;
  out->emplace_back("status.podIP", pod_ip);
  out->emplace_back("status.podIPs", pod_ips);
  out->emplace_back("status.nominatedNodeName", At(obj, {"status", "nominatedNodeName"}));
}

void AddEventFields(const json& obj, FieldSet* out) {
  for (const char* f : {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
                        "fieldPath"}) {
    out->emplace_back(std::string("involvedObject.") + f, At(obj, {"involvedObject", f}));
  }
  out->emplace_back("reason", At(obj, {"reason"}));
  out->emplace_back("reportingComponent", At(obj, {"reportingComponent"}));
  std::string source = At(obj, {"source", "component"});
  if (source.empty()) source = At(obj, {"reportingComponent"});
  out->emplace_back("source", source);
  out->emplace_back("type", At(obj, {"type"}));
}

}  // namespace

FieldSet SelectableFields(const Kind& k, const nlohmann::json& obj) {
  FieldSet out;
  const KindFields* e = Find(k);
  out.emplace_back("metadata.name", At(obj, {"metadata", "name"}));
  if (k.namespaced) out.emplace_back("metadata.namespace", At(obj, {"metadata", "namespace"}));
  if (!e) return out;
  if (k.group.empty() && k.kind == "Pod") {
    AddPodFields(obj, &out);
  } else if (k.group.empty() && k.kind == "Event") {
    AddEventFields(obj, &out);
  } else if (k.group.empty() && k.kind == "Node") {
    std::string u = At(obj, {"spec", "unschedulable"});
    out.emplace_back("spec.unschedulable", u.empty() ? "false" : u);
  } else if (k.group.empty() && k.kind == "Namespace") {
    out.emplace_back("status.phase", At(obj, {"status", "phase"}));
  } else if (k.group.empty() && k.kind == "Secret") {
    out.emplace_back("type", At(obj, {"type"}));
  } else if (k.group.empty() && k.kind == "Service") {
    out.emplace_back("spec.clusterIP", At(obj, {"spec", "clusterIP"}));
    out.emplace_back("spec.type", At(obj, {"spec", "type"}));
  } else if (k.kind == "ReplicaSet" || k.kind == "ReplicationController") {
    std::string r = At(obj, {"status", "replicas"});
    out.emplace_back("status.replicas", r.empty() ? "0" : r);
  }
  return out;
}

bool IsSelectableField(const Kind& k, std::string_view field) {
  if (field == "metadata.name") return true;
  const KindFields* e = Find(k);
  if (!e) return field == "metadata.namespace";
  if (field == "metadata.namespace") return e->namespace_field;
  return std::find(e->fields.begin(), e->fields.end(), field) != e->fields.end();
}

}  // namespace netkube::api
