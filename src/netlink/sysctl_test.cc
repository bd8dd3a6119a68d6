#include "netlink/sysctl.h"

#include <gtest/gtest.h>

namespace netkube::netlink {
namespace {

TEST(SysctlTest, PathFromDottedOrSlashedKey) {
  EXPECT_EQ(SysctlPath("net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(SysctlPath("net/ipv4/conf/eth0.100/proxy_arp"), "/proc/sys/net/ipv4/conf/eth0.100/proxy_arp");
}

TEST(SysctlTest, ReadsAKernelValue) {
  auto v = ReadSysctl("kernel.ostype");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "Linux");
  EXPECT_TRUE(ReadSysctl("net.no.such.key").status().IsNotFound());
}

}  // namespace
}  // namespace netkube::netlink
