#include "client/informer.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "client/fake_client.h"
#include "client/meta.h"

namespace netkube::client {
namespace {

const api::Kind& Pods() { return KindOf("", "Pod"); }

Json Pod(const std::string& name, const std::string& node = "") {
  Json p = {{"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}}, {"spec", Json::object()}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

// Waits (without a time assertion) until the informer has seen `rv`.
void WaitFor(const Informer& inf, const FakeClient& c) {
  for (int i = 0; i < 5000 && inf.LastResourceVersion() < c.LastRevision(inf.kind()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_GE(inf.LastResourceVersion(), c.LastRevision(inf.kind()));
}

TEST(InformerTest, ListsWatchesAndIndexes) {
  FakeClient c;
  c.Create(Pods(), "default", Pod("a", "n1"));
  Informer inf(c, Pods());
  std::mutex mu;
  std::vector<std::string> events;
  inf.AddHandler({[&](const ObjectPtr& o) { std::lock_guard l(mu); events.push_back("add " + NameOf(*o)); },
                  [&](const ObjectPtr&, const ObjectPtr& o) { std::lock_guard l(mu); events.push_back("update " + NameOf(*o)); },
                  [&](const ObjectPtr& o) { std::lock_guard l(mu); events.push_back("delete " + NameOf(*o)); }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  c.Create(Pods(), "default", Pod("b", "n1"));
  c.Patch(Pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"x", "1"}}}}}});
  c.Delete(Pods(), "default", "a");
  WaitFor(inf, c);
  EXPECT_EQ(inf.Get("default", "a"), nullptr);
  ASSERT_NE(inf.Get("default", "b"), nullptr);
  EXPECT_EQ(inf.ByIndex(kIndexNodeName, "n1").size(), 1u);
  EXPECT_EQ(inf.List("default").size(), 1u);
  inf.Stop();
  std::vector<std::string> want = {"add a", "add b", "update a", "delete a"};
  EXPECT_EQ(events, want);
}

TEST(InformerTest, RelistsAfterGone) {
  FakeClient c;
  c.Create(Pods(), "default", Pod("a"));
  Informer inf(c, Pods());
  int deletes = 0;
  inf.AddHandler({nullptr, nullptr, [&](const ObjectPtr&) { ++deletes; }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  c.ExpireHistory();
  c.Delete(Pods(), "default", "a");
  c.Create(Pods(), "default", Pod("b"));
  WaitFor(inf, c);
  for (int i = 0; i < 5000 && inf.Get("default", "b") == nullptr; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(inf.Get("default", "a"), nullptr);
  EXPECT_NE(inf.Get("default", "b"), nullptr);
  inf.Stop();
  EXPECT_EQ(deletes, 1);
}

TEST(InformerTest, RewatchesAfterStreamEnd) {
  FakeClient c;
  Informer inf(c, Pods());
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(std::chrono::seconds(10)));
  c.CloseAllWatches();
  c.Create(Pods(), "default", Pod("a"));
  WaitFor(inf, c);
  EXPECT_NE(inf.Get("default", "a"), nullptr);
}

}  // namespace
}  // namespace netkube::client
