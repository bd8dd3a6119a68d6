// src/netlink/conntrack.h against the real kernel, inside a private network
// namespace (scripts/in-netns): a UDP "service" 10.96.0.10:53 DNATed by an
// nft table to a server 10.250.0.2:5353 in a second namespace behind a veth;
// ListConntrack sees the flow with the endpoint as reply source,
// DeleteConntrack removes it (checked with the conntrack CLI as well).
// REQUIRES: root; run under scripts/in-netns (CTest does).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "netlink/conntrack.h"
#include "netlink/handle.h"
#include "netns_fixture.h"

namespace netkube::netlink {
namespace {

using netkube::testing::Sh;


sockaddr_in Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

// A UDP socket bound to ip:port in the calling thread's namespace; -1 on
// error. Receives give up after 5 s so a broken DNAT fails the test instead
// of hanging it.
int BoundUdp(const char* ip, uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in a = Addr(ip, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class ConntrackKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (run under scripts/in-netns)";
    table_ = "nkct" + std::to_string(getpid());
  }
  void TearDown() override {
    for (int fd : {client_, server_}) {
      if (fd >= 0) close(fd);
    }
    if (!table_.empty()) Sh("nft delete table ip " + table_ + " 2>/dev/null");
    Sh("ip link del nkct0 2>/dev/null");
  }

  std::string table_;
  int client_ = -1, server_ = -1;
};

TEST_F(ConntrackKernelTest, ListAndDeleteDnatedUdpFlow) {
  testing::NetNsPool pool;
  auto srv = pool.Create("srv");
  ASSERT_TRUE(srv.ok()) << srv.status().ToString();

  // veth nkct0 (here, 10.250.0.1) <-> eth0 (srv, 10.250.0.2).
  auto here = Handle::Open();
  ASSERT_TRUE(here.ok());
  ASSERT_OK(here->AddVeth({.name = "nkct0", .peer_name = "eth0", .peer_netns_fd = srv->fd(), .up = true}));
  ASSERT_OK(here->AddAddress("nkct0", *Ipv4Prefix::Parse("10.250.0.1/24")));
  ASSERT_OK(here->AddRoute({.dst = *Ipv4Prefix::Parse("10.96.0.0/12"), .dev = "nkct0", .scope = RouteScope::kLink}));
  ASSERT_OK(srv->Run([&]() -> Status {
    auto h = Handle::Open();
    if (!h.ok()) return h.status();
    for (const char* link : {"lo", "eth0"}) {
      if (Status s = h->SetLinkUp(link); !s.ok()) return s;
    }
    if (Status s = h->AddAddress("eth0", *Ipv4Prefix::Parse("10.250.0.2/24")); !s.ok()) return s;
    server_ = BoundUdp("10.250.0.2", 5353);  // the endpoint; the socket stays in srv
    return server_ >= 0 ? Status::OK() : Status::Internal("bind server");
  }));

  // The "service": 10.96.0.10:53/udp DNATed to the endpoint, for traffic
  // sent from this namespace.
  std::string rules = "table ip " + table_ +
                      " { chain out { type nat hook output priority -100; policy accept;"
                      " ip daddr 10.96.0.10 udp dport 53 dnat to 10.250.0.2:5353; }; }";
  ASSERT_EQ(Sh("nft '" + rules + "' 2>&1; echo rc=$?"), "rc=0\n");

  client_ = BoundUdp("10.250.0.1", 40053);
  ASSERT_GE(client_, 0);
  sockaddr_in svc = Addr("10.96.0.10", 53);
  ASSERT_EQ(sendto(client_, "q", 1, 0, reinterpret_cast<sockaddr*>(&svc), sizeof svc), 1);
  char buf[8];
  ASSERT_EQ(recv(server_, buf, sizeof buf, 0), 1) << "the DNATed datagram reached the endpoint";

  auto entries = ListConntrack(IPPROTO_UDP);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  auto it = std::find_if(entries->begin(), entries->end(),
                         [](const ConntrackEntry& e) { return e.orig_dst == "10.96.0.10"; });
  ASSERT_NE(it, entries->end()) << "no entry for the service in " << entries->size() << " UDP entries";
  ConntrackEntry want{IPPROTO_UDP, "10.250.0.1", "10.96.0.10", 40053, 53,
                      "10.250.0.2", "10.250.0.1", 5353, 40053};
  EXPECT_EQ(*it, want) << it->String();
  for (const auto& e : *entries) EXPECT_EQ(e.protocol, IPPROTO_UDP) << e.String();

  // The protocol filter: no UDP entry is listed as TCP.
  auto tcp = ListConntrack(IPPROTO_TCP);
  ASSERT_TRUE(tcp.ok()) << tcp.status().ToString();
  for (const auto& e : *tcp) EXPECT_EQ(e.protocol, IPPROTO_TCP) << e.String();
  EXPECT_NE(Sh("conntrack -L -p udp 2>/dev/null").find("dst=10.96.0.10"), std::string::npos);

  auto deleted = DeleteConntrack({want});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(Sh("conntrack -L -p udp 2>/dev/null").find("dst=10.96.0.10"), std::string::npos)
      << Sh("conntrack -L -p udp 2>&1");
  entries = ListConntrack(IPPROTO_UDP);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(std::none_of(entries->begin(), entries->end(),
                           [](const ConntrackEntry& e) { return e.orig_dst == "10.96.0.10"; }));

  // Already gone: not an error, nothing deleted.
  deleted = DeleteConntrack({want});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 0);

  // The next datagram of the same flow is DNATed afresh (a new entry).
  ASSERT_EQ(sendto(client_, "r", 1, 0, reinterpret_cast<sockaddr*>(&svc), sizeof svc), 1);
  ASSERT_EQ(recv(server_, buf, sizeof buf, 0), 1);
  entries = ListConntrack(IPPROTO_UDP);
  ASSERT_TRUE(entries.ok());
  EXPECT_NE(std::find(entries->begin(), entries->end(), want), entries->end());
}

TEST_F(ConntrackKernelTest, EmptyListAndNothingToDelete) {
  auto entries = ListConntrack(IPPROTO_SCTP);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  auto deleted = DeleteConntrack({});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 0);
}

}  // namespace
}  // namespace netkube::netlink
