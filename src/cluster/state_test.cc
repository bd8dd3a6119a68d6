#include "cluster/state.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "cluster/process.h"
#include "cluster/supervisor.h"

namespace netkube::cluster {
namespace {

ClusterPlan TwoNodes() {
  Environment env;
  env.state_dir = "/s";
  ClusterConfig c;
  c.name = "dev";
  c.node_count = 2;
  c.images_file = "/x/catalog.yaml";
  auto p = MakePlan(c, env);
  EXPECT_TRUE(p.ok());
  p->user_kubeconfig = "/root/.kube/config";
  return *p;
}

TEST(StateTest, PlanRoundTrip) {
  ClusterPlan p = TwoNodes();
  auto back = ParsePlanJson(PlanToJson(p), "cluster.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(PlanToJson(*back), PlanToJson(p));
  EXPECT_EQ(back->nodes[1].name, "dev-worker");
  EXPECT_EQ(back->nodes[0].taints, p.nodes[0].taints);
  EXPECT_EQ(back->user_kubeconfig, "/root/.kube/config");
  EXPECT_EQ(back->load_balancer_pool, "172.18.255.200-172.18.255.250");
  EXPECT_EQ(back->ingress, "netkube");
  // A cluster.json from before ingress was deployed: none.
  auto old = ParsePlanJson(R"({"name": "old", "dir": "/s/clusters/old"})", "cluster.json");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->ingress, "none");
  EXPECT_FALSE(ParsePlanJson("{", "cluster.json").ok());
  EXPECT_NE(ParsePlanJson("{}", "cluster.json").status().message().find("cluster.json"), std::string::npos);
}

TEST(StateTest, SupervisedChildren) {
  ClusterPlan p = TwoNodes();
  auto children = SupervisedChildren(p, "/bin/netkube");
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(children[0].name, "server");
  EXPECT_EQ(children[0].netns, "");
  auto has = [](const std::vector<std::string>& argv, const std::string& flag, const std::string& value) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == flag && argv[i + 1] == value) return true;
    return false;
  };
  EXPECT_TRUE(has(children[0].argv, "--listen", "127.0.0.1:6443"));
  EXPECT_TRUE(has(children[0].argv, "--listen-netns", "/run/netns/dev-control-plane=172.18.0.2:6443"));
  EXPECT_TRUE(has(children[0].argv, "--data-dir", "/s/clusters/dev/server"));
  EXPECT_TRUE(has(children[0].argv, "--load-balancer-pool", "172.18.255.200-172.18.255.250"));
  const auto& cp = children[1];
  EXPECT_EQ(cp.netns, "dev-control-plane");
  EXPECT_EQ(cp.argv[1], "agent");
  EXPECT_TRUE(has(cp.argv, "--node", "dev-control-plane"));
  EXPECT_TRUE(has(cp.argv, "--node-ip", "172.18.0.2"));
  EXPECT_TRUE(has(cp.argv, "--pod-cidr", "10.244.0.0/24"));
  EXPECT_TRUE(has(cp.argv, "--register-with-taints", "node-role.kubernetes.io/control-plane:NoSchedule"));
  EXPECT_TRUE(has(cp.argv, "--node-labels",
                  "node-role.kubernetes.io/control-plane=,node.kubernetes.io/exclude-from-external-load-balancers="));
  EXPECT_TRUE(has(cp.argv, "--images", "/x/catalog.yaml"));
  EXPECT_TRUE(has(children[2].argv, "--pod-cidr", "10.244.1.0/24"));
  EXPECT_EQ(children[2].log_file, "/s/clusters/dev/dev-worker.log");

  // A cluster.json from before the pool was planned: the server's default.
  p.load_balancer_pool.clear();
  std::vector<std::string> argv = SupervisedChildren(p, "/bin/netkube")[0].argv;
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--load-balancer-pool"), 0);
}

TEST(ProcessTest, RefsOfThisProcess) {
  ProcessRef self{getpid(), ProcessStartTime(getpid())};
  EXPECT_NE(self.start_time, 0u);
  EXPECT_TRUE(IsSameProcess(self));
  auto parsed = ParseProcessRef(FormatProcessRef(self));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->pid, self.pid);
  EXPECT_EQ(parsed->start_time, self.start_time);
  EXPECT_FALSE(IsSameProcess({self.pid, self.start_time + 1})) << "a reused PID is another process";
  EXPECT_FALSE(ParseProcessRef("x").ok());
}

}  // namespace
}  // namespace netkube::cluster
