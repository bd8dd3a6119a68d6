#include "cluster/config.h"

#include <gtest/gtest.h>

namespace netkube::cluster {
namespace {

TEST(ConfigTest, ParsesAFullFile) {
  ClusterConfig c;
  Status st = ParseConfigYaml(R"(
kind: Cluster
apiVersion: netkube.io/v1alpha1
name: dev
nodes:
- role: control-plane
- role: worker
  name: dev-gpu
  labels: {disk: ssd, empty: ""}
  taints: ["gpu=true:NoSchedule"]
networking:
  podCIDR: 10.10.0.0/16
  serviceCIDR: 10.20.0.0/16
  nodeCIDR: 192.168.7.0/24
  network: routed
  cni: bridge
  dns: none
  ingress: none
  loadBalancerPool: 192.168.7.200-192.168.7.220
images: extra.yaml
)",
                              "/etc/nk", "dev.yaml", &c);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(c.name, "dev");
  ASSERT_EQ(c.nodes.size(), 2u);
  EXPECT_EQ(c.nodes[0].role, "control-plane");
  EXPECT_EQ(c.nodes[1].name, "dev-gpu");
  EXPECT_EQ(c.nodes[1].labels.at("disk"), "ssd");
  EXPECT_EQ(c.nodes[1].labels.at("empty"), "");
  EXPECT_EQ(c.nodes[1].taints[0], "gpu=true:NoSchedule");
  EXPECT_EQ(c.pod_cidr, "10.10.0.0/16");
  EXPECT_EQ(c.service_cidr, "10.20.0.0/16");
  EXPECT_EQ(c.node_cidr, "192.168.7.0/24");
  EXPECT_EQ(c.network, "routed");
  EXPECT_EQ(c.cni, "bridge");
  EXPECT_EQ(c.dns, "none");
  EXPECT_EQ(c.ingress, "none");
  EXPECT_EQ(c.load_balancer_pool, "192.168.7.200-192.168.7.220");
  EXPECT_EQ(c.images_file, "/etc/nk/extra.yaml");
}

TEST(ConfigTest, EmptyFileKeepsDefaults) {
  ClusterConfig c;
  ASSERT_TRUE(ParseConfigYaml("", ".", "x", &c).ok());
  EXPECT_EQ(c.name, "netkube");
  EXPECT_EQ(c.pod_cidr, "10.244.0.0/16");
  EXPECT_EQ(c.dns, "netkube");
  EXPECT_EQ(c.ingress, "netkube");
}

TEST(ConfigTest, Errors) {
  ClusterConfig c;
  EXPECT_NE(ParseConfigYaml("nmae: x", ".", "f.yaml", &c).message().find("unknown field \"nmae\""), std::string::npos);
  EXPECT_NE(ParseConfigYaml("nodes: [{rol: worker}]", ".", "f.yaml", &c).message().find("nodes[0].rol"),
            std::string::npos);
  EXPECT_NE(ParseConfigYaml("networking: {pods: x}", ".", "f.yaml", &c).message().find("networking.pods"),
            std::string::npos);
  EXPECT_NE(ParseConfigYaml("kind: Pod", ".", "f.yaml", &c).message().find("kind must be Cluster"), std::string::npos);
  EXPECT_NE(ParseConfigYaml("[1, 2]", ".", "f.yaml", &c).message().find("mapping"), std::string::npos);
  EXPECT_NE(ParseConfigYaml("name: [unclosed", ".", "f.yaml", &c).message().find("f.yaml"), std::string::npos);
}

}  // namespace
}  // namespace netkube::cluster
