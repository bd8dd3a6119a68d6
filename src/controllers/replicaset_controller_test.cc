#include "controllers/replicaset_controller.h"

#include "controllers/pod_control.h"
#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

Json MakeRs(const std::string& name, int replicas) {
  Json container = {{"name", "c"}, {"image", "nginx"}};
  Json tmpl = {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", {{"containers", Json::array({container})}}}};
  Json spec = {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", name}}}}}, {"template", tmpl}};
  return {{"metadata", {{"name", name}}}, {"spec", spec}};
}

struct RsTest : ::testing::Test {
  testing::Harness h;
  client::EventRecorder events{h.client, "replicaset-controller"};
  ReplicaSetController c{h.client, h.informers, events};
  const api::Kind& rs = KindOf("apps", "ReplicaSet");
  const api::Kind& pods = KindOf("", "Pod");
  std::vector<Json> Pods() { return h.client.Objects(pods); }
};

TEST_F(RsTest, CreatesScalesAndReportsStatus) {
  h.client.Create(rs, "default", MakeRs("web", 3));
  h.Start();
  h.Drain(c);
  auto ps = Pods();
  ASSERT_EQ(ps.size(), 3u);
  for (const Json& p : ps) {
    EXPECT_EQ(client::NameOf(p).rfind("web-", 0), 0u);
    EXPECT_EQ(p["metadata"]["labels"]["app"], "web");
    EXPECT_EQ(client::ControllerRefOf(p)->value("kind", ""), "ReplicaSet");
  }
  Json got = h.Get("apps", "ReplicaSet", "default", "web");
  EXPECT_EQ(got["status"]["replicas"], 3);
  EXPECT_EQ(got["status"]["observedGeneration"], 1);
  // Events: three SuccessfulCreate.
  int created = 0;
  for (const Json& e : h.client.Objects(KindOf("", "Event")))
    if (e["reason"] == "SuccessfulCreate") ++created;
  EXPECT_EQ(created, 3);

  // Make one pod ready and scheduled; scaling to 1 keeps it.
  Json keep = ps[1];
  keep["spec"]["nodeName"] = "n1";
  keep = *h.client.Update(pods, "default", keep);
  keep["status"]["phase"] = "Running";
  keep["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2024-01-01T00:00:00Z"}}};
  ASSERT_TRUE(h.client.Update(pods, "default", keep, "status").ok());
  h.client.Patch(rs, "default", "web", client::PatchType::kMerge, {{"spec", {{"replicas", 1}}}});
  h.Drain(c);
  ps = Pods();
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(client::NameOf(ps[0]), client::NameOf(keep));
  got = h.Get("apps", "ReplicaSet", "default", "web");
  EXPECT_EQ(got["status"]["replicas"], 1);
  EXPECT_EQ(got["status"]["readyReplicas"], 1);
  EXPECT_EQ(got["status"]["availableReplicas"], 1);
  EXPECT_EQ(got["status"]["observedGeneration"], 2);
}

TEST_F(RsTest, AdoptsMatchingOrphans) {
  h.client.Create(pods, "default", Json{{"metadata", {{"name", "orphan"}, {"labels", {{"app", "web"}}}}}, {"spec", Json::object()}});
  h.client.Create(rs, "default", MakeRs("web", 1));
  h.Start();
  h.Drain(c);
  auto ps = Pods();
  ASSERT_EQ(ps.size(), 1u);
  ASSERT_NE(client::ControllerRefOf(ps[0]), nullptr);
  EXPECT_EQ(client::ControllerRefOf(ps[0])->value("name", ""), "web");
}

TEST(SortForDeletionTest, PrefersUnscheduledThenNotReadyThenNewest) {
  auto mk = [](std::string name, std::string node, bool ready, std::string created) {
    Json p = {{"metadata", {{"name", name}, {"creationTimestamp", created}}}, {"spec", Json::object()},
              {"status", {{"phase", node.empty() ? "Pending" : "Running"}}}};
    if (!node.empty()) p["spec"]["nodeName"] = node;
    p["status"]["conditions"] = {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}};
    return std::make_shared<const Json>(p);
  };
  std::vector<client::ObjectPtr> v = {mk("ready-old", "n", true, "2024-01-01T00:00:00Z"),
                                      mk("ready-new", "n", true, "2024-01-02T00:00:00Z"),
                                      mk("notready", "n", false, "2024-01-01T00:00:00Z"),
                                      mk("pending", "", false, "2024-01-01T00:00:00Z")};
  SortForDeletion(&v);
  EXPECT_EQ(client::NameOf(*v[0]), "pending");
  EXPECT_EQ(client::NameOf(*v[1]), "notready");
  EXPECT_EQ(client::NameOf(*v[2]), "ready-new");
}

}  // namespace
}  // namespace netkube::controllers
