#include "ingress/controller_status.h"

#include <gtest/gtest.h>

namespace netkube::ingress {
namespace {

using client::Json;

TEST(ControllerStatusTest, LoadBalancerServiceAddresses) {
  Json svc = Json::parse(R"({"metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
      "spec": {"type": "LoadBalancer", "clusterIP": "10.96.3.4", "externalIPs": ["192.0.2.9"]},
      "status": {"loadBalancer": {"ingress": [{"ip": "172.18.255.200", "ipMode": "VIP"}, {"hostname": "lb.example.com"}]}}})");
  EXPECT_EQ(PublishedAddresses(&svc, "", "172.18.0.2"),
            Json::parse(R"([{"ip": "172.18.255.200"}, {"ip": "192.0.2.9"}, {"hostname": "lb.example.com"}])"));
}

TEST(ControllerStatusTest, PendingLoadBalancerFallsBackToTheNodeIp) {
  Json svc = Json::parse(R"({"spec": {"type": "LoadBalancer", "clusterIP": "10.96.3.4"}, "status": {"loadBalancer": {}}})");
  EXPECT_EQ(PublishedAddresses(&svc, "", "172.18.0.2"), Json::parse(R"([{"ip": "172.18.0.2"}])"));
  EXPECT_EQ(PublishedAddresses(&svc, "", ""), Json::array());
  EXPECT_EQ(PublishedAddresses(nullptr, "", "172.18.0.2"), Json::parse(R"([{"ip": "172.18.0.2"}])"));
}

TEST(ControllerStatusTest, OtherServiceTypes) {
  Json cip = Json::parse(R"({"spec": {"type": "ClusterIP", "clusterIP": "10.96.3.4"}})");
  EXPECT_EQ(PublishedAddresses(&cip, "", "172.18.0.2"), Json::parse(R"([{"ip": "10.96.3.4"}])"));
  Json headless = Json::parse(R"({"spec": {"clusterIP": "None"}})");
  EXPECT_EQ(PublishedAddresses(&headless, "", "172.18.0.2"), Json::parse(R"([{"ip": "172.18.0.2"}])"));
  Json np = Json::parse(R"({"spec": {"type": "NodePort", "clusterIP": "10.96.3.4"}})");
  EXPECT_EQ(PublishedAddresses(&np, "", ""), Json::parse(R"([{"ip": "10.96.3.4"}])"));
  np["spec"]["externalIPs"] = {"198.51.100.1"};
  EXPECT_EQ(PublishedAddresses(&np, "", ""), Json::parse(R"([{"ip": "198.51.100.1"}])"));
  Json ext = Json::parse(R"({"spec": {"type": "ExternalName", "externalName": "lb.example.com"}})");
  EXPECT_EQ(PublishedAddresses(&ext, "", ""), Json::parse(R"([{"hostname": "lb.example.com"}])"));
}

TEST(ControllerStatusTest, PublishStatusAddressWins) {
  Json svc = Json::parse(R"({"spec": {"type": "ClusterIP", "clusterIP": "10.96.3.4"}})");
  EXPECT_EQ(PublishedAddresses(&svc, "localhost", "172.18.0.2"), Json::parse(R"([{"hostname": "localhost"}])"));
  EXPECT_EQ(PublishedAddresses(nullptr, "10.0.0.2, 10.0.0.1,,fd00::1", ""),
            Json::parse(R"([{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::1"}])"));
}

TEST(ControllerStatusTest, SetPatchOnlyWhenDifferent) {
  Json addresses = Json::parse(R"([{"ip": "172.18.255.200"}])");
  Json ing = Json::parse(R"({"metadata": {"name": "a", "namespace": "d", "resourceVersion": "7"}, "status": {}})");
  auto patch = SetStatusPatch(ing, addresses);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(*patch, Json::parse(R"({"status": {"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}}})"));
  ing["status"]["loadBalancer"]["ingress"] = addresses;
  EXPECT_FALSE(SetStatusPatch(ing, addresses).has_value());
  EXPECT_TRUE(SetStatusPatch(ing, Json::parse(R"([{"ip": "172.18.255.201"}])")).has_value());
}

TEST(ControllerStatusTest, ClearOnlyOurValueAndGuardedByResourceVersion) {
  Json addresses = Json::parse(R"([{"ip": "172.18.255.200"}])");
  Json ing = Json::parse(R"({"metadata": {"name": "a", "namespace": "d", "resourceVersion": "7"},
      "status": {"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}}})");
  auto patch = ClearStatusPatch(ing, addresses);
  ASSERT_TRUE(patch.has_value());
  EXPECT_EQ(*patch, Json::parse(R"([{"op": "test", "path": "/metadata/resourceVersion", "value": "7"},
                                     {"op": "replace", "path": "/status/loadBalancer", "value": {}}])"));
  // Another controller's value, or nothing: left alone.
  ing["status"]["loadBalancer"]["ingress"] = Json::parse(R"([{"ip": "10.0.0.1"}])");
  EXPECT_FALSE(ClearStatusPatch(ing, addresses).has_value());
  ing.erase("status");
  EXPECT_FALSE(ClearStatusPatch(ing, addresses).has_value());
  EXPECT_FALSE(ClearStatusPatch(ing, Json::array()).has_value());
}

}  // namespace
}  // namespace netkube::ingress
