#include "controllers/endpoints_compute.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "controllers/trigger_time.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::ObjectPtr;

Json Svc(Json ports, Json selector = {{"app", "web"}}) {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}, {"labels", {{"app", "web"}}},
                        {"creationTimestamp", "2024-02-12T12:56:00Z"}, {"uid", "svc-uid"}}},
          {"spec", {{"selector", selector}, {"clusterIP", "10.96.0.20"}, {"ports", ports}}}};
}

ObjectPtr Pod(const std::string& name, const std::string& ip, bool ready, Json container_ports = Json::array()) {
  Json pod = {{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", name + "-uid"}, {"labels", {{"app", "web"}}}}},
              {"spec", {{"nodeName", "node1"}, {"containers", Json::array({{{"name", "c"}, {"ports", container_ports}}})}}},
              {"status", {{"phase", "Running"}}}};
  if (!ip.empty()) pod["status"]["podIP"] = ip;
  pod["status"]["conditions"] = Json::array(
      {{{"type", "Ready"}, {"status", ready ? "True" : "False"}, {"lastTransitionTime", "2024-02-12T12:57:00Z"}}});
  return std::make_shared<const Json>(pod);
}

TEST(EndpointsComputeTest, SeedShape) {
  Json svc = Svc(Json::array({{{"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}}));
  Json subsets = EndpointSubsets(svc, {Pod("b", "10.244.0.226", true), Pod("a", "10.244.0.225", true)});
  Json want = Json::parse(R"([{"addresses": [
      {"ip": "10.244.0.225", "nodeName": "node1", "targetRef": {"kind": "Pod", "name": "a", "namespace": "default", "uid": "a-uid"}},
      {"ip": "10.244.0.226", "nodeName": "node1", "targetRef": {"kind": "Pod", "name": "b", "namespace": "default", "uid": "b-uid"}}],
      "ports": [{"port": 8080, "protocol": "TCP"}]}])");
  EXPECT_EQ(subsets, want);
  auto ep = DesiredEndpoints(svc, subsets, nullptr, client::ParseTime("2024-02-12T12:56:00Z"));
  ASSERT_TRUE(ep.has_value());
  EXPECT_EQ((*ep)["metadata"]["name"], "web");
  EXPECT_EQ((*ep)["metadata"]["labels"], Json({{"app", "web"}}));
  EXPECT_EQ((*ep)["metadata"]["annotations"][kLastChangeTriggerTime], "2024-02-12T12:56:00Z");
  EXPECT_EQ((*ep)["subsets"], want);
  // Written as is, nothing to change.
  Json current = *ep;
  current["metadata"]["resourceVersion"] = "5";
  EXPECT_FALSE(DesiredEndpoints(svc, subsets, &current, std::nullopt).has_value());
}

TEST(EndpointsComputeTest, NoMatchMeansNoSubsets) {
  Json svc = Svc(Json::array({{{"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}}));
  Json subsets = EndpointSubsets(svc, {Pod("noip", "", true)});
  EXPECT_TRUE(subsets.empty());
  auto ep = DesiredEndpoints(svc, subsets, nullptr, std::nullopt);
  ASSERT_TRUE(ep.has_value());
  EXPECT_FALSE(ep->contains("subsets"));
  EXPECT_FALSE((*ep)["metadata"].contains("annotations"));
}

TEST(EndpointsComputeTest, NotReadyAndTerminatingAndPublishNotReady) {
  Json svc = Svc(Json::array({{{"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}}));
  Json dying = *Pod("c", "10.0.0.3", true);
  dying["metadata"]["deletionTimestamp"] = "2024-02-12T13:00:00Z";
  Json done = *Pod("d", "10.0.0.4", false);
  done["status"]["phase"] = "Succeeded";
  std::vector<ObjectPtr> pods = {Pod("a", "10.0.0.1", true), Pod("b", "10.0.0.2", false),
                                 std::make_shared<const Json>(dying), std::make_shared<const Json>(done)};
  Json subsets = EndpointSubsets(svc, pods);
  ASSERT_EQ(subsets.size(), 1u);
  ASSERT_EQ(subsets[0]["addresses"].size(), 1u);
  EXPECT_EQ(subsets[0]["addresses"][0]["ip"], "10.0.0.1");
  ASSERT_EQ(subsets[0]["notReadyAddresses"].size(), 1u);
  EXPECT_EQ(subsets[0]["notReadyAddresses"][0]["ip"], "10.0.0.2");

  svc["spec"]["publishNotReadyAddresses"] = true;
  subsets = EndpointSubsets(svc, pods);
  ASSERT_EQ(subsets.size(), 1u);
  EXPECT_EQ(subsets[0]["addresses"].size(), 3u);  // terminating included, terminal not
  EXPECT_FALSE(subsets[0].contains("notReadyAddresses"));
}

TEST(EndpointsComputeTest, NamedPortsResolvePerPodAndRepack) {
  Json svc = Svc(Json::array({{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", "web"}},
                              {{"name", "metrics"}, {"port", 9090}, {"protocol", "TCP"}, {"targetPort", 9090}}}));
  auto p8080 = Pod("a", "10.0.0.1", true, Json::array({{{"name", "web"}, {"containerPort", 8080}, {"protocol", "TCP"}}}));
  auto p9000 = Pod("b", "10.0.0.2", true, Json::array({{{"name", "web"}, {"containerPort", 9000}}}));
  auto none = Pod("c", "10.0.0.3", true);
  Json subsets = EndpointSubsets(svc, {p8080, p9000, none});
  // Grouped by port: metrics 9090 on a, b, c; http 8080 on a; http 9000 on b (c has no "web").
  Json want = Json::parse(R"([
    {"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
    {"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}], "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}]},
    {"addresses": [{"ip": "10.0.0.2"}], "ports": [{"name": "http", "port": 9000, "protocol": "TCP"}]}])");
  ASSERT_EQ(subsets.size(), 3u);
  for (Json& ss : subsets)
    for (Json& a : ss["addresses"]) a = {{"ip", a["ip"]}};
  auto by_dump = [](const Json& a, const Json& b) { return a.dump() < b.dump(); };
  std::sort(subsets.begin(), subsets.end(), by_dump);
  std::sort(want.begin(), want.end(), by_dump);
  EXPECT_EQ(subsets, want);
  // Same input in another order gives the same output.
  EXPECT_EQ(EndpointSubsets(svc, {none, p9000, p8080}), EndpointSubsets(svc, {p8080, p9000, none}));
}

TEST(EndpointsComputeTest, RepackMergesAddressesSharingPorts) {
  Json in = Json::parse(R"([
    {"addresses": [{"ip": "10.0.0.2"}], "ports": [{"port": 80, "protocol": "TCP"}]},
    {"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80, "protocol": "TCP"}]},
    {"notReadyAddresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80, "protocol": "TCP"}]},
    {"notReadyAddresses": [{"ip": "10.0.0.3"}], "ports": [{"port": 80, "protocol": "TCP"}]}])");
  Json want = Json::parse(R"([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
    "notReadyAddresses": [{"ip": "10.0.0.3"}], "ports": [{"port": 80, "protocol": "TCP"}]}])");
  EXPECT_EQ(RepackSubsets(in), want);
}

TEST(EndpointsComputeTest, HeadlessHostnameAndLabel) {
  Json svc = Svc(Json::array());
  svc["spec"]["clusterIP"] = "None";
  Json pod = *Pod("a", "10.0.0.1", true);
  pod["spec"]["hostname"] = "a0";
  pod["spec"]["subdomain"] = "web";
  Json subsets = EndpointSubsets(svc, {std::make_shared<const Json>(pod)});
  ASSERT_EQ(subsets.size(), 1u);
  EXPECT_EQ(subsets[0]["addresses"][0]["hostname"], "a0");
  EXPECT_FALSE(subsets[0].contains("ports"));
  auto ep = DesiredEndpoints(svc, subsets, nullptr, std::nullopt);
  EXPECT_EQ((*ep)["metadata"]["labels"][kHeadlessLabel], "");
  // The headless label does not count as a difference.
  EXPECT_FALSE(DesiredEndpoints(svc, subsets, &*ep, std::nullopt).has_value());
}

TEST(EndpointsComputeTest, SelectorRules) {
  Json svc = Svc(Json::array());
  EXPECT_TRUE(ServiceHasSelector(svc));
  EXPECT_TRUE(ServiceSelects(svc, {{"app", "web"}, {"x", "y"}}));
  EXPECT_FALSE(ServiceSelects(svc, {{"app", "db"}}));
  EXPECT_FALSE(ServiceHasSelector(Svc(Json::array(), Json::object())));
  svc["spec"]["type"] = "ExternalName";
  EXPECT_FALSE(ServiceHasSelector(svc));
}

TEST(EndpointsComputeTest, TruncatesOverCapacity) {
  Json svc = Svc(Json::array({{{"port", 80}, {"protocol", "TCP"}}}));
  std::vector<ObjectPtr> pods;
  for (int i = 0; i < 1005; ++i)
    pods.push_back(Pod("p" + std::to_string(i), "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250), true));
  auto ep = DesiredEndpoints(svc, EndpointSubsets(svc, pods), nullptr, std::nullopt);
  EXPECT_EQ((*ep)["subsets"][0]["addresses"].size(), 1000u);
  EXPECT_EQ((*ep)["metadata"]["annotations"][kOverCapacity], "truncated");
}

TEST(TriggerTimeTrackerTest, ServiceCreationThenChangedPods) {
  TriggerTimeTracker t;
  Json svc = Svc(Json::array());
  auto first = t.Compute(svc, {Pod("a", "10.0.0.1", true)});
  EXPECT_EQ(client::FormatTime(*first), "2024-02-12T12:56:00Z");
  EXPECT_FALSE(t.Compute(svc, {Pod("a", "10.0.0.1", true)}).has_value());
  Json b = *Pod("b", "10.0.0.2", true);
  b["status"]["conditions"][0]["lastTransitionTime"] = "2024-02-12T13:10:00Z";
  auto next = t.Compute(svc, {Pod("a", "10.0.0.1", true), std::make_shared<const Json>(b)});
  EXPECT_EQ(client::FormatTime(*next), "2024-02-12T13:10:00Z");
}

}  // namespace
}  // namespace netkube::controllers
