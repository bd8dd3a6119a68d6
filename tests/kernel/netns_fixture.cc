#include "netns_fixture.h"

#include <cstdio>
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace netkube::testing {

using netlink::Ipv4;
using netlink::NetNs;

NetNsPool::NetNsPool() : prefix_("nkt" + std::to_string(getpid()) + "-") {
  // Named namespaces outlive a crashed test (they are bind mounts in the
  // root mount namespace): remove those whose creating process is gone.
  DIR* d = opendir(NetNs::kRunDir);
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("nkt", 0) != 0) continue;
    size_t dash = n.find('-');
    if (dash == std::string::npos || dash == 3) continue;
    pid_t pid = static_cast<pid_t>(std::atoi(n.substr(3, dash - 3).c_str()));
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(n);
  }
  closedir(d);
  for (const auto& n : stale) NetNs::Delete(n);
}

NetNsPool::~NetNsPool() {
  for (const auto& n : names_) NetNs::Delete(n);
}

StatusOr<NetNs> NetNsPool::Create(const std::string& suffix) {
  auto ns = NetNs::Create(NameOf(suffix));
  if (ns.ok()) names_.push_back(NameOf(suffix));
  return ns;
}

void NetNsPool::Delete(const std::string& suffix) { NetNs::Delete(NameOf(suffix)); }

namespace {

uint16_t Checksum(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

sockaddr_in Addr(Ipv4 ip, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = ip.NetworkOrder();
  return sa;
}

}  // namespace

Status Ping(const NetNs& from, Ipv4 to, int timeout_ms) {
  return from.Run([&]() -> Status {
    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0) return Status::Internal(std::string("raw socket: ") + std::strerror(errno));
    icmphdr req{};
    req.type = ICMP_ECHO;
    req.un.echo.id = htons(static_cast<uint16_t>(getpid()));
    req.un.echo.sequence = htons(1);
    req.checksum = Checksum(&req, sizeof req);
    sockaddr_in sa = Addr(to, 0);
    if (sendto(fd, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      int err = errno;
      close(fd);
      return Status::Unavailable("ping " + to.ToString() + ": " + std::strerror(err));
    }
    // Wait for an echo reply from `to` (a raw socket sees every ICMP packet).
    for (int waited = 0; waited < timeout_ms; waited += 100) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      uint8_t buf[1500];
      sockaddr_in src{};
      socklen_t slen = sizeof src;
      ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &slen);
      if (n < 20) continue;
      size_t ihl = (buf[0] & 0x0f) * 4u;
      if (static_cast<size_t>(n) < ihl + sizeof(icmphdr)) continue;
      auto* reply = reinterpret_cast<icmphdr*>(buf + ihl);
      if (reply->type == ICMP_ECHOREPLY && src.sin_addr.s_addr == to.NetworkOrder() &&
          reply->un.echo.id == req.un.echo.id) {
        close(fd);
        return Status::OK();
      }
    }
    close(fd);
    return Status::Timeout("no echo reply from " + to.ToString());
  });
}

Status TcpExchange(const NetNs& server_ns, Ipv4 addr, int port, const NetNs& client_ns) {
  return TcpExchangeVia(server_ns, addr, port, client_ns, addr, port);
}

Status TcpConnect(const NetNs& client_ns, Ipv4 addr, int port) {
  return client_ns.Run([&]() -> Status {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in sa = Addr(addr, port);
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    int err = errno;
    close(fd);
    if (rc != 0) return Status::Unavailable("connect " + addr.ToString() + ":" + std::to_string(port) + ": " + std::strerror(err));
    return Status::OK();
  });
}

Status TcpExchangeVia(const NetNs& server_ns, Ipv4 listen_addr, int listen_port, const NetNs& client_ns,
                      Ipv4 addr, int port, Ipv4* peer) {
  int listener = -1;
  Status s = server_ns.Run([&]() -> Status {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa = Addr(listen_addr, listen_port);
    if (bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(listener, 4) != 0) {
      return Status::Internal("listen on " + listen_addr.ToString() + ": " + std::strerror(errno));
    }
    return Status::OK();
  });
  if (!s.ok()) {
    if (listener >= 0) close(listener);
    return s;
  }
  // The listening socket stays in server_ns; accept from a plain thread.
  std::atomic<bool> served{false};
  std::thread server([&] {
    pollfd pfd{listener, POLLIN, 0};
    if (poll(&pfd, 1, 3000) <= 0) return;
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    int c = accept(listener, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (c < 0) return;
    if (peer != nullptr) peer->value = ntohl(from.sin_addr.s_addr);
    char buf[16] = {};
    if (recv(c, buf, 4, MSG_WAITALL) == 4 && std::memcmp(buf, "ping", 4) == 0 && send(c, "pong", 4, 0) == 4) {
      served = true;
    }
    close(c);
  });
  Status client = client_ns.Run([&]() -> Status {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa = Addr(addr, port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      int err = errno;
      close(fd);
      return Status::Unavailable("connect " + addr.ToString() + ": " + std::strerror(err));
    }
    char buf[4];
    bool ok = send(fd, "ping", 4, 0) == 4 && recv(fd, buf, 4, MSG_WAITALL) == 4 && std::memcmp(buf, "pong", 4) == 0;
    close(fd);
    return ok ? Status::OK() : Status::Unavailable("no reply over TCP from " + addr.ToString());
  });
  server.join();
  close(listener);
  if (!client.ok()) return client;
  return served ? Status::OK() : Status::Unavailable("server did not complete the exchange");
}

std::string Sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace netkube::testing
