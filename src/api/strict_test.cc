#include "api/strict.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

using Paths = std::vector<std::string>;

Paths Unknown(std::string_view type, const char* json) {
  const TypeDef* t = Schema::Get().Find(type);
  EXPECT_NE(t, nullptr) << type;
  if (t == nullptr) return {"<no type>"};
  return UnknownFields(*t, nlohmann::json::parse(json));
}

TEST(StrictTest, KnownPodHasNoUnknownFields) {
  EXPECT_EQ(Unknown("io.k8s.api.core.v1.Pod", R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "web", "any/key": "x"},
                 "annotations": {"a": "b"}},
    "spec": {"containers": [{"name": "c", "image": "nginx",
                             "ports": [{"containerPort": 80, "protocol": "TCP"}],
                             "resources": {"limits": {"cpu": "100m"}},
                             "livenessProbe": {"httpGet": {"path": "/", "port": "http"}}}],
             "volumes": [{"name": "v", "emptyDir": {}}],
             "nodeSelector": {"kubernetes.io/os": "linux"}},
    "status": {"phase": "Running"}})"),
            Paths{});
}

TEST(StrictTest, ReportsPathsLikeKubeApiserver) {
  EXPECT_EQ(Unknown("io.k8s.api.core.v1.Pod", R"({
    "apiVersion": "v1", "kind": "Pod", "foo": 1,
    "metadata": {"name": "web", "nmae": "x"},
    "spec": {"foo": true, "containers": [{"name": "a"}, {"name": "b", "bar": 1,
             "ports": [{"containerPort": 80, "hostport": 1}]}]}})"),
            (Paths{"foo", "metadata.nmae", "spec.containers[1].bar",
                   "spec.containers[1].ports[0].hostport", "spec.foo"}));
}

TEST(StrictTest, ApiVersionAndKindOnlyFreeAtTheRoot) {
  // PodSpec has no apiVersion field; at the root of any type they are allowed.
  EXPECT_EQ(Unknown("io.k8s.api.core.v1.PodSpec", R"({"apiVersion": "v1", "kind": "X"})"), Paths{});
  EXPECT_EQ(Unknown("io.k8s.api.apps.v1.Deployment",
                    R"({"spec": {"template": {"spec": {"kind": "x", "containers": []}}}})"),
            Paths{"spec.template.spec.kind"});
}

TEST(StrictTest, RawExtensionAndNullAcceptAnything) {
  EXPECT_EQ(Unknown("io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
                    R"({"type": "ADDED", "object": {"whatever": {"deep": 1}}})"),
            Paths{});
  EXPECT_EQ(Unknown("io.k8s.api.core.v1.Service", R"({"spec": null, "metadata": {"labels": null}})"),
            Paths{});
}

TEST(StrictTest, NonObjectBodyHasNoFields) {
  EXPECT_EQ(Unknown("io.k8s.api.core.v1.Pod", "[1, 2]"), Paths{});
}

}  // namespace
}  // namespace netkube::api

namespace netkube::api {
TEST(StrictTest, PruneDropsUnknownFieldsOnly) {
  const TypeDef* pod = Schema::Get().Find("io.k8s.api.core.v1.Pod");
  ASSERT_NE(pod, nullptr);
  nlohmann::json obj = nlohmann::json::parse(R"({"apiVersion":"v1","kind":"Pod","bogus":1,
    "metadata":{"name":"p","labels":{"any-key":"v"}},
    "spec":{"containers":[{"name":"c","image":"i","extra":true}],"nodeSelector":{"k":"v"}}})");
  PruneUnknownFields(*pod, obj);
  EXPECT_FALSE(obj.contains("bogus"));
  EXPECT_FALSE(obj["spec"]["containers"][0].contains("extra"));
  EXPECT_EQ(obj["spec"]["containers"][0]["image"], "i");
  EXPECT_EQ(obj["metadata"]["labels"]["any-key"], "v");
  EXPECT_EQ(obj["spec"]["nodeSelector"]["k"], "v");
  EXPECT_TRUE(UnknownFields(*pod, obj).empty());
}
TEST(StrictTest, BytesMustBeBase64) {
  const TypeDef* secret = Schema::Get().Find("io.k8s.api.core.v1.Secret");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(TypeMismatch(*secret, nlohmann::json::parse(R"({"data":{"tls.crt":"base64 encoded cert"}})")),
            "illegal base64 data at input byte 6");
  EXPECT_EQ(TypeMismatch(*secret, nlohmann::json::parse(R"({"data":{"a":"aGVsbG8="}})")), "");
  const TypeDef* cm = Schema::Get().Find("io.k8s.api.core.v1.ConfigMap");
  EXPECT_EQ(TypeMismatch(*cm, nlohmann::json::parse(R"({"binaryData":{"b":"a==="}})")),
            "illegal base64 data at input byte 1");
}

TEST(StrictTest, TypeMismatchReadsLikeGo) {
  const TypeDef* cm = Schema::Get().Find("io.k8s.api.core.v1.ConfigMap");
  const TypeDef* pod = Schema::Get().Find("io.k8s.api.core.v1.Pod");
  ASSERT_NE(cm, nullptr);
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(TypeMismatch(*cm, nlohmann::json::parse(R"({"data":{"k":7}})")),
            "json: cannot unmarshal number into Go struct field ConfigMap.data of type string");
  EXPECT_EQ(TypeMismatch(*pod, nlohmann::json::parse(R"({"spec":{"containers":[{"name":"c","ports":[{"containerPort":"80"}]}]}})")),
            "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32");
  EXPECT_EQ(TypeMismatch(*pod, nlohmann::json::parse(R"({"spec":{"containers":{}}})")),
            "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container");
  EXPECT_EQ(TypeMismatch(*pod, nlohmann::json::parse(R"({"metadata":{"labels":null},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80.0}]}]}})")), "");
}

}  // namespace netkube::api
