#include "controllers/daemonset_controller.h"

#include "controllers/scheduler.h"
#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

Json MakeNode(const std::string& name, Json taints = Json::array()) {
  return {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"spec", {{"taints", taints}}},
          {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

Json MakeDs(const std::string& name, const std::string& image) {
  Json container = {{"name", "c"}, {"image", image}};
  Json tmpl = {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", {{"containers", Json::array({container})}}}};
  return {{"metadata", {{"name", name}}},
          {"spec", {{"selector", {{"matchLabels", {{"app", name}}}}}, {"template", tmpl}}}};
}

struct DsTest : ::testing::Test {
  testing::Harness h;
  client::EventRecorder events{h.client, "daemonset-controller"};
  DaemonSetController dc{h.client, h.informers, events};
  Scheduler sched{h.client, h.informers, events};
  const api::Kind& pods = KindOf("", "Pod");
  size_t max_unavailable_seen = 0;

  int MakeReady() {
    int n = 0;
    for (Json p : h.client.Objects(pods)) {
      if (client::IsPodReady(p) || client::GetString(p, {"spec", "nodeName"}).empty()) continue;
      p["status"]["phase"] = "Running";
      p["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}}};
      if (h.client.Update(pods, "default", p, "status").ok()) ++n;
    }
    return n;
  }
  void Converge() {
    for (int i = 0; i < 100; ++i) {
      int n = h.Drain(dc) + h.Drain(sched) + MakeReady();
      size_t ready = 0;
      for (const Json& p : h.client.Objects(pods)) ready += client::IsPodReady(p);
      if (ready < 2) max_unavailable_seen = std::max(max_unavailable_seen, 2 - ready);
      if (n == 0) break;
    }
  }
  std::map<std::string, Json> PodsByNode() {
    std::map<std::string, Json> m;
    for (const Json& p : h.client.Objects(pods)) m[p["spec"].value("nodeName", "")] = p;
    return m;
  }
};

TEST_F(DsTest, RunsOnePodPerEligibleNodeAndRollsUpdates) {
  Json cp_taint = Json::array({{{"key", "node-role.kubernetes.io/control-plane"}, {"effect", "NoSchedule"}}});
  h.client.Create(KindOf("", "Node"), "", MakeNode("cp", cp_taint));
  h.client.Create(KindOf("", "Node"), "", MakeNode("w1"));
  h.client.Create(KindOf("", "Node"), "", MakeNode("w2"));
  h.client.Create(KindOf("apps", "DaemonSet"), "default", MakeDs("agent", "a:1"));
  h.Start();
  Converge();
  auto by_node = PodsByNode();
  ASSERT_EQ(by_node.size(), 2u);
  ASSERT_TRUE(by_node.count("w1") && by_node.count("w2"));
  const Json& p = by_node["w1"];
  EXPECT_EQ(DaemonPodNode(p), "w1");
  EXPECT_EQ(p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
             [0]["matchFields"][0]["values"][0],
            "w1");
  bool tolerates_unschedulable = false;
  for (const Json& t : p["spec"]["tolerations"])
    tolerates_unschedulable = tolerates_unschedulable || t["key"] == "node.kubernetes.io/unschedulable";
  EXPECT_TRUE(tolerates_unschedulable);
  Json ds = h.Get("apps", "DaemonSet", "default", "agent");
  EXPECT_EQ(ds["status"]["desiredNumberScheduled"], 2);
  EXPECT_EQ(ds["status"]["currentNumberScheduled"], 2);
  EXPECT_EQ(ds["status"]["numberReady"], 2);
  EXPECT_EQ(ds["status"]["numberAvailable"], 2);
  EXPECT_EQ(ds["status"]["updatedNumberScheduled"], 2);
  EXPECT_EQ(ds["status"]["numberMisscheduled"], 0);

  ds["spec"]["template"]["spec"]["containers"][0]["image"] = "a:2";
  h.client.Update(KindOf("apps", "DaemonSet"), "default", ds);
  max_unavailable_seen = 0;
  Converge();
  EXPECT_LE(max_unavailable_seen, 1u);
  by_node = PodsByNode();
  ASSERT_EQ(by_node.size(), 2u);
  for (auto& [node, pod] : by_node) EXPECT_EQ(pod["spec"]["containers"][0]["image"], "a:2");
  ds = h.Get("apps", "DaemonSet", "default", "agent");
  EXPECT_EQ(ds["status"]["updatedNumberScheduled"], 2);
  EXPECT_EQ(ds["status"]["observedGeneration"], 2);
}

TEST_F(DsTest, FollowsNodeSelectorAndDeletesMisscheduled) {
  h.client.Create(KindOf("", "Node"), "", MakeNode("w1"));
  h.client.Create(KindOf("", "Node"), "", MakeNode("w2"));
  Json ds = MakeDs("agent", "a:1");
  ds["spec"]["template"]["spec"]["nodeSelector"] = {{"role", "edge"}};
  h.client.Create(KindOf("apps", "DaemonSet"), "default", ds);
  h.Start();
  Converge();
  EXPECT_TRUE(h.client.Objects(pods).empty());
  h.client.Patch(KindOf("", "Node"), "", "w2", client::PatchType::kMerge, {{"metadata", {{"labels", {{"role", "edge"}}}}}});
  Converge();
  auto by_node = PodsByNode();
  ASSERT_EQ(by_node.size(), 1u);
  EXPECT_TRUE(by_node.count("w2"));
  h.client.Patch(KindOf("", "Node"), "", "w2", client::PatchType::kMerge, {{"metadata", {{"labels", {{"role", nullptr}}}}}});
  Converge();
  EXPECT_TRUE(h.client.Objects(pods).empty());
}

}  // namespace
}  // namespace netkube::controllers
