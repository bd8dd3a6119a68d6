#include "controllers/garbage_collector.h"

#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

Json Rs(const std::string& name) {
  return {{"metadata", {{"name", name}}}, {"spec", {{"replicas", 1}}}};
}

Json OwnedPod(const std::string& name, const Json& owner, bool block = true) {
  return {{"metadata", {{"name", name}, {"ownerReferences", {client::MakeOwnerRef(owner, true, block)}}}},
          {"spec", Json::object()}};
}

struct GcTest : ::testing::Test {
  testing::Harness h;
  std::unique_ptr<GarbageCollector> gc;
  const api::Kind& rs = KindOf("apps", "ReplicaSet");
  const api::Kind& pods = KindOf("", "Pod");
  void SetUp() override { gc = std::make_unique<GarbageCollector>(h.client, h.informers); }
};

TEST_F(GcTest, DeletesOrphansInBackground) {
  Json owner = *h.client.Create(rs, "default", Rs("web"));
  h.client.Create(pods, "default", OwnedPod("p1", owner));
  Json ghost = owner;
  ghost["metadata"]["uid"] = "gone-uid";
  h.client.Create(pods, "default", OwnedPod("p2", ghost));
  h.Start();
  h.Drain(*gc);
  EXPECT_FALSE(h.Get("", "Pod", "default", "p1").is_null());
  EXPECT_TRUE(h.Get("", "Pod", "default", "p2").is_null());  // owner uid differs
  h.client.Delete(rs, "default", "web");
  h.Drain(*gc);
  EXPECT_TRUE(h.Get("", "Pod", "default", "p1").is_null());
}

TEST_F(GcTest, ForegroundDeletesDependentsThenOwner) {
  Json owner = *h.client.Create(rs, "default", Rs("web"));
  h.client.Create(pods, "default", OwnedPod("p1", owner));
  h.Start();
  client::DeleteOptions o;
  o.propagation_policy = "Foreground";
  h.client.Delete(rs, "default", "web", o);
  h.Drain(*gc);
  EXPECT_TRUE(h.Get("", "Pod", "default", "p1").is_null());
  EXPECT_TRUE(h.Get("apps", "ReplicaSet", "default", "web").is_null());
}

TEST_F(GcTest, OrphanRemovesOwnerReferences) {
  Json owner = *h.client.Create(rs, "default", Rs("web"));
  h.client.Create(pods, "default", OwnedPod("p1", owner));
  h.Start();
  client::DeleteOptions o;
  o.propagation_policy = "Orphan";
  h.client.Delete(rs, "default", "web", o);
  h.Drain(*gc);
  Json p = h.Get("", "Pod", "default", "p1");
  ASSERT_FALSE(p.is_null());
  EXPECT_FALSE(p["metadata"].contains("ownerReferences"));
  EXPECT_TRUE(h.Get("apps", "ReplicaSet", "default", "web").is_null());
}

}  // namespace
}  // namespace netkube::controllers
