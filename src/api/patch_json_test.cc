#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/patch.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

json Doc() {
  return json::parse(R"({"metadata":{"name":"web","labels":{"app":"web","a/b":"1","c~d":"2"}},
                         "spec":{"replicas":1,"ports":[{"port":80},{"port":443}]}})");
}

StatusOr<json> Apply(const char* patch) { return ApplyJsonPatch(Doc(), json::parse(patch)); }

TEST(JsonPatchTest, AddReplaceRemove) {
  auto r = Apply(R"([{"op":"add","path":"/metadata/labels/tier","value":"fe"},
                     {"op":"replace","path":"/spec/replicas","value":3},
                     {"op":"remove","path":"/metadata/labels/app"}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["metadata"]["labels"], json::parse(R"({"tier":"fe","a/b":"1","c~d":"2"})"));
  EXPECT_EQ((*r)["spec"]["replicas"], 3);
}

TEST(JsonPatchTest, PointerEscapes) {
  auto r = Apply(R"([{"op":"replace","path":"/metadata/labels/a~1b","value":"x"},
                     {"op":"remove","path":"/metadata/labels/c~0d"}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["metadata"]["labels"], json::parse(R"({"app":"web","a/b":"x"})"));
}

TEST(JsonPatchTest, ArrayIndices) {
  auto r = Apply(R"([{"op":"add","path":"/spec/ports/-","value":{"port":8080}},
                     {"op":"add","path":"/spec/ports/0","value":{"port":1}},
                     {"op":"remove","path":"/spec/ports/-1"}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["spec"]["ports"], json::parse(R"([{"port":1},{"port":80},{"port":443}])"));
}

TEST(JsonPatchTest, MoveCopyTest) {
  auto r = Apply(R"([{"op":"test","path":"/metadata/name","value":"web"},
                     {"op":"copy","from":"/metadata/name","path":"/metadata/labels/name"},
                     {"op":"move","from":"/spec/ports/1","path":"/spec/ports/0"}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["metadata"]["labels"]["name"], "web");
  EXPECT_EQ((*r)["spec"]["ports"], json::parse(R"([{"port":443},{"port":80}])"));
}

TEST(JsonPatchTest, TestFailureIsInvalid) {
  auto r = Apply(R"([{"op":"test","path":"/metadata/name","value":"other"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalid());
  EXPECT_EQ(r.status().message(), "testing value /metadata/name failed: test failed");
}

TEST(JsonPatchTest, MissingPaths) {
  auto r = Apply(R"([{"op":"add","path":"/spec/template/x","value":1}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "add operation does not apply: doc is missing path: \"/spec/template/x\": missing value");
  r = Apply(R"([{"op":"remove","path":"/metadata/labels/nope"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value");
  r = Apply(R"([{"op":"replace","path":"/spec/nope","value":1}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "replace operation does not apply: doc is missing key: /spec/nope: missing value");
  r = Apply(R"([{"op":"add","path":"/spec/ports/5","value":1}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "error in add for path: '/spec/ports/5': Unable to access invalid index: 5: invalid index referenced");
  r = Apply(R"([{"op":"replace","path":"","value":{}}])");
  EXPECT_FALSE(r.ok());
}

TEST(JsonPatchTest, BadPatchShape) {
  auto r = Apply(R"({"op":"add"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kBadRequest);
  r = Apply(R"([{"op":"frobnicate","path":"/a"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Unexpected kind: frobnicate");
  r = Apply(R"([{"path":"/a"}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "Unexpected kind: unknown");
}

TEST(JsonPatchTest, TooManyOperations) {
  json patch = json::array();
  for (int i = 0; i < 10001; ++i) patch.push_back({{"op", "test"}, {"path", "/spec/replicas"}, {"value", 1}});
  auto r = ApplyJsonPatch(Doc(), patch);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kRequestEntityTooLarge);
}

TEST(JsonPatchTest, CopyGrowthIsBounded) {
  json patch = json::array();
  for (int i = 0; i < 40; ++i) patch.push_back({{"op", "copy"}, {"from", "/spec"}, {"path", "/spec/x" + std::to_string(i)}});
  auto r = ApplyJsonPatch(Doc(), patch);
  EXPECT_FALSE(r.ok());
}

TEST(JsonPatchTest, NullPatchIsEmpty) {
  auto r = ApplyJsonPatch(Doc(), json());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Doc());
}

}  // namespace
}  // namespace netkube::api
