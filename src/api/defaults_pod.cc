// Pod spec defaults (pkg/apis/core/v1/defaults.go and the admission plugins
// ServiceAccount, Priority and DefaultTolerationSeconds).
#include "api/defaults_pod.h"

#include <nlohmann/json.hpp>

namespace netkube::api::defaults {
namespace {

using nlohmann::json;

bool Missing(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null();
}
bool MissingOrEmptyString(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty());
}
void SetIfMissing(json& obj, const char* key, json value) {
  if (Missing(obj, key)) obj[key] = std::move(value);
}
void SetIfEmpty(json& obj, const char* key, json value) {
  if (MissingOrEmptyString(obj, key)) obj[key] = std::move(value);
}

void DefaultHTTPGet(json& handler) {
  auto it = handler.find("httpGet");
  if (it == handler.end() || !it->is_object()) return;
  SetIfEmpty(*it, "path", "/");
  SetIfEmpty(*it, "scheme", "HTTP");
}

void DefaultProbe(json& c, const char* which) {
  auto it = c.find(which);
  if (it == c.end() || !it->is_object()) return;
  json& p = *it;
  auto zero = [&](const char* k, int v) {
    auto f = p.find(k);
    if (f == p.end() || f->is_null() || (f->is_number() && f->get<int64_t>() == 0)) p[k] = v;
  };
  zero("timeoutSeconds", 1);
  zero("periodSeconds", 10);
  zero("successThreshold", 1);
  zero("failureThreshold", 3);
  DefaultHTTPGet(p);
}

void DefaultFieldRef(json& holder) {
  auto it = holder.find("fieldRef");
  if (it != holder.end() && it->is_object()) SetIfEmpty(*it, "apiVersion", "v1");
}

void DefaultContainer(json& c, bool host_network) {
  if (!c.is_object()) return;
  SetIfEmpty(c, "terminationMessagePath", "/dev/termination-log");
  SetIfEmpty(c, "terminationMessagePolicy", "File");
  // Always set, as kube-apiserver does before validating: a container without
  // an image then gets only the real error (image: Required value). An image
  // that does not parse has no tag: IfNotPresent.
  if (MissingOrEmptyString(c, "imagePullPolicy")) {
    std::string image = c.contains("image") && c["image"].is_string() ? c["image"].get<std::string>() : "";
    c["imagePullPolicy"] = image.empty() ? "IfNotPresent" : DefaultPullPolicy(image);
  }
  SetIfMissing(c, "resources", json::object());
  if (auto ports = c.find("ports"); ports != c.end() && ports->is_array()) {
    for (auto& p : *ports) {
      if (!p.is_object()) continue;
      SetIfEmpty(p, "protocol", "TCP");
      if (host_network && (Missing(p, "hostPort") || p["hostPort"] == 0) && p.contains("containerPort"))
        p["hostPort"] = p["containerPort"];
    }
  }
  if (auto env = c.find("env"); env != c.end() && env->is_array()) {
    for (auto& ev : *env)
      if (ev.is_object())
        if (auto vf = ev.find("valueFrom"); vf != ev.end() && vf->is_object()) DefaultFieldRef(*vf);
  }
  DefaultProbe(c, "livenessProbe");
  DefaultProbe(c, "readinessProbe");
  DefaultProbe(c, "startupProbe");
  if (auto lc = c.find("lifecycle"); lc != c.end() && lc->is_object()) {
    for (const char* h : {"postStart", "preStop"})
      if (auto hh = lc->find(h); hh != lc->end() && hh->is_object()) DefaultHTTPGet(*hh);
  }
}

// Volume source fields; a volume with none of them becomes an emptyDir.
const char* const kVolumeSources[] = {
    "emptyDir",  "hostPath",  "gitRepo",       "gcePersistentDisk",    "awsElasticBlockStore", "secret",
    "nfs",       "iscsi",     "glusterfs",     "flocker",              "persistentVolumeClaim", "rbd",
    "cinder",    "cephfs",    "quobyte",       "downwardAPI",          "fc",                   "flexVolume",
    "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",       "azureDisk",
    "storageos", "projected", "scaleIO",       "csi",                  "ephemeral",            "image"};

void DefaultVolume(json& v) {
  if (!v.is_object()) return;
  bool any = false;
  for (const char* s : kVolumeSources) any = any || !Missing(v, s);
  if (!any) v["emptyDir"] = json::object();
  for (const char* s : {"configMap", "secret", "downwardAPI", "projected"}) {
    auto it = v.find(s);
    if (it == v.end() || !it->is_object()) continue;
    SetIfMissing(*it, "defaultMode", 420);
    if (std::string(s) == "downwardAPI")
      if (auto items = it->find("items"); items != it->end() && items->is_array())
        for (auto& item : *items)
          if (item.is_object()) DefaultFieldRef(item);
    if (std::string(s) == "projected")
      if (auto sources = it->find("sources"); sources != it->end() && sources->is_array())
        for (auto& src : *sources) {
          if (!src.is_object()) continue;
          if (auto sat = src.find("serviceAccountToken"); sat != src.end() && sat->is_object())
            SetIfMissing(*sat, "expirationSeconds", 3600);
          if (auto dapi = src.find("downwardAPI"); dapi != src.end() && dapi->is_object())
            if (auto items = dapi->find("items"); items != dapi->end() && items->is_array())
              for (auto& item : *items)
                if (item.is_object()) DefaultFieldRef(item);
        }
  }
  if (auto hp = v.find("hostPath"); hp != v.end() && hp->is_object()) SetIfMissing(*hp, "type", "");
}

// Whether `tols` already tolerates a NoExecute taint with this key.
bool Tolerates(const json& tols, const std::string& key) {
  for (const auto& t : tols) {
    if (!t.is_object()) continue;
    std::string k = t.value("key", ""), op = t.value("operator", ""), effect = t.value("effect", "");
    if (!effect.empty() && effect != "NoExecute") continue;
    if (k.empty() && op == "Exists") return true;
    if (k == key) return true;
  }
  return false;
}

}  // namespace

const char* DefaultPullPolicy(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag) return "Always";
  return image.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void DefaultPodSpec(json& spec) {
  SetIfEmpty(spec, "dnsPolicy", "ClusterFirst");
  SetIfEmpty(spec, "restartPolicy", "Always");
  SetIfMissing(spec, "securityContext", json::object());
  SetIfMissing(spec, "terminationGracePeriodSeconds", 30);
  SetIfEmpty(spec, "schedulerName", "default-scheduler");
  bool host_network = spec.value("hostNetwork", false);
  for (const char* list : {"containers", "initContainers"})
    if (auto cs = spec.find(list); cs != spec.end() && cs->is_array())
      for (auto& c : *cs) DefaultContainer(c, host_network);
  if (auto vols = spec.find("volumes"); vols != spec.end() && vols->is_array())
    for (auto& v : *vols) DefaultVolume(v);
}

void DefaultPodOnly(json& spec) {
  SetIfMissing(spec, "enableServiceLinks", true);
  for (const char* list : {"containers", "initContainers"}) {
    auto cs = spec.find(list);
    if (cs == spec.end() || !cs->is_array()) continue;
    for (auto& c : *cs) {
      if (!c.is_object()) continue;
      auto res = c.find("resources");
      if (res == c.end() || !res->is_object()) continue;
      auto limits = res->find("limits");
      if (limits == res->end() || !limits->is_object() || limits->empty()) continue;
      json& requests = (*res)["requests"];
      if (!requests.is_object()) requests = json::object();
      for (auto it = limits->begin(); it != limits->end(); ++it)
        if (!requests.contains(it.key())) requests[it.key()] = it.value();
    }
  }
  // ServiceAccount admission (the token volume itself is the server's job).
  if (MissingOrEmptyString(spec, "serviceAccountName")) {
    std::string sa = spec.value("serviceAccount", "");
    spec["serviceAccountName"] = sa.empty() ? "default" : sa;
  }
  SetIfEmpty(spec, "serviceAccount", spec["serviceAccountName"]);
  // Priority admission.
  SetIfMissing(spec, "priority", 0);
  SetIfEmpty(spec, "preemptionPolicy", "PreemptLowerPriority");
  // DefaultTolerationSeconds admission.
  json& tols = spec["tolerations"];
  if (!tols.is_array()) tols = json::array();
  for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})
    if (!Tolerates(tols, key))
      tols.push_back({{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
}

}  // namespace netkube::api::defaults
