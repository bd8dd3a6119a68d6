// A minimal HTTP/1.1 server for /health, /ready and /metrics: one thread per
// address, one request per connection, answered in turn (probes and scrapes
// are rare and small).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <tuple>

#include "dns/server_impl.h"

namespace netkube::dns {

namespace {

// ":8080" -> ("", 8080); "[::1]:80" -> ("::1", 80); "localhost:9153".
bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  if (*host == "localhost") *host = "127.0.0.1";
  std::string p = address.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  *port = std::stoi(p);
  return *port <= 65535;
}

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += n;
  }
}

}  // namespace

StatusOr<std::unique_ptr<HttpListener>> HttpListener::Open(const std::string& address, Server::Impl* server) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(address, &host, &port)) return Status::Invalid("invalid address \"" + address + "\"");
  sockaddr_storage ss{};
  socklen_t len = 0;
  bool v6wild = false;
  if (host.empty()) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_addr = in6addr_any;
    s6->sin6_port = htons(port);
    len = sizeof *s6;
    v6wild = true;
  } else if (inet_pton(AF_INET, host.c_str(), &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    len = sizeof *s4;
  } else if (inet_pton(AF_INET6, host.c_str(), &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) == 1) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    len = sizeof *s6;
  } else {
    return Status::Invalid("invalid address \"" + address + "\"");
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 && v6wild) {  // no IPv6: 0.0.0.0
    ss = {};
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(INADDR_ANY);
    s4->sin_port = htons(port);
    len = sizeof *s4;
    v6wild = false;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (v6wild) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 64) != 0) {
    Status s = Status::Internal("listen tcp " + address + ": " + std::strerror(errno));
    close(fd);
    return s;
  }
  std::unique_ptr<HttpListener> l(new HttpListener());
  l->address_ = address;
  l->server_ = server;
  l->fd_ = fd;
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  l->port_ = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                        : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  if (pipe2(l->wake_, O_CLOEXEC) != 0) return Status::Internal("pipe");
  HttpListener* raw = l.get();
  l->thread_ = std::thread([raw] { raw->Run(); });
  return l;
}

HttpListener::~HttpListener() {
  if (wake_[1] >= 0) {
    char c = 0;
    ssize_t rc = write(wake_[1], &c, 1);
    (void)rc;
  }
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
  if (wake_[0] >= 0) close(wake_[0]);
  if (wake_[1] >= 0) close(wake_[1]);
}

void HttpListener::Run() {
  for (;;) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    Handle(c);
    close(c);
  }
}

void HttpListener::Handle(int fd) {
  // The whole request must arrive within 2 s: one connection at a time is
  // served, and a client sending a byte now and then must not hold the
  // probes' port.
  std::string req;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, n);
  }
  size_t sp1 = req.find(' ');
  size_t sp2 = sp1 == std::string::npos ? std::string::npos : req.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return;
  std::string method = req.substr(0, sp1);
  std::string path = req.substr(sp1 + 1, sp2 - sp1 - 1);
  if (size_t q = path.find('?'); q != std::string::npos) path.resize(q);
  int code;
  std::string body;
  if (method != "GET" && method != "HEAD") {
    code = 405;
    body = "method not allowed\n";
  } else {
    std::tie(code, body) = server_->ServeHttp(address_, path);
  }
  const char* reason = code == 200 ? "OK" : code == 404 ? "Not Found" : code == 503 ? "Service Unavailable"
                                                                                     : "Method Not Allowed";
  std::string ctype = path == "/metrics" ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8";
  std::string resp = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + ctype +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (method != "HEAD") resp += body;
  WriteAll(fd, resp);
}

}  // namespace netkube::dns
