#include "cluster/plan.h"

#include <gtest/gtest.h>

namespace netkube::cluster {
namespace {

Environment Env() {
  Environment env;
  env.state_dir = "/state";
  return env;
}

ClusterPlan MustPlan(const ClusterConfig& c, const Environment& env = Env()) {
  auto p = MakePlan(c, env);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : ClusterPlan{};
}

std::string PlanError(const ClusterConfig& c, const Environment& env = Env()) {
  auto p = MakePlan(c, env);
  return p.ok() ? "" : p.status().message();
}

TEST(PlanTest, DefaultsOneNode) {
  ClusterPlan p = MustPlan(ClusterConfig{});
  EXPECT_EQ(p.name, "netkube");
  EXPECT_EQ(p.dir, "/state/clusters/netkube");
  EXPECT_EQ(p.server_dir, "/state/clusters/netkube/server");
  EXPECT_EQ(p.world_netns, "netkube-world");
  EXPECT_EQ(p.host_veth, "nk-netkube");
  EXPECT_EQ(p.node_cidr, "172.18.0.0/16");
  EXPECT_EQ(p.gateway_ip, "172.18.0.1");
  EXPECT_EQ(p.cluster_dns, "10.96.0.10");
  EXPECT_EQ(p.dns, "netkube");
  EXPECT_EQ(p.ingress, "netkube");
  EXPECT_EQ(p.load_balancer_pool, "172.18.255.200-172.18.255.250");
  EXPECT_EQ(p.api_port, 6443);
  EXPECT_EQ(p.api_url, "https://127.0.0.1:6443");
  EXPECT_EQ(p.node_api_url, "https://172.18.0.2:6443");
  ASSERT_EQ(p.nodes.size(), 1u);
  EXPECT_EQ(p.nodes[0].name, "netkube-control-plane");
  EXPECT_EQ(p.nodes[0].ip, "172.18.0.2");
  EXPECT_EQ(p.nodes[0].pod_cidr, "10.244.0.0/24");
  EXPECT_EQ(p.nodes[0].role, "control-plane");
  EXPECT_EQ(p.nodes[0].labels.count("node-role.kubernetes.io/control-plane"), 1u);
  EXPECT_TRUE(p.nodes[0].taints.empty()) << "a single node runs workloads";
  EXPECT_EQ(p.nodes[0].root_dir, "/state/clusters/netkube/nodes/netkube-control-plane");
  EXPECT_EQ(p.nodes[0].kubeconfig, p.nodes[0].root_dir + "/kubeconfig");
  EXPECT_EQ(p.context(), "netkube-netkube");
  EXPECT_TRUE(p.notes.empty());
}

TEST(PlanTest, ThreeNodesNamesAddressesPodCidrs) {
  ClusterConfig c;
  c.name = "dev";
  c.node_count = 4;
  ClusterPlan p = MustPlan(c);
  ASSERT_EQ(p.nodes.size(), 4u);
  EXPECT_EQ(p.nodes[0].name, "dev-control-plane");
  EXPECT_EQ(p.nodes[1].name, "dev-worker");
  EXPECT_EQ(p.nodes[2].name, "dev-worker2");
  EXPECT_EQ(p.nodes[3].name, "dev-worker3");
  EXPECT_EQ(p.nodes[3].ip, "172.18.0.5");
  EXPECT_EQ(p.nodes[3].pod_cidr, "10.244.3.0/24");
  EXPECT_EQ(p.nodes[2].world_veth, "veth2");
  EXPECT_EQ(p.nodes[1].role, "worker");
  EXPECT_TRUE(p.nodes[1].labels.empty());
  ASSERT_EQ(p.nodes[0].taints.size(), 1u);
  EXPECT_EQ(p.nodes[0].taints[0], "node-role.kubernetes.io/control-plane:NoSchedule");
}

TEST(PlanTest, CustomRanges) {
  ClusterConfig c;
  c.pod_cidr = "10.10.0.0/20";
  c.service_cidr = "10.20.0.0/16";
  c.node_cidr = "192.168.50.0/24";
  c.node_count = 2;
  ClusterPlan p = MustPlan(c);
  EXPECT_EQ(p.nodes[1].pod_cidr, "10.10.1.0/24");
  EXPECT_EQ(p.nodes[1].ip, "192.168.50.3");
  EXPECT_EQ(p.gateway_ip, "192.168.50.1");
  EXPECT_EQ(p.cluster_dns, "10.20.0.10");
  EXPECT_EQ(p.node_prefix_length, 24);
  EXPECT_EQ(p.load_balancer_pool, "192.168.50.200-192.168.50.250") << "the same offsets from the top";
}

TEST(PlanTest, NodesFromConfig) {
  ClusterConfig c;
  c.nodes = {NodeConfig{"", "control-plane", {}, {}}, NodeConfig{"gpu", "worker", {{"disk", "ssd"}}, {"gpu=true:NoSchedule"}},
             NodeConfig{}};
  ClusterPlan p = MustPlan(c);
  EXPECT_EQ(p.nodes[1].name, "gpu");
  EXPECT_EQ(p.nodes[1].labels.at("disk"), "ssd");
  EXPECT_EQ(p.nodes[1].taints, std::vector<std::string>{"gpu=true:NoSchedule"});
  EXPECT_EQ(p.nodes[2].name, "netkube-worker") << "default names count the unnamed workers";
}

TEST(PlanTest, Errors) {
  auto with = [](auto f) {
    ClusterConfig c;
    f(c);
    return PlanError(c);
  };
  EXPECT_NE(with([](ClusterConfig& c) { c.name = "Bad_Name"; }).find("invalid cluster name"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.name = "averyverylongname"; }).find("at most 12"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.pod_cidr = "10.244.0.0"; }).find("invalid --pod-cidr"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.pod_cidr = "10.244.300.0/16"; }).find("invalid --pod-cidr"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.pod_cidr = "10.244.1.0/16"; }).find("did you mean 10.244.0.0/16"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.pod_cidr = "10.244.0.0/25"; }).find("/24 or larger"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.service_cidr = "10.244.0.0/16"; }).find("overlaps"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.node_cidr = "10.0.0.0/8"; }).find("overlaps --pod-cidr"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.node_cidr = "10.96.5.0/24"; }).find("overlaps --service-cidr"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.pod_cidr = "10.244.0.0/23";
              c.node_count = 3;
            }).find("do not fit in --pod-cidr"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.node_cidr = "192.168.0.0/29";
              c.node_count = 6;
            }).find("do not fit in --node-cidr"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.network = "geneve"; }).find("invalid --network"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.cni = "calico"; }).find("invalid --cni"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.dns = "kube-dns"; }).find("invalid --dns \"kube-dns\""), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.ingress = "nginx"; }).find("invalid --ingress \"nginx\": want netkube or none"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.node_count = -1; }).find("invalid --nodes"), std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) { c.nodes = {NodeConfig{}, NodeConfig{}}; }).find("role control-plane"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.nodes = {NodeConfig{"", "control-plane", {}, {}}, NodeConfig{"", "master", {}, {}}};
            }).find("invalid role"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.nodes = {NodeConfig{"", "control-plane", {}, {}}, NodeConfig{"x", "worker", {}, {"bad"}}};
            }).find("invalid taint"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.nodes = {NodeConfig{"", "control-plane", {}, {}}, NodeConfig{"x", "worker", {{"a b", "c"}}, {}}};
            }).find("invalid label key"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.nodes = {NodeConfig{"x", "control-plane", {}, {}}, NodeConfig{"x", "worker", {}, {}}};
            }).find("used twice"),
            std::string::npos);
  EXPECT_NE(with([](ClusterConfig& c) {
              c.nodes = {NodeConfig{}};
              c.nodes[0].role = "control-plane";
              c.node_count = 3;
            }).find("contradicts"),
            std::string::npos);
}

TEST(PlanTest, NotRoot) {
  Environment env = Env();
  env.is_root = false;
  auto p = MakePlan(ClusterConfig{}, env);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().reason(), Reason::kForbidden);
  EXPECT_NE(p.status().message().find("root"), std::string::npos);
}

TEST(PlanTest, NameInUse) {
  Environment env = Env();
  env.cluster_dirs = {"netkube"};
  auto p = MakePlan(ClusterConfig{}, env);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsAlreadyExists());
  EXPECT_NE(p.status().message().find("netkube down --name netkube"), std::string::npos);

  env = Env();
  env.netns = {"netkube-control-plane"};
  EXPECT_NE(PlanError(ClusterConfig{}, env).find("network namespace \"netkube-control-plane\" already exists"),
            std::string::npos);
  env = Env();
  env.netns = {"netkube-world"};
  EXPECT_NE(PlanError(ClusterConfig{}, env).find("netkube-world"), std::string::npos);
  env = Env();
  env.host_links = {"nk-netkube"};
  EXPECT_NE(PlanError(ClusterConfig{}, env).find("interface \"nk-netkube\""), std::string::npos);
}

TEST(PlanTest, SecondClusterMovesNodeNetworkAndPort) {
  Environment env = Env();
  env.clusters = {{"a", "172.18.0.0/16", 6443}};
  ClusterConfig c;
  c.name = "b";
  ClusterPlan p = MustPlan(c, env);
  EXPECT_EQ(p.node_cidr, "172.19.0.0/16");
  EXPECT_EQ(p.nodes[0].ip, "172.19.0.2");
  EXPECT_EQ(p.gateway_ip, "172.19.0.1");
  EXPECT_EQ(p.api_port, 6444);
  EXPECT_EQ(p.load_balancer_pool, "172.19.255.200-172.19.255.250") << "the same offsets in its own /16";
  EXPECT_EQ(p.nodes[0].pod_cidr, "10.244.0.0/24") << "pod ranges live in separate namespaces";
  ASSERT_EQ(p.notes.size(), 2u);
  EXPECT_NE(p.notes[0].find("used by cluster \"a\"; using 172.19.0.0/16"), std::string::npos);

  env.clusters.push_back({"b", "172.19.0.0/16", 6444});
  env.busy_ports = {6445};
  c.name = "c";
  p = MustPlan(c, env);
  EXPECT_EQ(p.node_cidr, "172.20.0.0/16");
  EXPECT_EQ(p.api_port, 6446);

  c.node_cidr = "172.18.0.0/24";
  EXPECT_NE(PlanError(c, env).find("overlaps the node network of cluster \"a\""), std::string::npos);
}

TEST(PlanTest, LoadBalancerPool) {
  ClusterConfig c;
  c.load_balancer_pool = "172.18.100.1-172.18.100.9";
  EXPECT_EQ(MustPlan(c).load_balancer_pool, "172.18.100.1-172.18.100.9");
  c.load_balancer_pool = "172.18.100.7-172.18.100.7";
  EXPECT_EQ(MustPlan(c).load_balancer_pool, "172.18.100.7-172.18.100.7") << "one address";
  // A small node network gets the upper half.
  c = ClusterConfig{};
  c.node_cidr = "192.168.9.0/27";
  c.node_count = 3;
  EXPECT_EQ(MustPlan(c).load_balancer_pool, "192.168.9.16-192.168.9.30");

  auto error = [](const std::string& pool, const std::string& node_cidr = "", int nodes = 1) {
    ClusterConfig c;
    c.load_balancer_pool = pool;
    c.node_cidr = node_cidr;
    c.node_count = nodes;
    return PlanError(c);
  };
  EXPECT_NE(error("172.18.255.200").find("invalid --load-balancer-pool \"172.18.255.200\": want FIRST-LAST, two "
                                         "IPv4 addresses such as 172.18.255.200-172.18.255.250"),
            std::string::npos);
  EXPECT_NE(error("172.18.255.0/24").find("want FIRST-LAST"), std::string::npos);
  EXPECT_NE(error("172.18.255.200-x").find("want FIRST-LAST"), std::string::npos);
  EXPECT_NE(error("172.18.255.250-172.18.255.200").find("the first address 172.18.255.250 is above the last "
                                                        "172.18.255.200"),
            std::string::npos);
  EXPECT_NE(error("10.0.0.1-10.0.0.5").find("must lie inside the node network 172.18.0.0/16"), std::string::npos);
  EXPECT_NE(error("172.18.255.200-172.19.0.5").find("must lie inside the node network"), std::string::npos);
  EXPECT_NE(error("172.18.255.200-172.18.255.255").find("broadcast"), std::string::npos);
  EXPECT_NE(error("172.18.0.0-172.18.0.9").find("network or broadcast"), std::string::npos);
  EXPECT_NE(error("172.18.0.1-172.18.0.9", "", 3).find("overlaps the host's gateway address or the node addresses "
                                                       "172.18.0.2-172.18.0.4"),
            std::string::npos);
  EXPECT_NE(error("172.18.0.4-172.18.0.9", "", 3).find("172.18.0.2-172.18.0.4"), std::string::npos);
  EXPECT_EQ(error("172.18.0.5-172.18.0.9", "", 3), "");
  // A network too small for the default next to its nodes.
  EXPECT_NE(error("", "192.168.9.0/28", 7).find("no room for the default LoadBalancer pool 192.168.9.8-192.168.9.14 "
                                                "next to 7 nodes; pass --load-balancer-pool"),
            std::string::npos);
  EXPECT_EQ(error("192.168.9.10-192.168.9.14", "192.168.9.0/28", 7), "");

  // A pool written for the first cluster does not follow a moved network.
  Environment env = Env();
  env.clusters = {{"a", "172.18.0.0/16", 6443}};
  c = ClusterConfig{};
  c.name = "b";
  c.load_balancer_pool = "172.18.255.200-172.18.255.250";
  EXPECT_NE(PlanError(c, env).find("must lie inside the node network 172.19.0.0/16"), std::string::npos);
}

TEST(PlanTest, ExplicitPortInUse) {
  Environment env = Env();
  env.busy_ports = {7000};
  ClusterConfig c;
  c.api_port = 7000;
  EXPECT_NE(PlanError(c, env).find("7000 is in use"), std::string::npos);
}

TEST(PlanTest, TaintError) {
  EXPECT_EQ(TaintError("a=b:NoSchedule"), "");
  EXPECT_EQ(TaintError("example.com/a:NoExecute"), "");
  EXPECT_NE(TaintError("a=b"), "");
  EXPECT_NE(TaintError("a=b:Sometimes"), "");
  EXPECT_NE(TaintError("=b:NoSchedule"), "");
}

}  // namespace
}  // namespace netkube::cluster
