#include "client/fake_client.h"

#include <gtest/gtest.h>

#include "client/meta.h"

namespace netkube::client {
namespace {

const api::Kind& Pods() { return KindOf("", "Pod"); }
const api::Kind& Namespaces() { return KindOf("", "Namespace"); }

Json Pod(const std::string& name, Json labels = Json::object()) {
  return {{"metadata", {{"name", name}, {"labels", labels}}}, {"spec", {{"containers", Json::array()}}}};
}

TEST(FakeClientTest, CreateSetsMetadataAndRejectsDuplicates) {
  FakeClient c;
  auto p = c.Create(Pods(), "default", Pod("a"));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(UidOf(*p).empty());
  EXPECT_FALSE(ResourceVersionOf(*p).empty());
  EXPECT_EQ(NamespaceOf(*p), "default");
  EXPECT_EQ((*p)["kind"], "Pod");
  auto dup = c.Create(Pods(), "default", Pod("a"));
  EXPECT_TRUE(dup.status().IsAlreadyExists());
  EXPECT_EQ(dup.status().message(), "pods \"a\" already exists");
  Json g = {{"metadata", {{"generateName", "web-"}}}};
  auto gp = c.Create(Pods(), "default", g);
  ASSERT_TRUE(gp.ok());
  EXPECT_EQ(NameOf(*gp).size(), 9u);
}

TEST(FakeClientTest, StaleUpdateConflicts) {
  FakeClient c;
  Json p = *c.Create(Pods(), "default", Pod("a"));
  Json p2 = p;
  p2["metadata"]["labels"]["x"] = "1";
  ASSERT_TRUE(c.Update(Pods(), "default", p2).ok());
  p["metadata"]["labels"]["x"] = "2";
  auto r = c.Update(Pods(), "default", p);
  EXPECT_TRUE(r.status().IsConflict());
  EXPECT_TRUE(c.Get(Pods(), "default", "nope").status().IsNotFound());
  EXPECT_EQ(c.Get(Pods(), "default", "nope").status().message(), "pods \"nope\" not found");
}

TEST(FakeClientTest, StatusSubresourceOnlyChangesStatus) {
  FakeClient c;
  Json p = *c.Create(Pods(), "default", Pod("a"));
  p["status"]["phase"] = "Running";
  p["metadata"]["labels"]["ignored"] = "yes";
  Json out = *c.Update(Pods(), "default", p, "status");
  EXPECT_EQ(out["status"]["phase"], "Running");
  EXPECT_FALSE(out["metadata"]["labels"].contains("ignored"));
  out["status"]["phase"] = "Failed";
  Json out2 = *c.Update(Pods(), "default", out);
  EXPECT_EQ(out2["status"]["phase"], "Running");
}

TEST(FakeClientTest, ListFiltersBySelectors) {
  FakeClient c;
  c.Create(Pods(), "default", Pod("a", {{"app", "web"}}));
  c.Create(Pods(), "default", Pod("b", {{"app", "db"}}));
  c.Create(Pods(), "other", Pod("c", {{"app", "web"}}));
  ListOptions o;
  o.label_selector = "app=web";
  EXPECT_EQ((*c.List(Pods(), "", o))["items"].size(), 2u);
  EXPECT_EQ((*c.List(Pods(), "default", o))["items"].size(), 1u);
  o.label_selector = "app in (web,db)";
  EXPECT_EQ((*c.List(Pods(), "default", o))["items"].size(), 2u);
  o.label_selector = "";
  o.field_selector = "metadata.name=b";
  EXPECT_EQ((*c.List(Pods(), "", o))["items"].size(), 1u);
}

TEST(FakeClientTest, FinalizersBlockDeletion) {
  FakeClient c;
  Json p = Pod("a");
  p["metadata"]["finalizers"] = {"example.com/x"};
  c.Create(Pods(), "default", p);
  Json d = *c.Delete(Pods(), "default", "a");
  EXPECT_TRUE(IsBeingDeleted(d));
  ASSERT_TRUE(c.Get(Pods(), "default", "a").ok());
  RemoveFinalizer(&d, "example.com/x");
  ASSERT_TRUE(c.Update(Pods(), "default", d).ok());
  EXPECT_TRUE(c.Get(Pods(), "default", "a").status().IsNotFound());
}

TEST(FakeClientTest, ForegroundDeletionAddsFinalizer) {
  FakeClient c;
  c.Create(Pods(), "default", Pod("a"));
  DeleteOptions o;
  o.propagation_policy = "Foreground";
  Json d = *c.Delete(Pods(), "default", "a", o);
  EXPECT_TRUE(HasFinalizer(d, "foregroundDeletion"));
  EXPECT_TRUE(IsBeingDeleted(d));
}

TEST(FakeClientTest, NamespaceFinalize) {
  FakeClient c;
  Json ns = *c.Create(Namespaces(), "", Json{{"metadata", {{"name", "x"}}}});
  EXPECT_EQ(ns["spec"]["finalizers"][0], "kubernetes");
  Json d = *c.Delete(Namespaces(), "", "x");
  EXPECT_EQ(d["status"]["phase"], "Terminating");
  EXPECT_TRUE(c.Create(Pods(), "x", Pod("a")).status().reason() == Reason::kForbidden);
  d["spec"]["finalizers"] = Json::array();
  ASSERT_TRUE(c.Update(Namespaces(), "", d, "finalize").ok());
  EXPECT_TRUE(c.Get(Namespaces(), "", "x").status().IsNotFound());
}

TEST(FakeClientTest, PatchMergeAndJson) {
  FakeClient c;
  c.Create(Pods(), "default", Pod("a", {{"app", "web"}}));
  Json m = *c.Patch(Pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"app", nullptr}, {"t", "1"}}}}}});
  EXPECT_FALSE(m["metadata"]["labels"].contains("app"));
  EXPECT_EQ(m["metadata"]["labels"]["t"], "1");
  Json j = *c.Patch(Pods(), "default", "a", PatchType::kJson,
                    Json::array({{{"op", "add"}, {"path", "/metadata/labels/u"}, {"value", "2"}}}));
  EXPECT_EQ(j["metadata"]["labels"]["u"], "2");
  auto stale = c.Patch(Pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"resourceVersion", "1"}}}});
  EXPECT_TRUE(stale.status().IsConflict());
}

TEST(FakeClientTest, WatchDeliversEventsFromRevision) {
  FakeClient c;
  Json a = *c.Create(Pods(), "default", Pod("a"));
  ListOptions o;
  o.resource_version = ResourceVersionOf(a);
  auto w = c.Watch(Pods(), "", o);
  ASSERT_TRUE(w.ok());
  c.Create(Pods(), "default", Pod("b"));
  c.Delete(Pods(), "default", "a");
  WatchEvent e;
  ASSERT_TRUE((*w)->Next(&e, std::chrono::seconds(1)));
  EXPECT_EQ(e.type, "ADDED");
  EXPECT_EQ(NameOf(e.object), "b");
  ASSERT_TRUE((*w)->Next(&e, std::chrono::seconds(1)));
  EXPECT_EQ(e.type, "DELETED");
  EXPECT_EQ(NameOf(e.object), "a");
  c.ExpireHistory();
  ASSERT_TRUE((*w)->Next(&e, std::chrono::seconds(1)));
  EXPECT_EQ(e.type, "ERROR");
  EXPECT_FALSE((*w)->Next(&e, std::chrono::milliseconds(1)));
  EXPECT_TRUE(c.Watch(Pods(), "", o).status().IsGone());
}

TEST(FakeClientTest, WatchWithSelectorTurnsRelabelIntoDelete) {
  FakeClient c;
  Json a = *c.Create(Pods(), "default", Pod("a", {{"app", "web"}}));
  ListOptions o;
  o.label_selector = "app=web";
  o.resource_version = ResourceVersionOf(a);
  auto w = c.Watch(Pods(), "default", o);
  c.Patch(Pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"app", "db"}}}}}});
  WatchEvent e;
  ASSERT_TRUE((*w)->Next(&e, std::chrono::seconds(1)));
  EXPECT_EQ(e.type, "DELETED");
}

TEST(FakeClientTest, BindingSetsNodeName) {
  FakeClient c;
  c.Create(Pods(), "default", Pod("a"));
  ASSERT_TRUE(c.CreateSubresource(Pods(), "default", "a", "binding",
                                  {{"target", {{"kind", "Node"}, {"name", "n1"}}}}).ok());
  Json p = *c.Get(Pods(), "default", "a");
  EXPECT_EQ(p["spec"]["nodeName"], "n1");
  EXPECT_EQ(FindCondition(p, "PodScheduled")->value("status", ""), "True");
  EXPECT_TRUE(c.CreateSubresource(Pods(), "default", "a", "binding",
                                  {{"target", {{"kind", "Node"}, {"name", "n2"}}}}).status().IsConflict());
}

}  // namespace
}  // namespace netkube::client
