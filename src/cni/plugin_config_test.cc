#include "cni/plugin_config.h"

#include <gtest/gtest.h>

namespace netkube::cni {
namespace {

TEST(PluginConfigTest, DefaultsFromSubnet) {
  auto c = PluginConfig::Parse(R"({"cniVersion":"1.1.0","name":"netkube","type":"netkube-cni",
                                   "ipam":{"subnet":"10.244.1.0/24"}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mode, PluginConfig::Mode::kBridge);
  EXPECT_EQ(c->bridge, "cni0");
  EXPECT_TRUE(c->hairpin);
  EXPECT_EQ(c->mtu, 1500);
  EXPECT_EQ(c->range.gateway.ToString(), "10.244.1.1");
  EXPECT_EQ(c->bridge_mac.ToString(), "0a:58:0a:f4:01:01");
  EXPECT_EQ(c->IpamDir(), std::string(kDefaultDataDir) + "/netkube");
}

TEST(PluginConfigTest, AllFields) {
  auto c = PluginConfig::Parse(R"({"cniVersion":"1.0.0","name":"n1","type":"netkube-cni","mode":"routed",
      "bridge":"br9","bridgeMac":"02:00:00:00:00:01","hairpinMode":false,"mtu":1450,"podCIDR":"10.9.0.7/16",
      "ipam":{"gateway":"10.9.0.254","rangeStart":"10.9.1.0","rangeEnd":"10.9.1.9","dataDir":"/tmp/x"},
      "dns":{"nameservers":["10.96.0.10"],"search":["default.svc.cluster.local"],"options":["ndots:5"]},
      "prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.9.1.3/32"}]},
      "cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mode, PluginConfig::Mode::kRouted);
  EXPECT_EQ(c->range.subnet.ToString(), "10.9.0.0/16");
  EXPECT_EQ(c->range.gateway.ToString(), "10.9.0.254");
  EXPECT_EQ(c->range.range_start->ToString(), "10.9.1.0");
  EXPECT_EQ(c->bridge_mac.ToString(), "02:00:00:00:00:01");
  EXPECT_FALSE(c->hairpin);
  EXPECT_EQ(c->mtu, 1450);
  EXPECT_EQ(c->IpamDir(), "/tmp/x/n1");
  EXPECT_EQ(c->dns.options, std::vector<std::string>{"ndots:5"});
  ASSERT_TRUE(c->prev_result);
  EXPECT_EQ(c->prev_result->ips[0].address, "10.9.1.3/32");
  ASSERT_TRUE(c->valid_attachments);
  EXPECT_EQ((*c->valid_attachments)[0], (Attachment{"c1", "eth0"}));
}

TEST(PluginConfigTest, Errors) {
  EXPECT_EQ(PluginConfig::Parse("not json").status().reason(), Reason::kUnsupportedMediaType);
  EXPECT_TRUE(PluginConfig::Parse(R"({"name":"n"})").status().IsInvalid());  // no subnet
  EXPECT_TRUE(PluginConfig::Parse(R"({"name":"n","podCIDR":"10.0.0.0/33"})").status().IsInvalid());
  EXPECT_TRUE(PluginConfig::Parse(R"({"name":"n","podCIDR":"10.0.0.0/24","mode":"magic"})").status().IsInvalid());
  EXPECT_TRUE(PluginConfig::Parse(R"({"name":"n","podCIDR":"10.0.0.0/24","mtu":"big"})").status().IsInvalid());
  EXPECT_TRUE(
      PluginConfig::Parse(R"({"name":"n","podCIDR":"10.0.0.0/24","ipam":{"gateway":"10.1.0.1"}})").status().IsInvalid());
  EXPECT_TRUE(PluginConfig::Parse(R"({"name":"","podCIDR":"10.0.0.0/24"})").status().IsInvalid());
}

}  // namespace
}  // namespace netkube::cni
