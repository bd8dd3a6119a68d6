#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/patch.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

json Merge(const char* doc, const char* patch) {
  auto r = ApplyMergePatch(json::parse(doc), json::parse(patch));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : json();
}

// The examples of RFC 7386 appendix A.
TEST(MergePatchTest, Rfc7386Examples) {
  EXPECT_EQ(Merge(R"({"a":"b"})", R"({"a":"c"})"), json::parse(R"({"a":"c"})"));
  EXPECT_EQ(Merge(R"({"a":"b"})", R"({"b":"c"})"), json::parse(R"({"a":"b","b":"c"})"));
  EXPECT_EQ(Merge(R"({"a":"b"})", R"({"a":null})"), json::parse(R"({})"));
  EXPECT_EQ(Merge(R"({"a":"b","b":"c"})", R"({"a":null})"), json::parse(R"({"b":"c"})"));
  EXPECT_EQ(Merge(R"({"a":["b"]})", R"({"a":"c"})"), json::parse(R"({"a":"c"})"));
  EXPECT_EQ(Merge(R"({"a":"c"})", R"({"a":["b"]})"), json::parse(R"({"a":["b"]})"));
  EXPECT_EQ(Merge(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})"), json::parse(R"({"a":{"b":"d"}})"));
  EXPECT_EQ(Merge(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), json::parse(R"({"a":[1]})"));
  EXPECT_EQ(Merge(R"(["a","b"])", R"(["c","d"])"), json::parse(R"(["c","d"])"));
  EXPECT_EQ(Merge(R"({"a":"b"})", R"(["c"])"), json::parse(R"(["c"])"));
  EXPECT_EQ(Merge(R"({"e":null})", R"({"a":1})"), json::parse(R"({"e":null,"a":1})"));
  EXPECT_EQ(Merge(R"([1,2])", R"({"a":"b","c":null})"), json::parse(R"({"a":"b"})"));
  EXPECT_EQ(Merge(R"({})", R"({"a":{"bb":{"ccc":null}}})"), json::parse(R"({"a":{"bb":{}}})"));
}

// The merge patches kubectl scale / label / annotate send.
TEST(MergePatchTest, KubectlPatches) {
  const char* dep = R"({"metadata":{"name":"web","labels":{"app":"web"},"annotations":{"x":"1"}},"spec":{"replicas":3}})";
  EXPECT_EQ(Merge(dep, R"({"spec":{"replicas":5}})")["spec"]["replicas"], 5);
  EXPECT_EQ(Merge(dep, R"({"metadata":{"labels":{"tier":"fe"}}})")["metadata"]["labels"],
            json::parse(R"({"app":"web","tier":"fe"})"));
  EXPECT_EQ(Merge(dep, R"({"metadata":{"annotations":{"x":null}}})")["metadata"]["annotations"], json::object());
}

TEST(MergePatchTest, NullPatchRejected) {
  auto r = ApplyMergePatch(json::object(), json());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kBadRequest);
}

}  // namespace
}  // namespace netkube::api
