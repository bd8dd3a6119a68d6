#include "cluster/manifest.h"

#include "api/kinds.h"
#include "apiserver/decode.h"

namespace netkube::cluster {

using nlohmann::json;

StatusOr<std::vector<json>> CniObjects(const std::string& cni) {
  auto objects = apiserver::YamlDocumentsToJson(CniManifestYaml());
  if (!objects.ok()) return objects.status();
  for (auto& o : *objects) {
    if (o.value("kind", "") != "DaemonSet") continue;
    for (auto& c : o["spec"]["template"]["spec"]["containers"]) {
      c["args"] = json::array({"--plugin", cni == "bridge" ? "reference" : "netkube"});
    }
  }
  return objects;
}

StatusOr<std::vector<json>> CoreDnsObjects(const std::string& cluster_dns) {
  auto objects = apiserver::YamlDocumentsToJson(CoreDnsManifestYaml());
  if (!objects.ok()) return objects.status();
  for (auto& o : *objects) {
    if (o.value("kind", "") == "Service") o["spec"]["clusterIP"] = cluster_dns;
  }
  return objects;
}

StatusOr<std::vector<json>> IngressObjects() { return apiserver::YamlDocumentsToJson(IngressManifestYaml()); }

Status ApplyObjects(client::Client& client, const std::vector<json>& objects) {
  for (const auto& o : objects) {
    std::string api_version = o.value("apiVersion", ""), kind = o.value("kind", "");
    auto slash = api_version.find('/');
    std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
    const api::Kind* k = api::FindByKind(group, version, kind);
    std::string name = o.contains("metadata") ? o["metadata"].value("name", "") : "";
    if (!k) return Status::BadRequest("manifest: unknown kind " + api_version + " " + kind);
    std::string ns = o.contains("metadata") ? o["metadata"].value("namespace", "") : "";
    auto created = client.Create(*k, ns, o);
    if (!created.ok() && !created.status().IsAlreadyExists()) {
      return Status(created.status().reason(), "create " + kind + " " + name + ": " + created.status().message());
    }
  }
  return Status::OK();
}

}  // namespace netkube::cluster
