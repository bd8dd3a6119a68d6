#include "client/event_recorder.h"

#include <gtest/gtest.h>

#include "client/fake_client.h"
#include "client/meta.h"

namespace netkube::client {
namespace {

TEST(EventRecorderTest, WritesEventsAndCountsRepeats) {
  FakeClient c;
  Json pod = *c.Create(KindOf("", "Pod"), "default", Json{{"metadata", {{"name", "p"}}}});
  Json node = *c.Create(KindOf("", "Node"), "", Json{{"metadata", {{"name", "n1"}}}});
  EventRecorder r(c, "default-scheduler");
  r.Warning(pod, "FailedScheduling", "no nodes available to schedule pods");
  r.Warning(pod, "FailedScheduling", "no nodes available to schedule pods");
  r.Normal(node, "Starting", "Starting kubelet.");
  auto events = c.Objects(KindOf("", "Event"));
  ASSERT_EQ(events.size(), 2u);
  const Json* failed = nullptr;
  const Json* starting = nullptr;
  for (const Json& e : events) (e["reason"] == "FailedScheduling" ? failed : starting) = &e;
  ASSERT_TRUE(failed && starting);
  EXPECT_EQ((*failed)["count"], 2);
  EXPECT_EQ((*failed)["type"], "Warning");
  EXPECT_EQ((*failed)["involvedObject"]["uid"], UidOf(pod));
  EXPECT_EQ((*failed)["involvedObject"]["namespace"], "default");
  EXPECT_EQ((*failed)["source"]["component"], "default-scheduler");
  EXPECT_EQ(NameOf(*failed).rfind("p.", 0), 0u);
  EXPECT_EQ(NamespaceOf(*starting), "default");  // cluster-scoped objects' events
  EXPECT_FALSE((*starting)["involvedObject"].contains("namespace"));
}

}  // namespace
}  // namespace netkube::client
