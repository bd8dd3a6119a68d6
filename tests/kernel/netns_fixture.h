// Test helpers for kernel tests: named network namespaces that are always
// removed (also when a test fails), and in-process connectivity checks (ICMP
// echo and TCP connect) run from inside a namespace.
//
// REQUIRES: root, inside a private network namespace (scripts/in-netns).
#pragma once

#include <string>
#include <vector>

#include "netlink/ip.h"
#include "netlink/netns.h"
#include "util/status.h"

// For gtest files: fails the test (ASSERT) when the Status of `expr` is not
// OK, naming expr.
#define ASSERT_OK(expr)                                                    \
  do {                                                                     \
    ::netkube::Status nk_assert_s_ = (expr);                               \
    ASSERT_TRUE(nk_assert_s_.ok()) << #expr << ": " << nk_assert_s_.ToString(); \
  } while (0)

namespace netkube::testing {

// Creates named namespaces "nkt<pid>-<suffix>" and deletes every one of them
// in its destructor. On construction it also deletes "nkt<pid>-*" left behind
// by test processes that died.
class NetNsPool {
 public:
  NetNsPool();
  ~NetNsPool();
  // REQUIRES: suffix unique within this pool.
  StatusOr<netlink::NetNs> Create(const std::string& suffix);
  std::string NameOf(const std::string& suffix) const { return prefix_ + suffix; }
  std::string PathOf(const std::string& suffix) const { return std::string(netlink::NetNs::kRunDir) + "/" + NameOf(suffix); }
  // Deletes one namespace now (idempotent).
  void Delete(const std::string& suffix);

 private:
  std::string prefix_;
  std::vector<std::string> names_;
};

// Sends one ICMP echo from inside `from` to `to` and waits up to timeout_ms
// for the reply.
Status Ping(const netlink::NetNs& from, netlink::Ipv4 to, int timeout_ms = 2000);

// Listens on `addr`:port inside `server_ns`, connects from inside
// `client_ns`, exchanges one message both ways.
// The standard output of `sh -c CMD` ("" when it cannot run).
std::string Sh(const std::string& cmd);

Status TcpExchange(const netlink::NetNs& server_ns, netlink::Ipv4 addr, int port, const netlink::NetNs& client_ns);

// TcpExchange through a translation (DNAT): listens on listen_addr:listen_port
// in `server_ns` (0.0.0.0 for every address), connects from `client_ns` to
// connect_addr:connect_port. *peer (may be null) gets the client address the
// server saw, to tell a masqueraded connection from a direct one.
Status TcpExchangeVia(const netlink::NetNs& server_ns, netlink::Ipv4 listen_addr, int listen_port,
                      const netlink::NetNs& client_ns, netlink::Ipv4 connect_addr, int connect_port,
                      netlink::Ipv4* peer = nullptr);

// One TCP connect from inside `client_ns` (closed at once): OK when it is
// accepted, Unavailable with the errno text (e.g. "Connection refused") when not.
Status TcpConnect(const netlink::NetNs& client_ns, netlink::Ipv4 addr, int port);

}  // namespace netkube::testing
