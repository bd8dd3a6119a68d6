#include "api/kinds.h"

#include <cctype>

namespace netkube::api {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kStatusVerbs = {"get", "patch", "update"};

Subresource Status(std::string kind, std::string group, std::string version) {
  return {"status", std::move(kind), std::move(group), std::move(version), kStatusVerbs, false};
}
Subresource Scale() { return {"scale", "Scale", "autoscaling", "v1", kStatusVerbs, false}; }

std::vector<Kind> MakeKinds() {
  std::vector<Kind> k;
  auto add = [&](std::string group, std::string version, std::string kind, std::string plural,
                 bool namespaced, std::vector<std::string> short_names,
                 std::vector<std::string> categories, std::string schema_pkg,
                 std::vector<Subresource> subs) {
    Kind x;
    x.group = std::move(group);
    x.version = std::move(version);
    x.kind = kind;
    x.plural = std::move(plural);
    x.singular.resize(kind.size());
    for (size_t i = 0; i < kind.size(); ++i) x.singular[i] = static_cast<char>(std::tolower(kind[i]));
    x.namespaced = namespaced;
    x.short_names = std::move(short_names);
    x.categories = std::move(categories);
    x.schema_type = schema_pkg + "." + kind;
    x.list_schema_type = schema_pkg + "." + kind + "List";
    x.verbs = kAllVerbs;
    x.subresources = std::move(subs);
    k.push_back(std::move(x));
  };
  const std::string core = "io.k8s.api.core.v1";
  add("", "v1", "ConfigMap", "configmaps", true, {"cm"}, {}, core, {});
  add("", "v1", "Endpoints", "endpoints", true, {"ep"}, {}, core, {});
  add("", "v1", "Event", "events", true, {"ev"}, {}, core, {});
  add("", "v1", "LimitRange", "limitranges", true, {"limits"}, {}, core, {});
  add("", "v1", "Namespace", "namespaces", false, {"ns"}, {}, core,
      {Status("Namespace", "", "v1"),
       {"finalize", "Namespace", "", "v1", {"update"}, false}});
  add("", "v1", "Node", "nodes", false, {"no"}, {}, core, {Status("Node", "", "v1")});
  add("", "v1", "Pod", "pods", true, {"po"}, {"all"}, core,
      {Status("Pod", "", "v1"),
       {"binding", "Binding", "", "v1", {"create"}, false},
       {"eviction", "Eviction", "policy", "v1", {"create"}, false},
       {"log", "Pod", "", "v1", {"get"}, true},
       {"exec", "PodExecOptions", "", "v1", {"create", "get"}, true},
       {"attach", "PodAttachOptions", "", "v1", {"create", "get"}, true},
       {"portforward", "PodPortForwardOptions", "", "v1", {"create", "get"}, true}});
  add("", "v1", "ResourceQuota", "resourcequotas", true, {"quota"}, {}, core, {Status("ResourceQuota", "", "v1")});
  add("", "v1", "Secret", "secrets", true, {}, {}, core, {});
  add("", "v1", "Service", "services", true, {"svc"}, {"all"}, core, {Status("Service", "", "v1")});
  add("", "v1", "ServiceAccount", "serviceaccounts", true, {"sa"}, {}, core,
      {{"token", "TokenRequest", "authentication.k8s.io", "v1", {"create"}, false}});
  const std::string apps = "io.k8s.api.apps.v1";
  add("apps", "v1", "DaemonSet", "daemonsets", true, {"ds"}, {"all"}, apps,
      {Status("DaemonSet", "apps", "v1")});
  add("apps", "v1", "Deployment", "deployments", true, {"deploy"}, {"all"}, apps,
      {Status("Deployment", "apps", "v1"), Scale()});
  add("apps", "v1", "ReplicaSet", "replicasets", true, {"rs"}, {"all"}, apps,
      {Status("ReplicaSet", "apps", "v1"), Scale()});
  add("coordination.k8s.io", "v1", "Lease", "leases", true, {}, {}, "io.k8s.api.coordination.v1", {});
  add("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, {}, {},
      "io.k8s.api.discovery.v1", {});
  const std::string net = "io.k8s.api.networking.v1";
  add("networking.k8s.io", "v1", "Ingress", "ingresses", true, {"ing"}, {}, net,
      {Status("Ingress", "networking.k8s.io", "v1")});
  add("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, {}, {}, net, {});
  add("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, {"netpol"}, {}, net, {});
  return k;
}

}  // namespace

std::string Kind::KeyPrefix() const {
  if (group.empty()) return "/registry/" + plural + "/";
  return "/registry/" + group + "/" + plural + "/";
}

const Subresource* Kind::FindSubresource(std::string_view name) const {
  for (const auto& s : subresources)
    if (s.name == name) return &s;
  return nullptr;
}

const std::vector<Kind>& AllKinds() {
  static const std::vector<Kind> kinds = MakeKinds();
  return kinds;
}

const Kind* FindByResource(std::string_view group, std::string_view version, std::string_view plural) {
  for (const auto& k : AllKinds())
    if (k.group == group && k.version == version && k.plural == plural) return &k;
  return nullptr;
}

const Kind* FindByKind(std::string_view group, std::string_view version, std::string_view kind) {
  for (const auto& k : AllKinds())
    if (k.group == group && k.version == version && k.kind == kind) return &k;
  return nullptr;
}

const Kind* FindByApiVersionKind(std::string_view api_version, std::string_view kind) {
  std::string_view group, version = api_version;
  if (auto slash = api_version.find('/'); slash != std::string_view::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  return FindByKind(group, version, kind);
}

std::vector<GroupVersion> ServedGroupVersions() {
  std::vector<GroupVersion> out;
  for (const auto& k : AllKinds()) {
    bool seen = false;
    for (const auto& gv : out) seen = seen || (gv.group == k.group && gv.version == k.version);
    if (!seen) out.push_back({k.group, k.version});
  }
  return out;
}

}  // namespace netkube::api
