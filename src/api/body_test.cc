#include "api/body.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

TEST(BodyTest, ParsesJson) {
  auto r = ParseJsonBody(R"( {"a":[1,{"b":"}]{["}]} )");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["a"][1]["b"], "}]{[");
  EXPECT_EQ(JsonDepth(*r), 3);
}

TEST(BodyTest, RejectsMalformed) {
  for (const char* bad : {"", "{", "{\"a\":1} x", "[1,]", "nul"}) {
    auto r = ParseJsonBody(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), Reason::kBadRequest);
    EXPECT_EQ(r.status().message().rfind("json: ", 0), 0u) << r.status().message();
  }
}

TEST(BodyTest, DepthIsBounded) {
  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJsonBody(ok).ok());
  std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  auto r = ParseJsonBody(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "json: exceeded max depth of 1000");
  // Brackets inside strings do not count.
  std::string quoted = "\"" + std::string(5000, '[') + "\"";
  EXPECT_TRUE(ParseJsonBody(quoted).ok());
}

}  // namespace
}  // namespace netkube::api
