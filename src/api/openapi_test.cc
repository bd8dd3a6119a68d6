#include "api/openapi.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <thread>

#include "api/kinds.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

json V3(std::string_view gv) {
  const std::string* doc = OpenApiV3(gv);
  EXPECT_NE(doc, nullptr) << gv;
  return doc ? json::parse(*doc) : json::object();
}

// Calls `fn` on every JSON value in `j`.
void Visit(const json& j, const std::function<void(const json&)>& fn) {
  fn(j);
  if (j.is_structured())
    for (const auto& v : j) Visit(v, fn);
}

// Every "$ref" of `doc` names an entry of `defs`.
void ExpectRefsResolve(const json& doc, const json& defs, const std::string& prefix) {
  int refs = 0;
  Visit(doc, [&](const json& v) {
    if (!v.is_object() || !v.contains("$ref")) return;
    ++refs;
    const std::string ref = v["$ref"];
    ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
    EXPECT_TRUE(defs.contains(ref.substr(prefix.size()))) << ref;
  });
  EXPECT_GT(refs, 20);
}

bool HasQueryParam(const json& op, const std::string& name) {
  for (const auto& p : op.value("parameters", json::array()))
    if (p.value("name", "") == name && p.value("in", "") == "query") return true;
  return false;
}

TEST(OpenApiTest, V3IndexListsEveryServedGroupVersion) {
  const json index = json::parse(OpenApiV3Index());
  for (const auto& gv : ServedGroupVersions()) {
    const std::string key = gv.group.empty() ? "api/" + gv.version : "apis/" + gv.ToString();
    ASSERT_TRUE(index["paths"].contains(key)) << key;
    const std::string url = index["paths"][key]["serverRelativeURL"];
    EXPECT_EQ(url.rfind("/openapi/v3/" + key + "?hash=", 0), 0u) << url;
    EXPECT_NE(OpenApiV3(key), nullptr);
  }
  EXPECT_EQ(OpenApiV3("apis/batch/v1"), nullptr);
}

TEST(OpenApiTest, V3RefsResolve) {
  const json index = json::parse(OpenApiV3Index());
  for (const auto& [key, _] : index["paths"].items()) {
    const json doc = V3(key);
    EXPECT_EQ(doc["openapi"], "3.0.0");
    ExpectRefsResolve(doc, doc["components"]["schemas"], "#/components/schemas/");
  }
}

TEST(OpenApiTest, V2RefsResolve) {
  const json doc = json::parse(OpenApiV2());
  EXPECT_EQ(doc["swagger"], "2.0");
  ExpectRefsResolve(doc, doc["definitions"], "#/definitions/");
}

// kubectl's QueryParamVerifierV3 takes any PATCH operation of the GVK and looks
// for fieldValidation among that operation's own parameters.
TEST(OpenApiTest, EveryPatchOperationHasFieldValidationAndStrategicMergePatch) {
  const json index = json::parse(OpenApiV3Index());
  for (const auto& [key, _] : index["paths"].items()) {
    const json doc = V3(key);
    for (const auto& [path, item] : doc["paths"].items()) {
      if (!item.contains("patch")) continue;
      const json& op = item["patch"];
      EXPECT_TRUE(HasQueryParam(op, "fieldValidation")) << path;
      EXPECT_TRUE(HasQueryParam(op, "force")) << path;
      EXPECT_TRUE(op["requestBody"]["content"].contains("application/strategic-merge-patch+json"))
          << path;
      EXPECT_TRUE(op.contains("x-kubernetes-group-version-kind")) << path;
    }
  }
}

TEST(OpenApiTest, PodPaths) {
  const json doc = V3("api/v1");
  const json& paths = doc["paths"];
  const json& item = paths["/api/v1/namespaces/{namespace}/pods/{name}"];
  EXPECT_EQ(item["patch"]["operationId"], "patchCoreV1NamespacedPod");
  EXPECT_EQ(item["patch"]["x-kubernetes-action"], "patch");
  EXPECT_EQ(item["patch"]["x-kubernetes-group-version-kind"],
            (json{{"group", ""}, {"kind", "Pod"}, {"version", "v1"}}));
  EXPECT_TRUE(HasQueryParam(item["put"], "fieldValidation"));
  EXPECT_TRUE(HasQueryParam(item["put"], "dryRun"));
  EXPECT_TRUE(HasQueryParam(item["put"], "fieldManager"));
  EXPECT_EQ(item["get"]["operationId"], "readCoreV1NamespacedPod");
  EXPECT_EQ(item["delete"]["x-kubernetes-action"], "delete");

  const json& coll = paths["/api/v1/namespaces/{namespace}/pods"];
  EXPECT_EQ(coll["get"]["operationId"], "listCoreV1NamespacedPod");
  EXPECT_EQ(coll["post"]["operationId"], "createCoreV1NamespacedPod");
  EXPECT_TRUE(HasQueryParam(coll["post"], "fieldValidation"));
  EXPECT_EQ(coll["delete"]["x-kubernetes-action"], "deletecollection");
  for (const char* p : {"labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
                        "resourceVersionMatch", "watch", "allowWatchBookmarks", "timeoutSeconds",
                        "sendInitialEvents"})
    EXPECT_TRUE(HasQueryParam(coll["get"], p)) << p;

  EXPECT_EQ(paths["/api/v1/pods"]["get"]["operationId"], "listCoreV1PodForAllNamespaces");
  EXPECT_EQ(paths["/api/v1/watch/namespaces/{namespace}/pods/{name}"]["get"]["x-kubernetes-action"],
            "watch");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/pods/{name}/status"]["patch"]["operationId"],
            "patchCoreV1NamespacedPodStatus");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]["operationId"],
            "readCoreV1NamespacedPodLog");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"]["post"]["operationId"],
            "connectCoreV1PostNamespacedPodExec");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"]["get"]["x-kubernetes-action"],
            "connect");
  EXPECT_EQ(paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
                 ["x-kubernetes-group-version-kind"]["group"],
            "policy");
  EXPECT_EQ(paths["/api/v1/nodes/{name}"]["patch"]["operationId"], "patchCoreV1Node");
  EXPECT_EQ(paths["/api/v1/namespaces/{name}/finalize"]["put"]["operationId"],
            "replaceCoreV1NamespaceFinalize");
}

TEST(OpenApiTest, OperationIdsOfOtherGroups) {
  const json apps = V3("apis/apps/v1");
  EXPECT_EQ(apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"]
                ["operationId"],
            "patchAppsV1NamespacedDeploymentScale");
  const json net = V3("apis/networking.k8s.io/v1");
  EXPECT_EQ(net["paths"]["/apis/networking.k8s.io/v1/ingressclasses"]["post"]["operationId"],
            "createNetworkingV1IngressClass");
}

TEST(OpenApiTest, PodSchemaForExplainAndPatch) {
  const json doc = V3("api/v1");
  const json& schemas = doc["components"]["schemas"];
  const json& pod = schemas["io.k8s.api.core.v1.Pod"];
  EXPECT_EQ(pod["x-kubernetes-group-version-kind"],
            json::array({{{"group", ""}, {"kind", "Pod"}, {"version", "v1"}}}));
  EXPECT_EQ(pod["properties"]["spec"]["allOf"][0]["$ref"], "#/components/schemas/io.k8s.api.core.v1.PodSpec");
  EXPECT_FALSE(pod["description"].get<std::string>().empty());
  const json& containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
  EXPECT_EQ(containers["type"], "array");
  EXPECT_EQ(containers["items"]["$ref"], "#/components/schemas/io.k8s.api.core.v1.Container");
  EXPECT_EQ(containers["x-kubernetes-patch-merge-key"], "name");
  EXPECT_EQ(containers["x-kubernetes-patch-strategy"], "merge");
  EXPECT_EQ(containers["x-kubernetes-list-type"], "map");
  EXPECT_EQ(containers["x-kubernetes-list-map-keys"], json::array({"name"}));
  const json& required = schemas["io.k8s.api.core.v1.PodSpec"]["required"];
  EXPECT_NE(std::find(required.begin(), required.end(), "containers"), required.end());
  EXPECT_EQ(schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["restartPolicy"]["enum"],
            json::array({"Always", "Never", "OnFailure"}));
  EXPECT_EQ(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]["labels"],
            (json{{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}));
  const json& ios = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"];
  EXPECT_EQ(ios["format"], "int-or-string");
  EXPECT_EQ(ios["x-kubernetes-int-or-string"], true);
  EXPECT_EQ(schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]["format"], "quantity");
  // The Volume's embedded VolumeSource is flattened.
  EXPECT_TRUE(schemas["io.k8s.api.core.v1.Volume"]["properties"].contains("emptyDir"));
  EXPECT_FALSE(schemas["io.k8s.api.core.v1.Volume"]["properties"].contains(""));
}

// kubectl explain and kubectl apply pick "the" schema of a GVK: only one may carry it.
TEST(OpenApiTest, EachGvkOnOneSchema) {
  const json index = json::parse(OpenApiV3Index());
  for (const auto& [key, _] : index["paths"].items()) {
    const json doc = V3(key);
    std::set<std::string> seen;
    for (const auto& [name, s] : doc["components"]["schemas"].items()) {
      for (const auto& g : s.value("x-kubernetes-group-version-kind", json::array())) {
        EXPECT_TRUE(seen.insert(g.dump()).second) << key << ": " << g.dump() << " on " << name;
      }
    }
  }
}

TEST(OpenApiTest, V2HasDefinitionsAndPatchConsumes) {
  const json doc = json::parse(OpenApiV2());
  const json& op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  EXPECT_EQ(op["operationId"], "patchAppsV1NamespacedDeployment");
  EXPECT_TRUE(HasQueryParam(op, "fieldValidation"));
  const auto& consumes = op["consumes"];
  EXPECT_NE(std::find(consumes.begin(), consumes.end(), "application/strategic-merge-patch+json"),
            consumes.end());
  EXPECT_EQ(doc["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
               ["x-kubernetes-patch-merge-key"],
            "name");
  EXPECT_EQ(doc["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"], "string");
}

// Reads one length-delimited field of a protobuf message; "" when absent.
std::string ProtoField(const std::string& msg, int field) {
  size_t i = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0; i < msg.size(); shift += 7) {
      const auto b = static_cast<unsigned char>(msg[i++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  while (i < msg.size()) {
    const uint64_t key = varint();
    if ((key & 7) == 0) {
      varint();
      continue;
    }
    const uint64_t len = varint();
    if (static_cast<int>(key >> 3) == field) return msg.substr(i, len);
    i += len;
  }
  return "";
}

TEST(OpenApiTest, V2ProtoIsAGnosticDocument) {
  const std::string& pb = OpenApiV2Proto();
  EXPECT_EQ(ProtoField(pb, 1), "2.0");                       // swagger
  EXPECT_EQ(ProtoField(ProtoField(pb, 2), 1), "Kubernetes (netkube)");  // info.title
  const std::string paths = ProtoField(pb, 8);
  EXPECT_FALSE(paths.empty());
  const std::string first_path = ProtoField(paths, 2);  // NamedPathItem
  EXPECT_EQ(ProtoField(first_path, 1).substr(0, 1), "/");
  EXPECT_FALSE(ProtoField(pb, 9).empty());  // definitions
  EXPECT_NE(pb.find("x-kubernetes-group-version-kind"), std::string::npos);
  EXPECT_NE(pb.find("fieldValidation"), std::string::npos);
  EXPECT_GT(pb.size(), 100000u);
}

TEST(OpenApiTest, BuiltOnceAndThreadSafe) {
  const std::string* seen[4] = {};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&seen, i] { seen[i] = &OpenApiV2(); });
  for (auto& t : threads) t.join();
  for (int i = 1; i < 4; ++i) EXPECT_EQ(seen[i], seen[0]);
  EXPECT_EQ(OpenApiV3("api/v1"), OpenApiV3("api/v1"));
}

}  // namespace
}  // namespace netkube::api
