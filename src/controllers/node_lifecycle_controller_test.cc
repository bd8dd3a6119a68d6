#include "controllers/node_lifecycle_controller.h"

#include <atomic>

#include "controllers/daemonset_controller.h"
#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;
using client::TimePoint;

std::atomic<int64_t> fake_seconds{1767225600};  // 2026-01-01T00:00:00Z
TimePoint FakeNow() { return TimePoint(std::chrono::seconds(fake_seconds.load())); }
std::string At(int64_t offset) { return client::FormatTime(TimePoint(std::chrono::seconds(1767225600 + offset))); }

Json MakeNode(const std::string& name, const std::string& heartbeat) {
  return {{"metadata", {{"name", name}}},
          {"status",
           {{"conditions",
             {{{"type", "Ready"}, {"status", "True"}, {"lastHeartbeatTime", heartbeat}},
              {{"type", "MemoryPressure"}, {"status", "False"}, {"lastHeartbeatTime", heartbeat}}}}}}};
}

Json Tol(const std::string& key, std::optional<int64_t> seconds) {
  Json t = {{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}};
  if (seconds) t["tolerationSeconds"] = *seconds;
  return t;
}

struct NodeLifecycleTest : ::testing::Test {
  testing::Harness h;
  client::EventRecorder events{h.client, "node-controller"};
  NodeLifecycleController nlc{h.client, h.informers, events};
  const api::Kind& pods = KindOf("", "Pod");
  const api::Kind& nodes = KindOf("", "Node");
  const api::Kind& leases = KindOf("coordination.k8s.io", "Lease");

  void SetUp() override {
    fake_seconds = 1767225600;
    client::SetClockForTesting(FakeNow);
  }
  void TearDown() override { client::SetClockForTesting(nullptr); }

  void Advance(int64_t s) { fake_seconds += s; }
  void SyncNode(const std::string& n) {
    nlc.queue().Add(n);
    h.Drain(nlc);
  }
  void AddPod(const std::string& name, const std::string& node, Json spec) {
    spec["nodeName"] = node;
    spec["containers"] = Json::array({{{"name", "c"}, {"image", "i"}}});
    auto r = h.client.Create(pods, "default", Json{{"metadata", {{"name", name}}}, {"spec", spec}});
    ASSERT_TRUE(r.ok());
    Json p = *r;
    p["status"] = {{"phase", "Running"}, {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}};
    ASSERT_TRUE(h.client.Update(pods, "default", p, "status").ok());
  }
  void RenewLease(const std::string& node) {
    Json lease = h.Get("coordination.k8s.io", "Lease", "kube-node-lease", node);
    std::string now = client::FormatTime(client::Now());
    if (lease.is_null()) {
      ASSERT_TRUE(h.client
                      .Create(leases, "kube-node-lease",
                              Json{{"metadata", {{"name", node}}}, {"spec", {{"holderIdentity", node}, {"renewTime", now}}}})
                      .ok());
    } else {
      lease["spec"]["renewTime"] = now;
      ASSERT_TRUE(h.client.Update(leases, "kube-node-lease", lease).ok());
    }
  }
  bool Exists(const std::string& pod) { return !h.Get("", "Pod", "default", pod).is_null(); }
  std::set<std::string> TaintsOf(const std::string& node) {
    std::set<std::string> out;
    Json n = h.Get("", "Node", "", node);
    if (n["spec"].contains("taints") && n["spec"]["taints"].is_array())
      for (const Json& t : n["spec"]["taints"]) out.insert(t.value("key", "") + ":" + t.value("effect", ""));
    return out;
  }
};

TEST_F(NodeLifecycleTest, StaleLeaseMakesNodeUnknownTaintsAndEvicts) {
  ASSERT_TRUE(h.client.Create(nodes, "", MakeNode("n1", At(0))).ok());
  RenewLease("n1");
  AddPod("plain", "n1", Json::object());
  AddPod("tol300", "n1", {{"tolerations", {Tol("node.kubernetes.io/unreachable", 300)}}});
  AddPod("forever", "n1", {{"tolerations", {Tol("node.kubernetes.io/unreachable", std::nullopt)}}});
  AddPod("daemon", "n1", DaemonPodSpec(Json::object()));
  h.Start();
  h.Drain(nlc);
  EXPECT_TRUE(TaintsOf("n1").empty());

  // The lease keeps the node healthy even though the Ready heartbeat is old.
  Advance(30);
  RenewLease("n1");
  Advance(30);
  SyncNode("n1");
  Json node = h.Get("", "Node", "", "n1");
  EXPECT_EQ(client::FindCondition(node, "Ready")->value("status", ""), "True");
  EXPECT_TRUE(TaintsOf("n1").empty());
  EXPECT_TRUE(Exists("plain"));

  // No renewal for longer than the grace period.
  Advance(11);
  SyncNode("n1");
  node = h.Get("", "Node", "", "n1");
  const Json* ready = client::FindCondition(node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->value("status", ""), "Unknown");
  EXPECT_EQ(ready->value("reason", ""), "NodeStatusUnknown");
  EXPECT_EQ(ready->value("message", ""), "Kubelet stopped posting node status.");
  EXPECT_EQ(client::FindCondition(node, "MemoryPressure")->value("status", ""), "Unknown");
  EXPECT_EQ(TaintsOf("n1"), (std::set<std::string>{"node.kubernetes.io/unreachable:NoSchedule",
                                                    "node.kubernetes.io/unreachable:NoExecute"}));
  for (const Json& t : node["spec"]["taints"])
    if (t["effect"] == "NoExecute") EXPECT_EQ(t.value("timeAdded", ""), client::FormatTime(client::Now()));
  bool event = false;
  for (const Json& e : h.client.Objects(KindOf("", "Event"))) event = event || e.value("reason", "") == "NodeNotReady";
  EXPECT_TRUE(event);

  EXPECT_FALSE(Exists("plain"));
  for (const char* name : {"tol300", "forever", "daemon"}) {
    ASSERT_TRUE(Exists(name)) << name;
    EXPECT_FALSE(client::IsPodReady(h.Get("", "Pod", "default", name))) << name;
  }

  Advance(299);
  SyncNode("n1");
  EXPECT_TRUE(Exists("tol300"));
  Advance(2);
  SyncNode("n1");
  EXPECT_FALSE(Exists("tol300"));
  EXPECT_TRUE(Exists("forever"));
  EXPECT_TRUE(Exists("daemon"));

  // The heartbeat resumes; the node agent reports Ready=True; taints go.
  RenewLease("n1");
  node = h.Get("", "Node", "", "n1");
  node["status"] = MakeNode("n1", client::FormatTime(client::Now()))["status"];
  ASSERT_TRUE(h.client.Update(nodes, "", node, "status").ok());
  h.Drain(nlc);
  EXPECT_TRUE(TaintsOf("n1").empty());
  EXPECT_EQ(client::FindCondition(h.Get("", "Node", "", "n1"), "Ready")->value("status", ""), "True");
  EXPECT_TRUE(Exists("forever"));
}

TEST_F(NodeLifecycleTest, NotReadyAndUnschedulableTaints) {
  Json n = MakeNode("n2", At(0));
  n["spec"] = {{"unschedulable", true},
               {"taints", {{{"key", "example.com/own"}, {"effect", "NoSchedule"}}}}};
  n["status"]["conditions"][0]["status"] = "False";
  ASSERT_TRUE(h.client.Create(nodes, "", n).ok());
  RenewLease("n2");
  h.Start();
  h.Drain(nlc);
  EXPECT_EQ(TaintsOf("n2"), (std::set<std::string>{"example.com/own:NoSchedule", "node.kubernetes.io/not-ready:NoSchedule",
                                                    "node.kubernetes.io/not-ready:NoExecute",
                                                    "node.kubernetes.io/unschedulable:NoSchedule"}));
  ASSERT_TRUE(h.client.Patch(nodes, "", "n2", client::PatchType::kMerge, {{"spec", {{"unschedulable", nullptr}}}}).ok());
  h.Drain(nlc);
  EXPECT_EQ(TaintsOf("n2"), (std::set<std::string>{"example.com/own:NoSchedule", "node.kubernetes.io/not-ready:NoSchedule",
                                                    "node.kubernetes.io/not-ready:NoExecute"}));
}

TEST_F(NodeLifecycleTest, MonitorKeyRequeuesEveryNode) {
  ASSERT_TRUE(h.client.Create(nodes, "", MakeNode("n3", At(0))).ok());
  h.Start();
  h.Drain(nlc);
  Advance(41);
  // Nothing changed in the cluster: only the monitor notices.
  ASSERT_TRUE(nlc.Sync(NodeLifecycleController::kMonitorKey).ok());
  h.Drain(nlc);
  EXPECT_EQ(client::FindCondition(h.Get("", "Node", "", "n3"), "Ready")->value("status", ""), "Unknown");
}

}  // namespace
}  // namespace netkube::controllers
