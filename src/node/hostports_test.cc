#include "node/hostports.h"

#include <gtest/gtest.h>

#include "node/sandbox.h"

namespace netkube::node {
namespace {

using Json = nlohmann::json;

TEST(PodPortMappingsTest, ContainerPortsWithAHostPort) {
  Json pod = Json::parse(R"({"spec": {
    "initContainers": [{"name": "init", "ports": [{"containerPort": 1, "hostPort": 1}]}],
    "containers": [
      {"name": "web", "ports": [
        {"containerPort": 80, "hostPort": 8080},
        {"containerPort": 443},
        {"containerPort": 53, "hostPort": 5353, "protocol": "UDP", "hostIP": "172.18.0.2"},
        {"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]},
      {"name": "side", "ports": [{"containerPort": 9, "hostPort": 9, "protocol": "SCTP"}]},
      {"name": "none"}]}})");
  std::vector<cni::PortMapping> want = {{8080, 80, "tcp", ""}, {5353, 53, "udp", "172.18.0.2"}, {9, 9, "sctp", ""}};
  EXPECT_EQ(PodPortMappings(pod), want);
  EXPECT_EQ(cni::PortMappingsCapabilityArgs(PodPortMappings(pod)),
            R"({"portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"},)"
            R"({"containerPort":53,"hostIP":"172.18.0.2","hostPort":5353,"protocol":"udp"},)"
            R"({"containerPort":9,"hostPort":9,"protocol":"sctp"}]})");
}

TEST(PodPortMappingsTest, HostNetworkAndOddPodsHaveNone) {
  Json host = Json::parse(R"({"spec": {"hostNetwork": true,
      "containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}]}]}})");
  EXPECT_TRUE(PodPortMappings(host).empty());
  EXPECT_TRUE(PodPortMappings(Json::object()).empty());
  EXPECT_TRUE(PodPortMappings(Json::parse(R"({"spec": {"containers": [{"ports": [{"hostPort": 80}]}, 7]}})")).empty());
}

// The record keeps them, so DEL gets them after the pod left the API.
TEST(PodPortMappingsTest, SandboxRecordKeepsThem) {
  SandboxRecord r;
  r.uid = "0f6c";
  r.port_mappings = {{8080, 80, "tcp", ""}, {53, 53, "udp", "10.0.0.1"}};
  auto back = SandboxRecord::Parse(r.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->port_mappings, r.port_mappings);
  r.port_mappings.clear();
  EXPECT_EQ(r.ToJson().find("portMappings"), std::string::npos);
  EXPECT_TRUE(SandboxRecord::Parse(r.ToJson())->port_mappings.empty());
}

}  // namespace
}  // namespace netkube::node
