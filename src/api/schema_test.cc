#include "api/schema.h"

#include <gtest/gtest.h>

#include "api/descriptions.h"
#include "api/kinds.h"

namespace netkube::api {
namespace {

const TypeDef& Type(std::string_view name) {
  const TypeDef* t = Schema::Get().Find(name);
  EXPECT_NE(t, nullptr) << name;
  static const TypeDef kEmpty;
  return t ? *t : kEmpty;
}

TEST(SchemaTest, PodSpecContainersMergeOnName) {
  const Field* spec = Type("io.k8s.api.core.v1.Pod").FindField("spec");
  ASSERT_NE(spec, nullptr);
  ASSERT_NE(spec->ref, nullptr);
  EXPECT_EQ(spec->ref->name, "io.k8s.api.core.v1.PodSpec");
  const Field* containers = spec->ref->FindField("containers");
  ASSERT_NE(containers, nullptr);
  EXPECT_EQ(containers->type, ValueType::kObject);
  EXPECT_TRUE(containers->array);
  EXPECT_EQ(containers->proto_tag, 2);
  EXPECT_TRUE(containers->required);
  EXPECT_EQ(containers->patch_strategy, "merge");
  EXPECT_EQ(containers->patch_merge_key, "name");
  EXPECT_EQ(containers->list_type, "map");
  EXPECT_EQ(containers->list_map_keys, std::vector<std::string>{"name"});
  EXPECT_EQ(spec->ref->FindTag(2), containers);
}

TEST(SchemaTest, RestartPolicyIsAnEnum) {
  const Field* f = Type("io.k8s.api.core.v1.PodSpec").FindField("restartPolicy");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, ValueType::kString);
  EXPECT_EQ(f->enum_values, (std::vector<std::string>{"Always", "Never", "OnFailure"}));
}

TEST(SchemaTest, ServicePortFields) {
  const TypeDef& port = Type("io.k8s.api.core.v1.ServicePort");
  const Field* p = port.FindField("port");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->type, ValueType::kInt32);
  EXPECT_EQ(p->proto_tag, 3);
  EXPECT_TRUE(p->required);
  const Field* target = port.FindField("targetPort");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->type, ValueType::kIntOrString);
  EXPECT_EQ(target->proto_tag, 4);
  const Field* ports = Type("io.k8s.api.core.v1.ServiceSpec").FindField("ports");
  ASSERT_NE(ports, nullptr);
  EXPECT_EQ(ports->patch_merge_key, "port");
  EXPECT_EQ(ports->list_map_keys, (std::vector<std::string>{"port", "protocol"}));
}

TEST(SchemaTest, ObjectMetaLabelsIsAMapOfString) {
  const Field* labels = Type("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").FindField("labels");
  ASSERT_NE(labels, nullptr);
  EXPECT_TRUE(labels->map);
  EXPECT_FALSE(labels->array);
  EXPECT_EQ(labels->type, ValueType::kString);
  EXPECT_EQ(labels->proto_tag, 11);
  const Field* created =
      Type("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").FindField("creationTimestamp");
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(created->type, ValueType::kTime);
}

TEST(SchemaTest, EmbeddedVolumeSource) {
  const TypeDef& volume = Type("io.k8s.api.core.v1.Volume");
  const Field* host_path = volume.FindField("hostPath");
  ASSERT_NE(host_path, nullptr);
  EXPECT_EQ(host_path->proto_tag, 0);  // on the wire inside VolumeSource
  const Field* source = volume.FindTag(2);
  ASSERT_NE(source, nullptr);
  EXPECT_TRUE(source->embedded);
  EXPECT_EQ(source->type_name, "io.k8s.api.core.v1.VolumeSource");
  EXPECT_EQ(source->ref->FindField("hostPath")->proto_tag, 1);
  EXPECT_EQ(volume.FindField(""), nullptr);
}

TEST(SchemaTest, TypeMetaIsInlinedWithoutTags) {
  const TypeDef& pod = Type("io.k8s.api.core.v1.Pod");
  ASSERT_NE(pod.FindField("apiVersion"), nullptr);
  ASSERT_NE(pod.FindField("kind"), nullptr);
  EXPECT_EQ(pod.FindField("kind")->proto_tag, 0);
  EXPECT_EQ(pod.FindTag(1)->name, "metadata");
}

TEST(SchemaTest, SecretDataIsBytes) {
  const Field* data = Type("io.k8s.api.core.v1.Secret").FindField("data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->type, ValueType::kBytes);
  EXPECT_TRUE(data->map);
}

TEST(SchemaTest, EveryRefResolves) {
  for (const auto& [name, t] : Schema::Get().types()) {
    EXPECT_EQ(name, t.name);
    for (const auto& f : t.fields) {
      if (f.type == ValueType::kObject) {
        ASSERT_NE(f.ref, nullptr) << name << "." << f.name;
        EXPECT_EQ(f.ref->name, f.type_name);
      } else {
        EXPECT_EQ(f.ref, nullptr);
      }
    }
  }
}

TEST(SchemaTest, EveryServedKindHasAType) {
  for (const Kind& k : AllKinds()) {
    EXPECT_NE(Schema::Get().Find(k.schema_type), nullptr) << k.schema_type;
    EXPECT_NE(Schema::Get().Find(k.list_schema_type), nullptr) << k.list_schema_type;
    for (const Subresource& s : k.subresources) {
      if (s.name == "log") continue;  // the body is text
      std::string group = s.group.substr(0, s.group.find('.'));
      std::string pkg = group.empty() ? "core" : group;
      std::string name = "io.k8s.api." + pkg + "." + s.version + "." + s.kind;
      EXPECT_NE(Schema::Get().Find(name), nullptr) << k.kind << "/" << s.name << ": " << name;
    }
  }
  EXPECT_NE(Schema::Get().Find("io.k8s.api.core.v1.PodLogOptions"), nullptr);
  EXPECT_NE(Schema::Get().Find("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"), nullptr);
  EXPECT_NE(Schema::Get().Find("io.k8s.apimachinery.pkg.apis.meta.v1.Status"), nullptr);
}

TEST(SchemaTest, ParseRejectsDanglingRef) {
  Schema s;
  std::string error;
  EXPECT_FALSE(Schema::Parse(
      R"({"types":{"a.B":{"fields":[{"name":"x","type":"object","ref":"a.C"}]}}})", &s, &error));
  EXPECT_NE(error.find("a.C"), std::string::npos) << error;
}

TEST(SchemaTest, ParseRejectsBadInput) {
  Schema s;
  std::string error;
  EXPECT_FALSE(Schema::Parse("{", &s, &error));
  EXPECT_FALSE(Schema::Parse(R"({"types":{"a.B":{"fields":[{"name":"x","type":"uint"}]}}})", &s,
                             &error));
  EXPECT_NE(error.find("uint"), std::string::npos) << error;
  EXPECT_FALSE(Schema::Parse(R"({"types":{"a.B":{"fields":[{"name":"x","type":"object"}]}}})",
                             &s, &error));
}

TEST(SchemaTest, ParseSmallSchema) {
  Schema s;
  std::string error;
  ASSERT_TRUE(Schema::Parse(R"({"types":{
      "a.B":{"description":"b","fields":[{"name":"c","type":"object","ref":"a.C","array":true,"tag":3}]},
      "a.C":{"fields":[{"name":"n","type":"int64","tag":1,"required":true}]}}})",
                            &s, &error))
      << error;
  const TypeDef* b = s.Find("a.B");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->description, "b");
  EXPECT_EQ(b->FindTag(3)->ref, s.Find("a.C"));
  EXPECT_TRUE(s.Find("a.C")->FindField("n")->required);
  EXPECT_EQ(s.Find("a.D"), nullptr);
}

}  // namespace

TEST(SchemaDescriptions, EveryDescriptionNamesAFieldAndIsServed) {
  const Schema& schema = Schema::Get();
  for (const FieldDescription& d : FieldDescriptions()) {
    const TypeDef* t = schema.Find(d.type);
    ASSERT_NE(t, nullptr) << d.type;
    if (d.field.empty()) continue;
    const Field* f = t->FindField(d.field);
    ASSERT_NE(f, nullptr) << d.type << "." << d.field;
    EXPECT_EQ(f->description, d.text) << d.type << "." << d.field;
  }
  const Field* path_type = schema.Find("io.k8s.api.networking.v1.HTTPIngressPath")->FindField("pathType");
  EXPECT_NE(path_type->description.find("Exact"), std::string::npos);
}

}  // namespace netkube::api
