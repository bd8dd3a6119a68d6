// Kinds: the registry of every API resource netkube serves.
//
// One entry per kind states its group/version, names (plural, singular, short
// names, categories), scope, verbs, subresources and its schema type. Discovery,
// OpenAPI paths, routing and `kubectl api-resources` all read this table; the
// per-kind behaviours (defaults.h, validation.h, printers.h, fields.h) switch on
// the Kind they are given.
//
// Thread-safety: the table is immutable after static initialisation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netkube::api {

struct Subresource {
  std::string name;                // "status", "scale", "binding", "log", "exec", ...
  std::string kind;                // the body kind: "Pod", "Scale", "Binding", "Eviction", ...
  std::string group;               // group of that body kind ("autoscaling" for Scale)
  std::string version;             // version of that body kind
  std::vector<std::string> verbs;  // e.g. {"get", "patch", "update"}
  bool node_side = false;          // served by the node agent (log, exec, attach, portforward)
};

struct Kind {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string kind;     // "Pod"
  std::string plural;   // "pods"
  std::string singular; // "pod"
  bool namespaced = true;
  std::vector<std::string> short_names;  // {"po"}
  std::vector<std::string> categories;   // {"all"}
  std::string schema_type;               // "io.k8s.api.core.v1.Pod"
  std::string list_schema_type;          // "io.k8s.api.core.v1.PodList"
  std::vector<std::string> verbs;
  std::vector<Subresource> subresources;

  // "v1" or "apps/v1".
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // The store key prefix of this resource: "/registry/pods/" (group prefixed
  // for non-core groups, e.g. "/registry/apps/deployments/").
  std::string KeyPrefix() const;
  const Subresource* FindSubresource(std::string_view name) const;
};

// Every kind, in a stable order (core first, then groups alphabetically).
const std::vector<Kind>& AllKinds();

// Lookups; nullptr when unknown.
const Kind* FindByResource(std::string_view group, std::string_view version, std::string_view plural);
const Kind* FindByKind(std::string_view group, std::string_view version, std::string_view kind);
// By apiVersion ("apps/v1") and kind ("Deployment").
const Kind* FindByApiVersionKind(std::string_view api_version, std::string_view kind);

// The served group/versions, "v1" first: {"", "v1"}, {"apps", "v1"}, ...
struct GroupVersion {
  std::string group;
  std::string version;
  std::string ToString() const { return group.empty() ? version : group + "/" + version; }
};
std::vector<GroupVersion> ServedGroupVersions();

}  // namespace netkube::api
