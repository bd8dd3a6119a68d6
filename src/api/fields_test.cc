#include "api/fields.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/selector.h"

namespace netkube::api {
namespace {

using nlohmann::json;

const Kind& K(std::string_view group, std::string_view kind) {
  const Kind* k = FindByKind(group, "v1", kind);
  EXPECT_NE(k, nullptr) << kind;
  return *k;
}

std::string Get(const FieldSet& fs, const std::string& key) {
  for (const auto& [k, v] : fs) {
    if (k == key) return v;
  }
  return "<absent>";
}

TEST(SelectableFields, Pod) {
  json pod = {{"metadata", {{"name", "web-1"}, {"namespace", "default"}}},
              {"spec",
               {{"nodeName", "kind-worker"},
                {"restartPolicy", "Always"},
                {"schedulerName", "default-scheduler"},
                {"serviceAccountName", "default"}}},
              {"status",
               {{"phase", "Running"},
                {"podIP", "10.244.1.5"},
                {"podIPs", {{{"ip", "10.244.1.5"}}, {{"ip", "fd00::5"}}}}}}};
  FieldSet fs = SelectableFields(K("", "Pod"), pod);
  EXPECT_EQ(Get(fs, "metadata.name"), "web-1");
  EXPECT_EQ(Get(fs, "metadata.namespace"), "default");
  EXPECT_EQ(Get(fs, "spec.nodeName"), "kind-worker");
  EXPECT_EQ(Get(fs, "spec.restartPolicy"), "Always");
  EXPECT_EQ(Get(fs, "spec.schedulerName"), "default-scheduler");
  EXPECT_EQ(Get(fs, "spec.serviceAccountName"), "default");
  EXPECT_EQ(Get(fs, "spec.hostNetwork"), "false");
  EXPECT_EQ(Get(fs, "status.phase"), "Running");
  EXPECT_EQ(Get(fs, "status.podIP"), "10.244.1.5");
  EXPECT_EQ(Get(fs, "status.nominatedNodeName"), "");

  pod["spec"]["hostNetwork"] = true;
  EXPECT_EQ(Get(SelectableFields(K("", "Pod"), pod), "spec.hostNetwork"), "true");

  auto sel = FieldSelector::Parse("spec.nodeName=kind-worker,status.phase!=Succeeded");
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(sel->Matches(fs));
}

TEST(SelectableFields, OtherKinds) {
  json ev = {{"metadata", {{"name", "web.17a"}, {"namespace", "default"}}},
             {"involvedObject", {{"kind", "Pod"}, {"name", "web"}, {"namespace", "default"}}},
             {"reason", "Scheduled"},
             {"type", "Normal"},
             {"source", {{"component", "default-scheduler"}}}};
  FieldSet fs = SelectableFields(K("", "Event"), ev);
  EXPECT_EQ(Get(fs, "involvedObject.kind"), "Pod");
  EXPECT_EQ(Get(fs, "involvedObject.name"), "web");
  EXPECT_EQ(Get(fs, "involvedObject.uid"), "");
  EXPECT_EQ(Get(fs, "reason"), "Scheduled");
  EXPECT_EQ(Get(fs, "source"), "default-scheduler");
  EXPECT_EQ(Get(fs, "type"), "Normal");

  json node = {{"metadata", {{"name", "kind-worker"}}}, {"spec", {{"unschedulable", true}}}};
  fs = SelectableFields(K("", "Node"), node);
  EXPECT_EQ(Get(fs, "spec.unschedulable"), "true");
  EXPECT_EQ(Get(fs, "metadata.namespace"), "<absent>");

  json svc = {{"metadata", {{"name", "web"}, {"namespace", "ns"}}},
              {"spec", {{"type", "NodePort"}, {"clusterIP", "10.96.0.20"}}}};
  fs = SelectableFields(K("", "Service"), svc);
  EXPECT_EQ(Get(fs, "spec.type"), "NodePort");
  EXPECT_EQ(Get(fs, "spec.clusterIP"), "10.96.0.20");

  json secret = {{"metadata", {{"name", "tls"}}}, {"type", "kubernetes.io/tls"}};
  EXPECT_EQ(Get(SelectableFields(K("", "Secret"), secret), "type"), "kubernetes.io/tls");

  json ns = {{"metadata", {{"name", "dev"}}}, {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(Get(SelectableFields(K("", "Namespace"), ns), "status.phase"), "Active");

  json rs = {{"metadata", {{"name", "web-abc"}, {"namespace", "default"}}},
             {"status", {{"replicas", 3}}}};
  EXPECT_EQ(Get(SelectableFields(K("apps", "ReplicaSet"), rs), "status.replicas"), "3");

  json cm = {{"metadata", {{"name", "cfg"}, {"namespace", "default"}}}};
  fs = SelectableFields(K("", "ConfigMap"), cm);
  EXPECT_EQ(fs.size(), 2u);
}

TEST(IsSelectableField, PerKind) {
  EXPECT_TRUE(IsSelectableField(K("", "Pod"), "spec.nodeName"));
  EXPECT_TRUE(IsSelectableField(K("", "Pod"), "status.podIPs"));
  EXPECT_TRUE(IsSelectableField(K("", "Pod"), "metadata.namespace"));
  EXPECT_FALSE(IsSelectableField(K("", "Pod"), "spec.containers"));
  EXPECT_FALSE(IsSelectableField(K("", "Pod"), "foo"));
  EXPECT_TRUE(IsSelectableField(K("", "Node"), "spec.unschedulable"));
  EXPECT_FALSE(IsSelectableField(K("", "Node"), "metadata.namespace"));
  EXPECT_TRUE(IsSelectableField(K("", "Namespace"), "status.phase"));
  EXPECT_TRUE(IsSelectableField(K("", "Event"), "involvedObject.resourceVersion"));
  EXPECT_TRUE(IsSelectableField(K("", "Event"), "reportingComponent"));
  EXPECT_TRUE(IsSelectableField(K("", "Secret"), "type"));
  EXPECT_TRUE(IsSelectableField(K("", "Service"), "spec.type"));
  EXPECT_FALSE(IsSelectableField(K("", "Service"), "spec.selector"));
  EXPECT_TRUE(IsSelectableField(K("apps", "ReplicaSet"), "status.replicas"));
  EXPECT_FALSE(IsSelectableField(K("apps", "Deployment"), "status.replicas"));
  EXPECT_TRUE(IsSelectableField(K("apps", "Deployment"), "metadata.name"));
  EXPECT_TRUE(IsSelectableField(K("", "ConfigMap"), "metadata.namespace"));
  EXPECT_FALSE(IsSelectableField(K("", "ConfigMap"), "data"));
}

}  // namespace
}  // namespace netkube::api
