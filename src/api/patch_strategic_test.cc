#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/patch.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

Field F(std::string name, ValueType type, const TypeDef* ref = nullptr) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  f.ref = ref;
  if (ref) f.type_name = ref->name;
  return f;
}
Field MergeList(std::string name, const TypeDef* ref, std::string key, std::string strategy = "merge") {
  Field f = F(std::move(name), ref ? ValueType::kObject : ValueType::kString, ref);
  f.array = true;
  f.patch_strategy = std::move(strategy);
  f.patch_merge_key = std::move(key);
  return f;
}
Field Map(std::string name) {
  Field f = F(std::move(name), ValueType::kString);
  f.map = true;
  return f;
}
Field Atomic(std::string name, ValueType type) {
  Field f = F(std::move(name), type);
  f.array = true;
  return f;
}

// A small slice of the Kubernetes schema: Deployment → pod template → containers.
struct MiniSchema {
  TypeDef meta, port, env, container, volume, pod_spec, template_, rolling, strategy, dep_spec, deployment;
  MiniSchema() {
    meta.name = "ObjectMeta";
    meta.fields = {F("name", ValueType::kString), Map("labels"), Map("annotations"),
                   MergeList("finalizers", nullptr, "")};
    port.name = "ContainerPort";
    port.fields = {F("containerPort", ValueType::kInt32), F("protocol", ValueType::kString), F("name", ValueType::kString)};
    env.name = "EnvVar";
    env.fields = {F("name", ValueType::kString), F("value", ValueType::kString)};
    container.name = "Container";
    container.fields = {F("name", ValueType::kString), F("image", ValueType::kString),
                        MergeList("ports", &port, "containerPort"), MergeList("env", &env, "name"),
                        Atomic("args", ValueType::kString)};
    volume.name = "Volume";
    volume.fields = {F("name", ValueType::kString), F("emptyDir", ValueType::kObject), F("configMap", ValueType::kObject)};
    pod_spec.name = "PodSpec";
    pod_spec.fields = {MergeList("containers", &container, "name"),
                       MergeList("volumes", &volume, "name", "merge,retainKeys"), Map("nodeSelector")};
    template_.name = "PodTemplateSpec";
    template_.fields = {F("metadata", ValueType::kObject, &meta), F("spec", ValueType::kObject, &pod_spec)};
    rolling.name = "RollingUpdateDeployment";
    rolling.fields = {F("maxSurge", ValueType::kIntOrString), F("maxUnavailable", ValueType::kIntOrString)};
    strategy.name = "DeploymentStrategy";
    strategy.fields = {F("type", ValueType::kString), F("rollingUpdate", ValueType::kObject, &rolling)};
    dep_spec.name = "DeploymentSpec";
    Field strat = F("strategy", ValueType::kObject, &strategy);
    strat.patch_strategy = "retainKeys";
    dep_spec.fields = {F("replicas", ValueType::kInt32), strat, F("template", ValueType::kObject, &template_)};
    deployment.name = "Deployment";
    deployment.fields = {F("metadata", ValueType::kObject, &meta), F("spec", ValueType::kObject, &dep_spec)};
  }
};

const MiniSchema& Schema() {
  static const MiniSchema* s = new MiniSchema();
  return *s;
}

json Deployment() {
  return json::parse(R"({
    "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
    "spec": {"replicas": 3,
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
      "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
        "containers": [
          {"name": "nginx", "image": "nginx:1.25", "args": ["-g", "daemon off;"],
           "ports": [{"containerPort": 80, "protocol": "TCP"}],
           "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
          {"name": "sidecar", "image": "busybox"}],
        "volumes": [{"name": "cache", "emptyDir": {}}]}}}})");
}

json Smp(const json& doc, const char* patch) {
  auto r = ApplyStrategicMergePatch(doc, json::parse(patch), &Schema().deployment);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : json();
}

json Containers(const json& d) { return d["spec"]["template"]["spec"]["containers"]; }

TEST(StrategicMergePatchTest, MergesContainersByName) {
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}})");
  ASSERT_EQ(Containers(r).size(), 2u);
  EXPECT_EQ(Containers(r)[0]["image"], "nginx:1.27");
  EXPECT_EQ(Containers(r)[0]["ports"][0]["containerPort"], 80);  // untouched fields stay
  EXPECT_EQ(Containers(r)[1]["name"], "sidecar");
}

TEST(StrategicMergePatchTest, NewElementWithoutOrderGoesFirst) {
  // As on kube-apiserver: items only on the server follow the patch's new items.
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"containers":[{"name":"log","image":"fluent"}]}}}})");
  ASSERT_EQ(Containers(r).size(), 3u);
  EXPECT_EQ(Containers(r)[0]["name"], "log");
  EXPECT_EQ(Containers(r)[1]["name"], "nginx");
  EXPECT_EQ(Containers(r)[2]["name"], "sidecar");
}

TEST(StrategicMergePatchTest, SetElementOrder) {
  // kubectl apply adding env C after A, B.
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
      "containers":[{"name":"nginx","$setElementOrder/env":[{"name":"A"},{"name":"B"},{"name":"C"}],
                     "env":[{"name":"C","value":"3"}]}]}}}})");
  EXPECT_EQ(Containers(r)[0]["env"], json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"2"},{"name":"C","value":"3"}])"));
  EXPECT_EQ(Containers(r)[1]["name"], "sidecar");
  // Reordering containers.
  r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"nginx"}]}}}})");
  EXPECT_EQ(Containers(r)[0]["name"], "sidecar");
  EXPECT_EQ(Containers(r)[1]["name"], "nginx");
}

TEST(StrategicMergePatchTest, KubectlApplyAddsAndRemovesPorts) {
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
      "containers":[{"$setElementOrder/ports":[{"containerPort":80},{"containerPort":443}],"name":"nginx",
                     "ports":[{"containerPort":443}]}]}}}})");
  EXPECT_EQ(Containers(r)[0]["ports"], json::parse(R"([{"containerPort":80,"protocol":"TCP"},{"containerPort":443}])"));
  r = Smp(r, R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
      "containers":[{"$setElementOrder/ports":[{"containerPort":443}],"name":"nginx",
                     "ports":[{"$patch":"delete","containerPort":80}]}]}}}})");
  EXPECT_EQ(Containers(r)[0]["ports"], json::parse(R"([{"containerPort":443}])"));
}

TEST(StrategicMergePatchTest, DeleteListElement) {
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"sidecar"}]}}}})");
  ASSERT_EQ(Containers(r).size(), 1u);
  EXPECT_EQ(Containers(r)[0]["name"], "nginx");
}

TEST(StrategicMergePatchTest, ReplaceList) {
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x"},{"$patch":"replace"}]}}}})");
  EXPECT_EQ(Containers(r), json::parse(R"([{"name":"only","image":"x"}])"));
}

TEST(StrategicMergePatchTest, ReplaceAndDeleteMap) {
  json r = Smp(Deployment(), R"({"metadata":{"labels":{"$patch":"replace","new":"1"}}})");
  EXPECT_EQ(r["metadata"]["labels"], json::parse(R"({"new":"1"})"));
  r = Smp(Deployment(), R"({"metadata":{"labels":{"$patch":"delete"}}})");
  EXPECT_EQ(r["metadata"]["labels"], json::object());
  r = Smp(Deployment(), R"({"metadata":{"labels":{"$patch":"merge","new":"1"}}})");
  EXPECT_EQ(r["metadata"]["labels"], json::parse(R"({"app":"web","new":"1"})"));
}

TEST(StrategicMergePatchTest, MergeDirectiveInListRejected) {
  auto r = ApplyStrategicMergePatch(
      Deployment(), json::parse(R"({"spec":{"template":{"spec":{"containers":[{"$patch":"merge"}]}}}})"),
      &Schema().deployment);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "merging lists cannot yet be specified in the patch");
}

TEST(StrategicMergePatchTest, RetainKeys) {
  // kubectl apply switching the strategy to Recreate.
  json r = Smp(Deployment(), R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}})");
  EXPECT_EQ(r["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));
  // Volumes: switch a volume's source.
  r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"volumes":[{"$retainKeys":["configMap","name"],"name":"cache","configMap":{"name":"c"}}]}}}})");
  EXPECT_EQ(r["spec"]["template"]["spec"]["volumes"], json::parse(R"([{"name":"cache","configMap":{"name":"c"}}])"));
  // Every patched key must be retained.
  auto bad = ApplyStrategicMergePatch(Deployment(), json::parse(R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}})"),
                                      &Schema().deployment);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "invalid patch format of retainKeys");
}

TEST(StrategicMergePatchTest, PrimitiveLists) {
  json r = Smp(Deployment(), R"({"metadata":{"finalizers":["b","c"]}})");
  EXPECT_EQ(r["metadata"]["finalizers"], json::parse(R"(["a","b","c"])"));
  r = Smp(Deployment(), R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})");
  EXPECT_EQ(r["metadata"]["finalizers"], json::parse(R"(["b"])"));
  r = Smp(Deployment(), R"({"metadata":{"$setElementOrder/finalizers":["b","a"]}})");
  EXPECT_EQ(r["metadata"]["finalizers"], json::parse(R"(["b","a"])"));
}

TEST(StrategicMergePatchTest, ListsWithoutStrategyAreReplaced) {
  json r = Smp(Deployment(), R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","args":["x"]}]}}}})");
  EXPECT_EQ(Containers(r)[0]["args"], json::parse(R"(["x"])"));
}

TEST(StrategicMergePatchTest, NullDeletesAndLabels) {
  // kubectl label / annotate / scale send these as strategic patches too.
  json r = Smp(Deployment(), R"({"metadata":{"labels":{"app":null,"tier":"fe"}},"spec":{"replicas":5}})");
  EXPECT_EQ(r["metadata"]["labels"], json::parse(R"({"tier":"fe"})"));
  EXPECT_EQ(r["spec"]["replicas"], 5);
}

TEST(StrategicMergePatchTest, UnknownTypeFallsBackToMergePatch) {
  auto r = ApplyStrategicMergePatch(Deployment(),
                                    json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"x"}]}}}})"), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Containers(*r), json::parse(R"([{"name":"x"}])"));
  // Unknown fields of a known type, too.
  json d = Smp(json::parse(R"({"spec":{"extra":[1,2],"obj":{"a":1}}})"), R"({"spec":{"extra":[3],"obj":{"b":2,"a":null}}})");
  EXPECT_EQ(d["spec"], json::parse(R"({"extra":[3],"obj":{"b":2}})"));
}

TEST(StrategicMergePatchTest, NewValuesAreCleaned) {
  json r = Smp(json::parse(R"({"metadata":{"name":"x"}})"),
               R"({"metadata":{"labels":{"$patch":"replace","a":"1","b":null}},
                   "spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"E","value":"v"},{"$patch":"delete","name":"F"}]}]}}}})");
  EXPECT_EQ(r["metadata"]["labels"], json::parse(R"({"a":"1"})"));
  EXPECT_EQ(Containers(r), json::parse(R"([{"name":"c","env":[{"name":"E","value":"v"}]}])"));
}

TEST(StrategicMergePatchTest, Errors) {
  auto r = ApplyStrategicMergePatch(Deployment(), json::parse(R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})"),
                                    &Schema().deployment);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "map: {\"image\":\"x\"} does not contain declared merge key: name");
  r = ApplyStrategicMergePatch(Deployment(), json::parse(R"({"metadata":{"$patch":"frob"}})"), &Schema().deployment);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("unknown patch type: frob in map:", 0), 0u);
  r = ApplyStrategicMergePatch(Deployment(), json::parse(R"([1])"), &Schema().deployment);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kBadRequest);
  r = ApplyStrategicMergePatch(json::parse(R"({"metadata":{"finalizers":[]}})"),
                               json::parse(R"({"metadata":{"finalizers":[["x"]]}})"), &Schema().deployment);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "lists of lists are not supported");
}

TEST(StrategicMergePatchTest, RootDirectives) {
  json r = Smp(Deployment(), R"({"$patch":"replace","metadata":{"name":"x"}})");
  EXPECT_EQ(r, json::parse(R"({"metadata":{"name":"x"}})"));
}

}  // namespace
}  // namespace netkube::api
