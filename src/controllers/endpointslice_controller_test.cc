#include "controllers/endpointslice_controller.h"

#include "controllers/endpointslice_compute.h"
#include "controllers/endpointslicemirroring_controller.h"
#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

Json Svc(const std::string& name, Json selector) {
  Json spec = {{"clusterIP", "10.96.0.20"}, {"ipFamilies", {"IPv4"}},
               {"ports", Json::array({{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}})}};
  if (!selector.is_null()) spec["selector"] = selector;
  return {{"metadata", {{"name", name}}}, {"spec", spec}};
}

Json Pod(const std::string& name, const std::string& ip) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
          {"spec", {{"nodeName", "node1"}, {"containers", Json::array({{{"name", "c"}}})}}},
          {"status", {{"phase", "Running"}, {"podIP", ip},
                      {"conditions", Json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

struct SliceTest : ::testing::Test {
  testing::Harness h;
  client::EventRecorder events{h.client, "endpoint-slice-controller"};
  EndpointSliceController c{h.client, h.informers, events, /*max_endpoints_per_slice=*/2};
  const api::Kind& svcs = KindOf("", "Service");
  const api::Kind& pods = KindOf("", "Pod");
  const api::Kind& slices = KindOf("discovery.k8s.io", "EndpointSlice");
  std::vector<Json> Slices(const std::string& svc) {
    std::vector<Json> out;
    for (const Json& s : h.client.Objects(slices))
      if (client::GetString(s, {"metadata", "labels", kLabelServiceName}) == svc) out.push_back(s);
    return out;
  }
  size_t Endpoints(const std::string& svc) {
    size_t n = 0;
    for (const Json& s : Slices(svc)) n += s.value("endpoints", Json::array()).size();
    return n;
  }
};

TEST_F(SliceTest, CreatesFillsAndShrinks) {
  h.client.Create(KindOf("", "Node"), "", Json{{"metadata", {{"name", "node1"}, {"labels", {{kLabelTopologyZone, "z1"}}}}}});
  h.client.Create(svcs, "default", Svc("web", {{"app", "web"}}));
  for (int i = 0; i < 3; ++i) h.client.Create(pods, "default", Pod("p" + std::to_string(i), "10.244.0." + std::to_string(i + 5)));
  h.Start();
  h.Drain(c);
  std::vector<Json> got = Slices("web");
  ASSERT_EQ(got.size(), 2u);  // 2 + 1 at two per slice
  EXPECT_EQ(Endpoints("web"), 3u);
  for (const Json& s : got) {
    EXPECT_EQ(client::NameOf(s).rfind("web-", 0), 0u);
    EXPECT_EQ(s["metadata"]["labels"][kLabelManagedBy], kEndpointSliceControllerName);
    EXPECT_EQ(s["metadata"]["ownerReferences"][0]["kind"], "Service");
    EXPECT_EQ(s["endpoints"][0]["zone"], "z1");
    EXPECT_EQ(s["ports"][0]["port"], 8080);
  }
  // Repeated syncs write nothing (the cache knows our writes).
  h.client.ClearActions();
  c.queue().Add("default/web");
  h.Drain(c);
  for (const client::Action& a : h.client.actions()) EXPECT_TRUE(a.verb == "list" || a.verb == "watch" || a.verb == "get") << a.verb;

  // Pods go: one placeholder remains.
  for (int i = 0; i < 3; ++i) h.client.Delete(pods, "default", "p" + std::to_string(i));
  h.Drain(c);
  got = Slices("web");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Endpoints("web"), 0u);

  // Someone deletes it: healed.
  h.client.Delete(slices, "default", client::NameOf(got[0]));
  h.Drain(c);
  EXPECT_EQ(Slices("web").size(), 1u);
}

TEST_F(SliceTest, PodsOnUnknownNodesWaitForTheNode) {
  h.client.Create(svcs, "default", Svc("web", {{"app", "web"}}));
  h.client.Create(pods, "default", Pod("p", "10.244.0.5"));
  h.Start();
  h.Drain(c);
  EXPECT_EQ(Endpoints("web"), 0u);
  h.client.Create(KindOf("", "Node"), "", Json{{"metadata", {{"name", "node1"}}}});
  h.Drain(c);
  EXPECT_EQ(Endpoints("web"), 1u);
}

TEST_F(SliceTest, SelectorlessServicesAreLeftToMirroring) {
  client::EventRecorder mevents{h.client, "endpoint-slice-mirroring-controller"};
  EndpointSliceMirroringController m{h.client, h.informers, mevents};
  h.client.Create(svcs, "default", Svc("db", nullptr));
  Json ep = {{"metadata", {{"name", "db"}}},
             {"subsets", Json::array({{{"addresses", Json::array({{{"ip", "192.168.0.1"}}})},
                                       {"ports", Json::array({{{"port", 5432}, {"protocol", "TCP"}}})}}})}};
  h.client.Create(KindOf("", "Endpoints"), "default", ep);
  Json skip = {{"metadata", {{"name", "kubernetes"}, {"labels", {{kLabelSkipMirror, "true"}}}}},
               {"subsets", Json::array({{{"addresses", Json::array({{{"ip", "172.18.0.2"}}})},
                                         {"ports", Json::array({{{"port", 6443}, {"protocol", "TCP"}}})}}})}};
  h.client.Create(svcs, "default", Svc("kubernetes", nullptr));
  h.client.Create(KindOf("", "Endpoints"), "default", skip);
  h.Start();
  h.Drain(c);
  h.Drain(m);
  std::vector<Json> got = Slices("db");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["metadata"]["labels"][kLabelManagedBy], kMirroringControllerName);
  EXPECT_EQ(got[0]["endpoints"][0]["addresses"][0], "192.168.0.1");
  EXPECT_EQ(got[0]["ports"][0]["port"], 5432);
  EXPECT_TRUE(Slices("kubernetes").empty());

  // Endpoints change: slice updated in place; Endpoints gone: slice gone.
  ep = h.Get("", "Endpoints", "default", "db");
  ep["subsets"][0]["addresses"].push_back({{"ip", "192.168.0.2"}});
  ASSERT_TRUE(h.client.Update(KindOf("", "Endpoints"), "default", ep).ok());
  h.Drain(m);
  got = Slices("db");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["endpoints"].size(), 2u);
  h.client.Delete(KindOf("", "Endpoints"), "default", "db");
  h.Drain(m);
  EXPECT_TRUE(Slices("db").empty());
}

}  // namespace
}  // namespace netkube::controllers
