#include "controllers/deployment_controller.h"

#include <atomic>

#include "controllers/deployment_util.h"
#include "controllers/replicaset_controller.h"
#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

Json MakeDeployment(const std::string& name, int replicas, const std::string& image) {
  Json container = {{"name", "c"}, {"image", image}};
  Json tmpl = {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", {{"containers", Json::array({container})}}}};
  Json spec = {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", name}}}}}, {"template", tmpl}};
  return {{"metadata", {{"name", name}}}, {"spec", spec}};
}

struct DeploymentTest : ::testing::Test {
  testing::Harness h;
  client::EventRecorder events{h.client, "deployment-controller"};
  DeploymentController dc{h.client, h.informers, events};
  ReplicaSetController rc{h.client, h.informers, events};
  const api::Kind& deployments = KindOf("apps", "Deployment");
  const api::Kind& rss = KindOf("apps", "ReplicaSet");
  const api::Kind& pods = KindOf("", "Pod");
  int64_t max_pods = 0;

  // Plays the kubelet: every pod becomes Running and Ready.
  int MakeReady() {
    int n = 0;
    for (Json p : h.client.Objects(pods)) {
      if (client::IsPodReady(p)) continue;
      p["status"]["phase"] = "Running";
      p["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2024-01-01T00:00:00Z"}}};
      if (h.client.Update(pods, client::NamespaceOf(p), p, "status").ok()) ++n;
    }
    return n;
  }
  void Converge(bool ready = true) {
    for (int i = 0; i < 100; ++i) {
      int n = h.Drain(dc) + h.Drain(rc);
      max_pods = std::max<int64_t>(max_pods, h.client.Objects(pods).size());
      if (ready) n += MakeReady();
      if (n == 0) break;
    }
  }
  std::vector<Json> ReplicaSets() { return h.client.Objects(rss); }
  std::string Reason(const Json& d, const char* type) {
    const Json* c = deployment::GetCondition(d["status"], type);
    return c ? c->value("reason", "") : "";
  }
};

TEST_F(DeploymentTest, RollsOutUpdatesAndRollsBack) {
  h.client.Create(deployments, "default", MakeDeployment("web", 3, "nginx:1"));
  h.Start();
  Converge();
  auto all = ReplicaSets();
  ASSERT_EQ(all.size(), 1u);
  Json rs1 = all[0];
  std::string hash = rs1["metadata"]["labels"]["pod-template-hash"];
  EXPECT_EQ(client::NameOf(rs1), "web-" + hash);
  EXPECT_EQ(rs1["spec"]["selector"]["matchLabels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs1["metadata"]["annotations"][deployment::kRevisionAnnotation], "1");
  EXPECT_EQ(rs1["metadata"]["annotations"][deployment::kDesiredReplicasAnnotation], "3");
  EXPECT_EQ(rs1["metadata"]["annotations"][deployment::kMaxReplicasAnnotation], "4");
  Json d = h.Get("apps", "Deployment", "default", "web");
  EXPECT_EQ(d["status"]["updatedReplicas"], 3);
  EXPECT_EQ(d["status"]["availableReplicas"], 3);
  EXPECT_EQ(d["status"]["observedGeneration"], 1);
  EXPECT_EQ(Reason(d, "Available"), "MinimumReplicasAvailable");
  EXPECT_EQ(Reason(d, "Progressing"), "NewReplicaSetAvailable");
  EXPECT_EQ(deployment::GetCondition(d["status"], "Progressing")->value("message", ""),
            "ReplicaSet \"web-" + hash + "\" has successfully progressed.");
  bool scaled_event = false;
  for (const Json& e : h.client.Objects(KindOf("", "Event")))
    if (e["reason"] == "ScalingReplicaSet" && e["message"] == "Scaled up replica set web-" + hash + " from 0 to 3")
      scaled_event = true;
  EXPECT_TRUE(scaled_event);

  // Update the image: a second ReplicaSet takes over within maxSurge 1.
  max_pods = 0;
  d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  ASSERT_TRUE(h.client.Update(deployments, "default", d).ok());
  Converge();
  EXPECT_LE(max_pods, 4);
  all = ReplicaSets();
  ASSERT_EQ(all.size(), 2u);
  d = h.Get("apps", "Deployment", "default", "web");
  EXPECT_EQ(d["metadata"]["annotations"][deployment::kRevisionAnnotation], "2");
  EXPECT_EQ(d["status"]["updatedReplicas"], 3);
  EXPECT_EQ(d["status"]["replicas"], 3);
  EXPECT_EQ(Reason(d, "Progressing"), "NewReplicaSetAvailable");
  EXPECT_EQ(h.Get("apps", "ReplicaSet", "default", client::NameOf(rs1))["spec"]["replicas"], 0);
  for (const Json& p : h.client.Objects(pods))
    EXPECT_EQ(p["spec"]["containers"][0]["image"], "nginx:2");

  // Roll back (as kubectl rollout undo: the old template is written back).
  d["spec"]["template"] = rs1["spec"]["template"];
  d["spec"]["template"]["metadata"]["labels"].erase("pod-template-hash");
  ASSERT_TRUE(h.client.Update(deployments, "default", d).ok());
  Converge();
  ASSERT_EQ(ReplicaSets().size(), 2u);
  Json back = h.Get("apps", "ReplicaSet", "default", client::NameOf(rs1));
  EXPECT_EQ(back["spec"]["replicas"], 3);
  EXPECT_EQ(back["metadata"]["annotations"][deployment::kRevisionAnnotation], "3");
  EXPECT_EQ(back["metadata"]["annotations"][deployment::kRevisionHistoryAnnotation], "1");
}

TEST_F(DeploymentTest, RecreateScalesDownFirst) {
  Json dep = MakeDeployment("db", 2, "pg:1");
  dep["spec"]["strategy"] = {{"type", "Recreate"}};
  h.client.Create(deployments, "default", dep);
  h.Start();
  Converge();
  Json d = h.Get("apps", "Deployment", "default", "db");
  d["spec"]["template"]["spec"]["containers"][0]["image"] = "pg:2";
  max_pods = 0;
  h.client.Update(deployments, "default", d);
  Converge();
  EXPECT_LE(max_pods, 2);
  d = h.Get("apps", "Deployment", "default", "db");
  EXPECT_EQ(d["status"]["updatedReplicas"], 2);
  EXPECT_EQ(d["status"]["availableReplicas"], 2);
}

TEST_F(DeploymentTest, ScalesAndCleansHistory) {
  Json dep = MakeDeployment("api", 2, "v0");
  dep["spec"]["revisionHistoryLimit"] = 1;
  h.client.Create(deployments, "default", dep);
  h.Start();
  Converge();
  for (int i = 1; i <= 3; ++i) {
    Json d = h.Get("apps", "Deployment", "default", "api");
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "v" + std::to_string(i);
    h.client.Update(deployments, "default", d);
    Converge();
  }
  EXPECT_EQ(ReplicaSets().size(), 2u);  // the new one + 1 of history
  h.client.Patch(deployments, "default", "api", client::PatchType::kMerge, {{"spec", {{"replicas", 5}}}});
  Converge();
  Json d = h.Get("apps", "Deployment", "default", "api");
  EXPECT_EQ(d["status"]["availableReplicas"], 5);
  EXPECT_EQ(h.client.Objects(pods).size(), 5u);
}

TEST_F(DeploymentTest, PausedOnlyScales) {
  h.client.Create(deployments, "default", MakeDeployment("p", 2, "v1"));
  h.Start();
  Converge();
  Json d = h.Get("apps", "Deployment", "default", "p");
  d["spec"]["paused"] = true;
  d["spec"]["template"]["spec"]["containers"][0]["image"] = "v2";
  d["spec"]["replicas"] = 3;
  h.client.Update(deployments, "default", d);
  Converge();
  ASSERT_EQ(ReplicaSets().size(), 1u);  // no rollout while paused
  EXPECT_EQ(ReplicaSets()[0]["spec"]["replicas"], 3);
  d = h.Get("apps", "Deployment", "default", "p");
  EXPECT_EQ(Reason(d, "Progressing"), "DeploymentPaused");
  d["spec"]["paused"] = false;
  h.client.Update(deployments, "default", d);
  Converge();
  EXPECT_EQ(ReplicaSets().size(), 2u);
  d = h.Get("apps", "Deployment", "default", "p");
  EXPECT_EQ(d["status"]["updatedReplicas"], 3);
  EXPECT_EQ(Reason(d, "Progressing"), "NewReplicaSetAvailable");
}

std::atomic<int64_t> g_skew_seconds{0};
client::TimePoint SkewedNow() { return std::chrono::system_clock::now() + std::chrono::seconds(g_skew_seconds.load()); }

TEST_F(DeploymentTest, ReportsProgressDeadlineExceeded) {
  Json dep = MakeDeployment("slow", 2, "x:1");
  dep["spec"]["progressDeadlineSeconds"] = 30;
  h.client.Create(deployments, "default", dep);
  h.Start();
  Converge(/*ready=*/false);
  Json d = h.Get("apps", "Deployment", "default", "slow");
  EXPECT_EQ(Reason(d, "Progressing"), "ReplicaSetUpdated");  // pods were created: progress
  EXPECT_EQ(Reason(d, "Available"), "MinimumReplicasUnavailable");
  g_skew_seconds = 60;
  client::SetClockForTesting(SkewedNow);
  ASSERT_TRUE(dc.Sync("default/slow").ok());
  client::SetClockForTesting(nullptr);
  d = h.Get("apps", "Deployment", "default", "slow");
  EXPECT_EQ(Reason(d, "Progressing"), "ProgressDeadlineExceeded");
  std::string rs = client::NameOf(ReplicaSets()[0]);
  EXPECT_EQ(deployment::GetCondition(d["status"], "Progressing")->value("message", ""),
            "ReplicaSet \"" + rs + "\" has timed out progressing.");
  EXPECT_EQ(deployment::GetCondition(d["status"], "Progressing")->value("status", ""), "False");
}

TEST(DeploymentUtilTest, HashIsStableAndSafe) {
  Json t = {{"metadata", {{"labels", {{"app", "web"}}}}}};
  std::string a = deployment::ComputeHash(t, -1);
  EXPECT_EQ(a, deployment::ComputeHash(t, -1));
  EXPECT_NE(a, deployment::ComputeHash(t, 1));
  EXPECT_EQ(a.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
}

TEST(DeploymentUtilTest, EqualIgnoreHashIsSemantic) {
  Json a = {{"metadata", {{"labels", {{"app", "web"}, {"pod-template-hash", "abc"}}}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}}}}}}};
  // As kubectl rollout undo sends it: creationTimestamp null, empty resources.
  Json b = {{"metadata", {{"labels", {{"app", "web"}}}, {"creationTimestamp", nullptr}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "x"}, {"resources", Json::object()}}}}}}};
  EXPECT_TRUE(deployment::EqualIgnoreHash(a, b));
  b["spec"]["containers"][0]["image"] = "y";
  EXPECT_FALSE(deployment::EqualIgnoreHash(a, b));
}

TEST(DeploymentUtilTest, FencepostsRoundAsKubernetes) {
  Json d = {{"spec", {{"replicas", 3}}}};
  int64_t s, u;
  deployment::ResolveFenceposts(d, &s, &u);
  EXPECT_EQ(s, 1);  // 25% of 3 rounds up
  EXPECT_EQ(u, 0);  // 25% of 3 rounds down
  d["spec"]["strategy"] = {{"rollingUpdate", {{"maxSurge", 0}, {"maxUnavailable", "0%"}}}};
  deployment::ResolveFenceposts(d, &s, &u);
  EXPECT_EQ(u, 1);
}

}  // namespace
}  // namespace netkube::controllers
