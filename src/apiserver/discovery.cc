#include "apiserver/discovery.h"

#include <nlohmann/json.hpp>

#include "api/kinds.h"

namespace netkube::apiserver {

using nlohmann::json;

namespace {

json GroupVersionFor(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

json GroupJson(const std::string& group) {
  json versions = json::array();
  for (const auto& gv : api::ServedGroupVersions())
    if (gv.group == group) versions.push_back(GroupVersionFor(gv.group, gv.version));
  if (versions.empty()) return json();
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions[0]}};
}

}  // namespace

std::string ApiVersionsJson(const std::string& server_address) {
  json j = {{"kind", "APIVersions"},
            {"versions", json::array({"v1"})},
            {"serverAddressByClientCIDRs", json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
  return j.dump();
}

std::string ApiGroupListJson() {
  json groups = json::array();
  for (const auto& gv : api::ServedGroupVersions()) {
    if (gv.group.empty()) continue;
    bool seen = false;
    for (const auto& g : groups) seen = seen || g["name"] == gv.group;
    if (!seen) groups.push_back(GroupJson(gv.group));
  }
  return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}}.dump();
}

std::string ApiGroupJson(std::string_view group) {
  json g = GroupJson(std::string(group));
  if (g.is_null()) return "";
  g["kind"] = "APIGroup";
  g["apiVersion"] = "v1";
  return g.dump();
}

std::string ApiResourceListJson(std::string_view group, std::string_view version) {
  json resources = json::array();
  bool served = false;
  for (const auto& k : api::AllKinds()) {
    if (k.group != group || k.version != version) continue;
    served = true;
    json r = {{"name", k.plural}, {"singularName", k.singular}, {"namespaced", k.namespaced},
              {"kind", k.kind},   {"verbs", k.verbs}};
    if (!k.short_names.empty()) r["shortNames"] = k.short_names;
    if (!k.categories.empty()) r["categories"] = k.categories;
    resources.push_back(r);
    for (const auto& s : k.subresources) {
      json sr = {{"name", k.plural + "/" + s.name}, {"singularName", ""}, {"namespaced", k.namespaced},
                 {"kind", s.kind}, {"verbs", s.verbs}};
      if (s.group != k.group || s.version != k.version) {
        sr["group"] = s.group;
        sr["version"] = s.version;
      }
      resources.push_back(sr);
    }
  }
  if (!served) return "";
  std::string gv = group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
  return json{{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv}, {"resources", resources}}.dump();
}

}  // namespace netkube::apiserver
