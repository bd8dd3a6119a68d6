#include "cni/plugin.h"

#include <gtest/gtest.h>

namespace netkube::cni {
namespace {

using netlink::Ipv4;

PluginConfig Config(const char* mode) {
  return *PluginConfig::Parse(std::string(R"({"cniVersion":"1.1.0","name":"n","mtu":1450,"mode":")") + mode +
                              R"(","ipam":{"subnet":"10.244.0.0/24"},"dns":{"nameservers":["10.96.0.10"]}})");
}

RuntimeConf Rc() {
  RuntimeConf rc;
  rc.command = "ADD";
  rc.container_id = "abc";
  rc.netns = "/run/netns/pod1";
  rc.ifname = "eth0";
  return rc;
}

TEST(PluginTest, HostVethNamesAreShortStableAndDistinct) {
  std::string a = HostVethName("abc", "eth0");
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(a.rfind("nk", 0), 0u);
  EXPECT_EQ(a, HostVethName("abc", "eth0"));
  EXPECT_NE(a, HostVethName("abc", "eth1"));
  EXPECT_NE(a, HostVethName("abd", "eth0"));
}

TEST(PluginTest, BridgePlan) {
  PodPlan plan = PlanPod(Config("bridge"), Rc(), *Ipv4::Parse("10.244.0.7"));
  EXPECT_EQ(plan.pod_address.ToString(), "10.244.0.7/24");
  EXPECT_EQ(plan.gateway.ToString(), "10.244.0.1");
  EXPECT_EQ(plan.pod_mac.ToString(), "0a:58:0a:f4:00:07");
  ASSERT_EQ(plan.pod_routes.size(), 1u);
  EXPECT_EQ(plan.pod_routes[0].dst.length, 0);
  EXPECT_EQ(plan.pod_routes[0].gateway->ToString(), "10.244.0.1");
  EXPECT_TRUE(plan.host_routes.empty());

  Result r = BuildResult(Config("bridge"), Rc(), plan, "aa:bb:cc:dd:ee:ff");
  ASSERT_EQ(r.interfaces.size(), 3u);
  EXPECT_EQ(r.interfaces[0].name, "cni0");
  EXPECT_EQ(r.interfaces[0].mac, "0a:58:0a:f4:00:01");
  EXPECT_EQ(r.interfaces[1].name, plan.host_veth);
  EXPECT_EQ(r.interfaces[2].sandbox, "/run/netns/pod1");
  EXPECT_EQ(r.interfaces[2].mtu, 1450);
  ASSERT_EQ(r.ips.size(), 1u);
  EXPECT_EQ(r.ips[0], (IpConfig{"10.244.0.7/24", "10.244.0.1", 2}));
  EXPECT_EQ(r.routes[0].dst, "0.0.0.0/0");
  EXPECT_EQ(r.dns.nameservers, std::vector<std::string>{"10.96.0.10"});
}

TEST(PluginTest, RoutedPlan) {
  PodPlan plan = PlanPod(Config("routed"), Rc(), *Ipv4::Parse("10.244.0.7"));
  EXPECT_EQ(plan.pod_address.ToString(), "10.244.0.7/32");
  EXPECT_EQ(plan.gateway.ToString(), "169.254.1.1");
  ASSERT_EQ(plan.pod_routes.size(), 2u);
  EXPECT_EQ(plan.pod_routes[0].dst.ToString(), "169.254.1.1/32");
  EXPECT_EQ(plan.pod_routes[0].scope, netlink::RouteScope::kLink);
  ASSERT_EQ(plan.host_routes.size(), 1u);
  EXPECT_EQ(plan.host_routes[0].dst.ToString(), "10.244.0.7/32");
  EXPECT_EQ(plan.host_routes[0].dev, plan.host_veth);
  Result r = BuildResult(Config("routed"), Rc(), plan, "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(r.interfaces.size(), 2u);
  EXPECT_EQ(r.ips[0].interface, 1);
}

}  // namespace
}  // namespace netkube::cni
