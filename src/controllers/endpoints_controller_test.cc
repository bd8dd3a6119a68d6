#include "controllers/endpoints_controller.h"

#include "controllers/endpoints_compute.h"
#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

Json Svc(const std::string& name, Json selector) {
  Json spec = {{"clusterIP", "10.96.0.20"}, {"ports", Json::array({{{"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}})}};
  if (!selector.is_null()) spec["selector"] = selector;
  return {{"metadata", {{"name", name}, {"labels", {{"app", name}}}}}, {"spec", spec}};
}

Json Pod(const std::string& name, const std::string& ip, bool ready) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
          {"spec", {{"nodeName", "node1"}, {"containers", Json::array({{{"name", "c"}}})}}},
          {"status", {{"phase", "Running"}, {"podIP", ip},
                      {"conditions", Json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
}

struct EpTest : ::testing::Test {
  testing::Harness h;
  client::EventRecorder events{h.client, "endpoint-controller"};
  EndpointsController c{h.client, h.informers, events};
  const api::Kind& svcs = KindOf("", "Service");
  const api::Kind& pods = KindOf("", "Pod");
  const api::Kind& eps = KindOf("", "Endpoints");
  Json Ep(const std::string& name) { return h.Get("", "Endpoints", "default", name); }
  void SetReady(const std::string& name, bool ready) {
    Json p = h.Get("", "Pod", "default", name);
    p["status"]["conditions"][0]["status"] = ready ? "True" : "False";
    ASSERT_TRUE(h.client.Update(pods, "default", p, "status").ok());
  }
};

TEST_F(EpTest, FollowsPodsAndServiceLifecycle) {
  h.client.Create(svcs, "default", Svc("web", {{"app", "web"}}));
  h.client.Create(pods, "default", Pod("a", "10.244.0.5", true));
  h.client.Create(pods, "default", Pod("b", "10.244.0.6", true));
  h.Start();
  h.Drain(c);
  Json ep = Ep("web");
  EXPECT_EQ(ep["metadata"]["labels"]["app"], "web");
  EXPECT_TRUE(ep["metadata"]["annotations"].contains(kLastChangeTriggerTime));
  ASSERT_EQ(ep["subsets"].size(), 1u);
  EXPECT_EQ(ep["subsets"][0]["addresses"].size(), 2u);
  EXPECT_EQ(ep["subsets"][0]["addresses"][0]["targetRef"]["name"], "a");
  EXPECT_EQ(ep["subsets"][0]["ports"], Json::parse(R"([{"port": 8080, "protocol": "TCP"}])"));

  // A pod turning not ready moves to notReadyAddresses.
  SetReady("b", false);
  h.Drain(c);
  ep = Ep("web");
  EXPECT_EQ(ep["subsets"][0]["addresses"].size(), 1u);
  EXPECT_EQ(ep["subsets"][0]["notReadyAddresses"][0]["ip"], "10.244.0.6");

  // Nothing changed: no write.
  h.client.ClearActions();
  c.queue().Add("default/web");
  h.Drain(c);
  for (const client::Action& a : h.client.actions()) EXPECT_NE(a.verb, "update");

  // A deleted pod leaves.
  h.client.Delete(pods, "default", "a");
  h.Drain(c);
  ep = Ep("web");
  EXPECT_FALSE(ep["subsets"][0].contains("addresses"));

  // Someone deletes the Endpoints: recreated.
  h.client.Delete(eps, "default", "web");
  h.Drain(c);
  EXPECT_FALSE(Ep("web").is_null());

  // The service goes: so do its Endpoints.
  h.client.Delete(svcs, "default", "web");
  h.Drain(c);
  EXPECT_TRUE(Ep("web").is_null());
}

TEST_F(EpTest, EmptySelectorMatchAndSelectorlessServices) {
  h.client.Create(svcs, "default", Svc("lonely", {{"app", "nothing"}}));
  h.client.Create(svcs, "default", Svc("manual", nullptr));
  Json user = {{"metadata", {{"name", "manual"}}},
               {"subsets", Json::array({{{"addresses", Json::array({{{"ip", "192.168.0.1"}}})},
                                         {"ports", Json::array({{{"port", 5432}}})}}})}};
  h.client.Create(eps, "default", user);
  h.Start();
  h.Drain(c);
  Json lonely = Ep("lonely");
  ASSERT_FALSE(lonely.is_null());
  EXPECT_FALSE(lonely.contains("subsets"));
  EXPECT_EQ(Ep("manual")["subsets"][0]["addresses"][0]["ip"], "192.168.0.1");
}

TEST_F(EpTest, RelabelledPodLeavesOldService) {
  h.client.Create(svcs, "default", Svc("web", {{"app", "web"}}));
  h.client.Create(pods, "default", Pod("a", "10.244.0.5", true));
  h.Start();
  h.Drain(c);
  EXPECT_EQ(Ep("web")["subsets"].size(), 1u);
  h.client.Patch(pods, "default", "a", client::PatchType::kMerge, {{"metadata", {{"labels", {{"app", "other"}}}}}});
  h.Drain(c);
  EXPECT_FALSE(Ep("web").contains("subsets"));
}

TEST(PodEndpointChangedTest, IgnoresIrrelevantFields) {
  Json a = Pod("a", "10.0.0.1", true);
  Json b = a;
  b["metadata"]["annotations"] = {{"x", "y"}};
  b["metadata"]["resourceVersion"] = "9";
  EXPECT_FALSE(PodEndpointChanged(a, b));
  b["status"]["podIP"] = "10.0.0.2";
  EXPECT_TRUE(PodEndpointChanged(a, b));
}

}  // namespace
}  // namespace netkube::controllers
