#include "controllers/endpointslice_compute.h"

#include <gtest/gtest.h>

#include "controllers/endpoints_compute.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::ObjectPtr;

Json Svc() {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}, {"labels", {{"team", "a"}}}, {"uid", "svc-uid"}}},
          {"spec", {{"selector", {{"app", "web"}}}, {"clusterIP", "10.96.0.20"}, {"ipFamilies", {"IPv4"}},
                    {"ports", Json::array({{{"port", 80}, {"protocol", "TCP"}, {"targetPort", "http"}}})}}}};
}

ObjectPtr Pod(const std::string& name, const std::string& ip, int port = 8080, bool ready = true) {
  Json pod = {{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", name + "-uid"}, {"labels", {{"app", "web"}}}}},
              {"spec", {{"nodeName", "node1"},
                        {"containers", Json::array({{{"name", "c"}, {"ports", Json::array({{{"name", "http"}, {"containerPort", port}, {"protocol", "TCP"}}})}}})}}},
              {"status", {{"phase", "Running"}, {"podIP", ip},
                          {"conditions", Json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
  return std::make_shared<const Json>(pod);
}

ObjectPtr Node() {
  static ObjectPtr n = std::make_shared<const Json>(
      Json{{"metadata", {{"name", "node1"}, {"labels", {{kLabelTopologyZone, "zone-a"}}}}}});
  return n;
}
NodeLookup Nodes() {
  return [](const std::string& name) { return name == "node1" ? Node() : nullptr; };
}

// Applies changes the way the API would: names for creations, rv bumps.
std::vector<ObjectPtr> Apply(std::vector<ObjectPtr> existing, const SliceChanges& c) {
  static int n = 0;
  std::vector<ObjectPtr> out;
  for (const ObjectPtr& s : existing) {
    bool gone = false;
    for (const Json& r : c.remove) gone |= client::NameOf(r) == client::NameOf(*s);
    for (const Json& u : c.update) gone |= client::NameOf(u) == client::NameOf(*s);
    if (!gone) out.push_back(s);
  }
  for (const Json& u : c.update) out.push_back(std::make_shared<const Json>(u));
  for (Json s : c.create) {
    s["metadata"]["name"] = s["metadata"]["generateName"].get<std::string>() + "x" + std::to_string(++n);
    s["metadata"]["uid"] = "slice-" + std::to_string(n);
    out.push_back(std::make_shared<const Json>(s));
  }
  return out;
}

size_t CountEndpoints(const std::vector<ObjectPtr>& slices) {
  size_t n = 0;
  for (const ObjectPtr& s : slices) n += (*s)["endpoints"].size();
  return n;
}

TEST(EndpointSliceComputeTest, CreatesOneSliceWithEndpointShape) {
  Json svc = Svc();
  SliceChanges c = ReconcileServiceSlices(svc, {Pod("a", "10.244.0.5")}, Nodes(), {}, client::ParseTime("2024-01-01T00:00:00Z"));
  ASSERT_EQ(c.create.size(), 1u);
  EXPECT_TRUE(c.update.empty());
  const Json& s = c.create[0];
  EXPECT_EQ(s["metadata"]["generateName"], "web-");
  EXPECT_EQ(s["metadata"]["labels"], Json({{"team", "a"}, {kLabelServiceName, "web"}, {kLabelManagedBy, kEndpointSliceControllerName}}));
  EXPECT_EQ(s["metadata"]["ownerReferences"][0],
            Json({{"apiVersion", "v1"}, {"kind", "Service"}, {"name", "web"}, {"uid", "svc-uid"}, {"controller", true}, {"blockOwnerDeletion", true}}));
  EXPECT_EQ(s["metadata"]["annotations"][kLastChangeTriggerTime], "2024-01-01T00:00:00Z");
  EXPECT_EQ(s["addressType"], "IPv4");
  EXPECT_EQ(s["ports"], Json::parse(R"([{"name": "", "port": 8080, "protocol": "TCP"}])"));
  EXPECT_EQ(s["endpoints"][0], Json::parse(R"({"addresses": ["10.244.0.5"],
      "conditions": {"ready": true, "serving": true, "terminating": false}, "nodeName": "node1", "zone": "zone-a",
      "targetRef": {"kind": "Pod", "name": "a", "namespace": "default", "uid": "a-uid"}})"));
}

TEST(EndpointSliceComputeTest, TerminatingAndNotReadyConditions) {
  Json dying = *Pod("a", "10.0.0.1");
  dying["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  Json ep = PodToSliceEndpoint(dying, nullptr, Svc(), "IPv4");
  EXPECT_EQ(ep["conditions"], Json({{"ready", false}, {"serving", true}, {"terminating", true}}));
  ep = PodToSliceEndpoint(*Pod("b", "10.0.0.2", 8080, false), nullptr, Svc(), "IPv4");
  EXPECT_EQ(ep["conditions"], Json({{"ready", false}, {"serving", false}, {"terminating", false}}));
  EXPECT_FALSE(ep.contains("zone"));
}

TEST(EndpointSliceComputeTest, DifferentPortsGoToDifferentSlices) {
  SliceChanges c = ReconcileServiceSlices(Svc(), {Pod("a", "10.0.0.1", 8080), Pod("b", "10.0.0.2", 9090)}, Nodes(), {}, std::nullopt);
  ASSERT_EQ(c.create.size(), 2u);
  EXPECT_NE(c.create[0]["ports"], c.create[1]["ports"]);
}

TEST(EndpointSliceComputeTest, FillsToCapacityThenIsIdempotent) {
  Json svc = Svc();
  std::vector<ObjectPtr> pods;
  for (int i = 0; i < 7; ++i) pods.push_back(Pod("p" + std::to_string(i), "10.0.0." + std::to_string(i + 1)));
  std::vector<ObjectPtr> slices = Apply({}, ReconcileServiceSlices(svc, pods, Nodes(), {}, std::nullopt, 3));
  EXPECT_EQ(slices.size(), 3u);
  EXPECT_EQ(CountEndpoints(slices), 7u);
  EXPECT_TRUE(ReconcileServiceSlices(svc, pods, Nodes(), slices, std::nullopt, 3).Empty());

  // Remove two pods from one slice, add one: updates in place, no creation.
  std::string first = (*slices[0])["endpoints"][0]["targetRef"]["name"];
  std::vector<ObjectPtr> fewer;
  for (const ObjectPtr& p : pods)
    if (client::NameOf(*p) != first) fewer.push_back(p);
  fewer.push_back(Pod("new", "10.0.1.1"));
  SliceChanges c = ReconcileServiceSlices(svc, fewer, Nodes(), slices, std::nullopt, 3);
  EXPECT_TRUE(c.create.empty());
  EXPECT_TRUE(c.remove.empty());
  slices = Apply(slices, c);
  EXPECT_EQ(CountEndpoints(slices), 7u);
  EXPECT_TRUE(ReconcileServiceSlices(svc, fewer, Nodes(), slices, std::nullopt, 3).Empty());
}

TEST(EndpointSliceComputeTest, EmptyKeepsOnePlaceholder) {
  Json svc = Svc();
  SliceChanges c = ReconcileServiceSlices(svc, {}, Nodes(), {}, std::nullopt);
  ASSERT_EQ(c.create.size(), 1u);
  EXPECT_TRUE(c.create[0]["endpoints"].empty());
  EXPECT_TRUE(c.create[0]["ports"].empty());
  std::vector<ObjectPtr> slices = Apply({}, c);
  EXPECT_TRUE(ReconcileServiceSlices(svc, {}, Nodes(), slices, std::nullopt).Empty());
  // Pods arrive: the placeholder is reused (updated), not replaced.
  c = ReconcileServiceSlices(svc, {Pod("a", "10.0.0.1")}, Nodes(), slices, std::nullopt);
  EXPECT_TRUE(c.create.empty());
  EXPECT_TRUE(c.remove.empty());
  ASSERT_EQ(c.update.size(), 1u);
  EXPECT_EQ(client::NameOf(c.update[0]), client::NameOf(*slices[0]));
  slices = Apply(slices, c);
  // And leave again: back to a placeholder under the same name.
  c = ReconcileServiceSlices(svc, {}, Nodes(), slices, std::nullopt);
  ASSERT_EQ(c.update.size(), 1u);
  EXPECT_TRUE(c.update[0]["endpoints"].empty());
  EXPECT_TRUE(c.create.empty() && c.remove.empty());
}

TEST(EndpointSliceComputeTest, DeletesForeignAndSkipsUnknownNodes) {
  Json svc = Svc();
  Json foreign = {{"metadata", {{"name", "web-old"}, {"uid", "x"}, {"labels", {{kLabelServiceName, "web"}}},
                                {"ownerReferences", Json::array({{{"apiVersion", "v1"}, {"kind", "Service"}, {"uid", "other"}}})}}},
                  {"addressType", "IPv4"}, {"endpoints", Json::array()}, {"ports", Json::array()}};
  Json lost = *Pod("lost", "10.0.0.9");
  lost["spec"]["nodeName"] = "gone";
  std::vector<std::string> skipped;
  SliceChanges c = ReconcileServiceSlices(svc, {Pod("a", "10.0.0.1"), std::make_shared<const Json>(lost)}, Nodes(),
                                          {std::make_shared<const Json>(foreign)}, std::nullopt, 100, &skipped);
  ASSERT_EQ(c.remove.size(), 1u);
  EXPECT_EQ(client::NameOf(c.remove[0]), "web-old");
  ASSERT_EQ(c.create.size(), 1u);
  EXPECT_EQ(c.create[0]["endpoints"].size(), 1u);
  EXPECT_EQ(skipped, std::vector<std::string>{"lost"});
}

TEST(EndpointSliceComputeTest, LabelChangeUpdates) {
  Json svc = Svc();
  std::vector<ObjectPtr> slices = Apply({}, ReconcileServiceSlices(svc, {Pod("a", "10.0.0.1")}, Nodes(), {}, std::nullopt));
  svc["metadata"]["labels"]["team"] = "b";
  SliceChanges c = ReconcileServiceSlices(svc, {Pod("a", "10.0.0.1")}, Nodes(), slices, std::nullopt);
  ASSERT_EQ(c.update.size(), 1u);
  EXPECT_EQ(c.update[0]["metadata"]["labels"]["team"], "b");
}

Json UserEndpoints() {
  return Json::parse(R"({"metadata": {"name": "ext", "namespace": "default", "uid": "ep-uid",
      "labels": {"a": "b"}, "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "x", "note": "y"}},
    "subsets": [{"addresses": [{"ip": "192.168.1.10"}, {"ip": "not-an-ip"}], "notReadyAddresses": [{"ip": "192.168.1.11"}],
                 "ports": [{"name": "db", "port": 5432, "protocol": "TCP"}]},
                {"addresses": [{"ip": "fd00::1"}], "ports": [{"name": "db", "port": 5432, "protocol": "TCP"}]}]})");
}

TEST(MirroringComputeTest, MirrorsSubsetsPerAddressType) {
  int invalid = 0;
  SliceChanges c = ReconcileMirroredSlices(UserEndpoints(), {}, 1000, &invalid);
  EXPECT_EQ(invalid, 1);
  ASSERT_EQ(c.create.size(), 2u);
  const Json& v4 = c.create[0]["addressType"] == "IPv4" ? c.create[0] : c.create[1];
  EXPECT_EQ(v4["metadata"]["generateName"], "ext-");
  EXPECT_EQ(v4["metadata"]["labels"], Json({{"a", "b"}, {kLabelServiceName, "ext"}, {kLabelManagedBy, kMirroringControllerName}}));
  EXPECT_EQ(v4["metadata"]["annotations"], Json({{"note", "y"}}));
  EXPECT_EQ(v4["metadata"]["ownerReferences"][0]["kind"], "Endpoints");
  EXPECT_EQ(v4["ports"], Json::parse(R"([{"name": "db", "port": 5432, "protocol": "TCP"}])"));
  ASSERT_EQ(v4["endpoints"].size(), 2u);
  EXPECT_EQ(v4["endpoints"][0], Json::parse(R"({"addresses": ["192.168.1.10"], "conditions": {"ready": true}})"));
  EXPECT_EQ(v4["endpoints"][1], Json::parse(R"({"addresses": ["192.168.1.11"], "conditions": {"ready": false}})"));
  std::vector<ObjectPtr> slices = Apply({}, c);
  EXPECT_TRUE(ReconcileMirroredSlices(UserEndpoints(), slices).Empty());
  Json changed = UserEndpoints();
  changed["subsets"][0]["ports"][0]["port"] = 5433;
  c = ReconcileMirroredSlices(changed, slices);
  EXPECT_TRUE(c.create.empty() && c.remove.empty());  // recycled
  EXPECT_EQ(c.update.size(), 1u);
}

TEST(MirroringComputeTest, SkipMirror) {
  Json ep = UserEndpoints();
  EXPECT_TRUE(ShouldMirror(ep));
  ep["metadata"]["labels"][kLabelSkipMirror] = "true";
  EXPECT_FALSE(ShouldMirror(ep));
}

}  // namespace
}  // namespace netkube::controllers
