#include "cni/ipam.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

namespace netkube::cni {
namespace {

using netlink::Ipv4;
using netlink::Ipv4Prefix;

class IpamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-ipam-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  IpamRange Range(const char* subnet) {
    auto p = *Ipv4Prefix::Parse(subnet);
    return {p, Ipv4{p.Network().value + 1}, std::nullopt, std::nullopt};
  }
  std::string root_;
};

TEST_F(IpamTest, AllocatesInOrderSkippingGateway) {
  Ipam ipam(root_ + "/net", Range("10.244.0.0/24"));
  auto a = ipam.Allocate({"c1", "eth0"});
  auto b = ipam.Allocate({"c2", "eth0"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ToString(), "10.244.0.2");
  EXPECT_EQ(b->ToString(), "10.244.0.3");
  EXPECT_EQ(ipam.Allocate({"c1", "net1"})->ToString(), "10.244.0.4");  // another interface, another address
  auto found = ipam.Find({"c2", "eth0"});
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, *b);
  EXPECT_FALSE(ipam.Find({"c9", "eth0"})->has_value());
}

TEST_F(IpamTest, ReleaseIsIdempotentAndAddressesAreNotReusedAtOnce) {
  Ipam ipam(root_ + "/net", Range("10.244.0.0/24"));
  auto a = *ipam.Allocate({"c1", "eth0"});
  ASSERT_TRUE(ipam.Release({"c1", "eth0"}).ok());
  ASSERT_TRUE(ipam.Release({"c1", "eth0"}).ok());
  ASSERT_TRUE(Ipam(root_ + "/never-used", Range("10.0.0.0/24")).Release({"x", "eth0"}).ok());
  auto next = *ipam.Allocate({"c2", "eth0"});
  EXPECT_NE(next, a);  // round-robin: the released address is not handed out next
}

TEST_F(IpamTest, StateSurvivesRestart) {
  std::set<Ipv4> before;
  {
    Ipam ipam(root_ + "/net", Range("10.244.0.0/29"));  // .2 .. .6 allocatable
    for (int i = 0; i < 3; ++i) before.insert(*ipam.Allocate({"c" + std::to_string(i), "eth0"}));
  }
  Ipam restarted(root_ + "/net", Range("10.244.0.0/29"));
  std::remove((root_ + "/net/last_reserved_ip").c_str());  // even without the hint
  auto x = restarted.Allocate({"new1", "eth0"});
  auto y = restarted.Allocate({"new2", "eth0"});
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_FALSE(before.count(*x));
  EXPECT_FALSE(before.count(*y));
  EXPECT_NE(*x, *y);
  auto full = restarted.Allocate({"new3", "eth0"});
  EXPECT_EQ(full.status().reason(), Reason::kServiceUnavailable);
  EXPECT_EQ(*restarted.FreeCount(), 0u);
  ASSERT_EQ(restarted.List()->size(), 5u);
}

TEST_F(IpamTest, ConcurrentProcessesNeverShareAnAddress) {
  std::string dir = root_ + "/net";
  constexpr int kProcs = 4, kEach = 10;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      Ipam ipam(dir, Range("10.244.0.0/24"));
      for (int i = 0; i < kEach; ++i) {
        if (!ipam.Allocate({"p" + std::to_string(p) + "-" + std::to_string(i), "eth0"}).ok()) _exit(1);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int st = 0;
    waitpid(pid, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  Ipam ipam(dir, Range("10.244.0.0/24"));
  auto all = ipam.List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kProcs * kEach));
  std::set<std::string> owners;
  for (const auto& [ip, a] : *all) owners.insert(a.container_id);
  EXPECT_EQ(owners.size(), static_cast<size_t>(kProcs * kEach));  // one file per attachment, no overwrite
}

TEST_F(IpamTest, GarbageCollectKeepsOnlyValidAttachments) {
  Ipam ipam(root_ + "/net", Range("10.244.0.0/24"));
  auto keep = *ipam.Allocate({"keep", "eth0"});
  ipam.Allocate({"stale", "eth0"});
  ipam.Allocate({"keep", "net1"});
  ASSERT_TRUE(ipam.GarbageCollect({{"keep", "eth0"}}).ok());
  auto all = *ipam.List();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].first, keep);
}

TEST_F(IpamTest, RangeValidation) {
  EXPECT_TRUE(Ipam(root_, Range("10.0.0.0/31")).Validate().IsInvalid());
  IpamRange r = Range("10.0.0.0/24");
  r.range_start = *Ipv4::Parse("10.0.0.100");
  r.range_end = *Ipv4::Parse("10.0.0.101");
  Ipam narrow(root_ + "/narrow", r);
  EXPECT_EQ(narrow.Allocate({"a", "eth0"})->ToString(), "10.0.0.100");
  EXPECT_EQ(narrow.Allocate({"b", "eth0"})->ToString(), "10.0.0.101");
  EXPECT_FALSE(narrow.Allocate({"c", "eth0"}).ok());
  r.range_start = *Ipv4::Parse("10.0.1.1");
  EXPECT_TRUE(Ipam(root_, r).Validate().IsInvalid());
}

}  // namespace
}  // namespace netkube::cni
