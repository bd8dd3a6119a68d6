#include "cni/port_mapping.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netkube::cni {
namespace {

using nlohmann::json;

TEST(PortMappingTest, ParsesWhatRuntimesSend) {
  auto m = ParsePortMappings(R"([{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
      {"hostPort":53,"containerPort":5353,"protocol":"UDP","hostIP":"172.18.0.2"},
      {"hostPort":9,"containerPort":9}])");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0], (PortMapping{8080, 80, "tcp", ""}));
  EXPECT_EQ((*m)[1], (PortMapping{53, 5353, "udp", "172.18.0.2"}));  // lower-cased
  EXPECT_EQ((*m)[2].protocol, "tcp");                                // the default
}

TEST(PortMappingTest, RefusesBadEntries) {
  for (const char* bad : {R"({"hostPort":1})", R"([{"hostPort":0,"containerPort":80}])",
                          R"([{"hostPort":65536,"containerPort":80}])", R"([{"hostPort":80}])",
                          R"([{"hostPort":"80","containerPort":80}])",
                          R"([{"hostPort":80,"containerPort":80,"protocol":"icmp"}])",
                          R"([{"hostPort":80,"containerPort":80,"hostIP":7}])"}) {
    auto m = ParsePortMappings(bad);
    EXPECT_TRUE(m.status().IsInvalid()) << bad;
  }
  auto m = ParsePortMappings(R"([{"hostPort":80,"containerPort":80},{"hostPort":80,"containerPort":-1}])");
  EXPECT_NE(m.status().message().find("portMappings[1].containerPort"), std::string::npos) << m.status().message();
}

TEST(PortMappingTest, JsonRoundTripAndCapabilityArgs) {
  std::vector<PortMapping> in = {{8080, 80, "tcp", ""}, {53, 53, "sctp", "10.0.0.1"}};
  std::string text = PortMappingsToJson(in);
  EXPECT_FALSE(json::parse(text)[0].contains("hostIP"));  // only when set
  EXPECT_EQ(*ParsePortMappings(text), in);
  EXPECT_EQ(json::parse(PortMappingsCapabilityArgs(in)),
            json::parse(R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
                {"hostPort":53,"containerPort":53,"protocol":"sctp","hostIP":"10.0.0.1"}]})"));
  EXPECT_EQ(PortMappingsCapabilityArgs({}), "");
}

}  // namespace
}  // namespace netkube::cni
