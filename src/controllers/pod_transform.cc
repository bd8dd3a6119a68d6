#include "controllers/pod_transform.h"

namespace netkube::controllers {

using client::Json;

namespace {

void KeepOnly(Json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object()) return;
  Json out = Json::object();
  for (const char* k : keys) {
    auto it = obj.find(k);
    if (it != obj.end()) out[k] = std::move(*it);
  }
  obj = std::move(out);
}

void TrimContainers(Json& spec, const char* list) {
  auto it = spec.find(list);
  if (it == spec.end() || !it->is_array()) return;
  for (Json& c : *it) KeepOnly(c, {"name", "ports", "resources", "restartPolicy"});
}

void TrimStatuses(Json& status, const char* list) {
  auto it = status.find(list);
  if (it == status.end() || !it->is_array()) return;
  for (Json& c : *it) KeepOnly(c, {"name", "ready", "started", "restartCount", "lastState"});
}

}  // namespace

void TrimPodForControllers(Json& pod) {
  if (!pod.is_object()) return;
  if (auto md = pod.find("metadata"); md != pod.end() && md->is_object()) {
    md->erase("managedFields");
    if (auto a = md->find("annotations"); a != md->end() && a->is_object()) {
      a->erase("kubectl.kubernetes.io/last-applied-configuration");
      if (a->empty()) md->erase(a);
    }
  }
  if (auto spec = pod.find("spec"); spec != pod.end() && spec->is_object()) {
    KeepOnly(*spec, {"nodeName", "nodeSelector", "affinity", "tolerations", "schedulerName", "priority",
                     "priorityClassName", "hostname", "subdomain", "hostNetwork", "readinessGates",
                     "topologySpreadConstraints", "overhead", "containers", "initContainers"});
    TrimContainers(*spec, "containers");
    TrimContainers(*spec, "initContainers");
  }
  if (auto status = pod.find("status"); status != pod.end() && status->is_object()) {
    TrimStatuses(*status, "containerStatuses");
    TrimStatuses(*status, "initContainerStatuses");
    status->erase("ephemeralContainerStatuses");
  }
}

}  // namespace netkube::controllers
