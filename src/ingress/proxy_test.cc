// The proxy end to end on loopback: a small threaded backend, a Proxy with a
// hand-built route table, and raw client sockets.
#include "ingress/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <cstring>
#include <thread>

#include "ingress/http1.h"
#include "ingress/proxy_format.h"
#include "ingress/proxy_metrics.h"
#include <re2/re2.h>

#include "util/log.h"

namespace netkube::ingress {
namespace {

int ListenLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  listen(fd, 128);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

int FreePort() {
  int port;
  int fd = ListenLoopback(&port);
  close(fd);
  return port;
}

void SendAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    s.remove_prefix(n);
  }
}

// A backend that answers "name path host xff" (keep-alive), /chunked with a
// chunked body, /ws by switching protocols and echoing, and echoes bodies.
class Backend {
 public:
  explicit Backend(std::string name) : name_(std::move(name)) {
    fd_ = ListenLoopback(&port_);
    thread_ = std::thread([this] { Run(); });
  }
  ~Backend() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int c : fds_) shutdown(c, SHUT_RDWR);
    }
    for (auto& t : conns_) t.join();
  }
  int port() const { return port_; }
  std::atomic<int> connections{0};

 private:
  void Run() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      connections++;
      {
        std::lock_guard<std::mutex> lock(mu_);
        fds_.push_back(c);
      }
      conns_.emplace_back([this, c] { Serve(c); });
    }
  }
  void Serve(int c) {
    std::string buf;
    char tmp[65536];
    while (true) {
      RequestHead h;
      ParseError e;
      ParseStatus st;
      while ((st = ParseRequestHead(buf, 65536, &h, &e)) == ParseStatus::kIncomplete) {
        ssize_t n = recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return (void)close(c);
        buf.append(tmp, n);
      }
      if (st == ParseStatus::kError) return (void)close(c);
      std::string xff, target(h.target), host(h.host);
      for (auto& f : h.headers)
        if (EqualsIgnoreCase(f.name, "x-forwarded-for")) xff = f.value;
      bool upgrade = h.upgrade;
      size_t head = h.head_size;
      std::string body;
      if (h.framing == Framing::kLength) {
        while (buf.size() < head + h.content_length) {
          ssize_t n = recv(c, tmp, sizeof(tmp), 0);
          if (n <= 0) return (void)close(c);
          buf.append(tmp, n);
        }
        body = buf.substr(head, h.content_length);
        buf.erase(0, head + h.content_length);
      } else if (h.framing == Framing::kChunked) {
        buf.erase(0, head);
        ChunkedScanner s;
        size_t used = 0;
        while (true) {
          size_t k = 0;
          ParseStatus cs = s.Feed(std::string_view(buf).substr(used), &k, &body);
          used += k;
          if (cs == ParseStatus::kDone) break;
          if (cs == ParseStatus::kError) return (void)close(c);
          ssize_t n = recv(c, tmp, sizeof(tmp), 0);
          if (n <= 0) return (void)close(c);
          buf.append(tmp, n);
        }
        buf.erase(0, used);
      } else {
        buf.erase(0, head);
      }
      if (upgrade) {
        SendAll(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        while (true) {
          ssize_t n = recv(c, tmp, sizeof(tmp), 0);
          if (n <= 0) break;
          SendAll(c, std::string_view(tmp, n));
        }
        return (void)close(c);
      }
      if (target == "/reset") return (void)close(c);
      if (target == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      if (target == "/chunked") {
        SendAll(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: backend\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        continue;
      }
      std::string text = name_ + " " + target + " " + host + " " + xff + (body.empty() ? "" : " body=" + body);
      SendAll(c, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text);
    }
  }
  std::string name_;
  int fd_, port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> conns_;
  std::mutex mu_;
  std::vector<int> fds_;  // guarded by mu_
};

struct Client {
  explicit Client(int port) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  ~Client() { close(fd); }
  // Reads one response (Content-Length or chunked or until close).
  std::string Response() {
    std::string buf;
    char tmp[65536];
    while (true) {
      ResponseHead r;
      ParseError e;
      if (ParseResponseHead(buf, 65536, "GET", &r, &e) == ParseStatus::kDone) {
        if (r.framing == Framing::kLength && buf.size() >= r.head_size + r.content_length) {
          std::string out = buf.substr(0, r.head_size + r.content_length);
          rest = buf.substr(out.size());
          return out;
        }
        if (r.framing == Framing::kNone) return buf.substr(0, r.head_size);
        if (r.framing == Framing::kChunked) {
          ChunkedScanner s;
          size_t k = 0;
          if (s.Feed(std::string_view(buf).substr(r.head_size), &k) == ParseStatus::kDone)
            return buf.substr(0, r.head_size + k);
        }
      }
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) return buf;
      ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
      if (n <= 0) return buf;
      buf.append(tmp, n);
    }
  }
  std::string Request(std::string_view req) {
    SendAll(fd, req);
    return Response();
  }
  int fd;
  std::string rest;
};

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProxyOptions o;
    o.bind_address = "127.0.0.1";
    o.http_port = http_port_ = FreePort();
    o.https_port = 0;
    o.status_port = status_port_ = FreePort();
    o.threads = 2;
    o.access_log = false;
    o.client_header_timeout_ms = 500;
    log::SetVerbosity(2);
    proxy_ = std::make_unique<Proxy>(o);
    ASSERT_TRUE(proxy_->Start().ok());
  }
  void Add(RouteTable* t, const std::string& host, const std::string& path, PathType type,
                               const std::string& service, Backend* b, RouteOptions opts = {}) {
    auto backend = std::make_shared<ingress::Backend>();
    backend->ns = "default";
    backend->service = service;
    backend->port = "80";
    if (b) backend->endpoints.push_back(Endpoint{"127.0.0.1", static_cast<uint16_t>(b->port()), "", true});
    else backend->error = "no endpoints for service \"default/" + service + "\"";
    Route r;
    r.path = path;
    r.type = type;
    r.backend = backend;
    r.options = opts;
    r.ingress_ns = "default";
    r.ingress_name = "ing";
    VirtualHost& vh = host.empty() ? t->any_host : t->exact_hosts[host];
    vh.host = host;
    vh.routes.push_back(r);
  }
  int http_port_, status_port_;
  std::unique_ptr<Proxy> proxy_;
};

TEST_F(ProxyTest, RoutesKeepsAliveAndReusesUpstreams) {
  Backend a("A"), b("B");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "foo.com", "/api", PathType::kPrefix, "a", &a);
  Add(t.get(), "foo.com", "/", PathType::kPrefix, "b", &b);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  std::string r1 = c.Request("GET /api/x HTTP/1.1\r\nHost: FOO.com:80\r\n\r\n");
  EXPECT_NE(r1.find("200 OK"), std::string::npos) << r1;
  EXPECT_NE(r1.find("A /api/x FOO.com:80 127.0.0.1"), std::string::npos) << r1;
  EXPECT_NE(r1.find("Server: netkube"), std::string::npos);
  for (int i = 0; i < 20; ++i) {
    std::string r = c.Request("GET /other HTTP/1.1\r\nHost: foo.com\r\n\r\n");
    EXPECT_NE(r.find("B /other foo.com"), std::string::npos) << r;
  }
  EXPECT_EQ(b.connections.load(), 1);  // one upstream connection for 20 requests
  std::string r404 = c.Request("GET / HTTP/1.1\r\nHost: bar.com\r\n\r\n");
  EXPECT_NE(r404.find("404 Not Found"), std::string::npos) << r404;
}

TEST_F(ProxyTest, PipelinedRequestsAnswerInOrder) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "", "/", PathType::kPrefix, "a", &a);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  SendAll(c.fd, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r1 = c.Response();
  EXPECT_NE(r1.find("A /1 "), std::string::npos) << r1;
  std::string r2 = c.rest.find("A /2") != std::string::npos ? c.rest : c.Response();
  EXPECT_NE(r2.find("A /2 "), std::string::npos) << r2;
}

TEST_F(ProxyTest, BodiesStreamBothWays) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "", "/", PathType::kPrefix, "a", &a);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  std::string r = c.Request("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_NE(r.find("body=hello"), std::string::npos) << r;
  r = c.Request("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n");
  EXPECT_NE(r.find("body=abcd"), std::string::npos) << r;
  r = c.Request("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.find("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("Server: backend"), std::string::npos) << r;
  // HTTP/1.0 clients get the chunked body decoded, then the connection ends.
  Client c10(http_port_);
  SendAll(c10.fd, "GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n");
  std::string all;
  char tmp[4096];
  ssize_t n;
  while ((n = recv(c10.fd, tmp, sizeof(tmp), 0)) > 0) all.append(tmp, n);
  EXPECT_NE(all.find("\r\n\r\nabcde"), std::string::npos) << all;
}

TEST_F(ProxyTest, LocalAnswers) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  RouteOptions small;
  small.proxy_body_size = 4;
  Add(t.get(), "small.com", "/", PathType::kPrefix, "a", &a, small);
  Add(t.get(), "none.com", "/", PathType::kPrefix, "gone", nullptr);
  RouteOptions redirect;
  redirect.permanent_redirect = "https://example.com/new";
  Add(t.get(), "moved.com", "/", PathType::kPrefix, "a", &a, redirect);
  t->exact_hosts["tls.com"].host = "tls.com";
  t->exact_hosts["tls.com"].has_tls = true;
  Add(t.get(), "tls.com", "/", PathType::kPrefix, "a", &a);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  EXPECT_NE(c.Request("POST / HTTP/1.1\r\nHost: small.com\r\nContent-Length: 5\r\n\r\n").find("413"),
            std::string::npos);
  Client c2(http_port_);
  EXPECT_NE(c2.Request("GET / HTTP/1.1\r\nHost: none.com\r\n\r\n").find("503"), std::string::npos);
  std::string m = c2.Request("GET / HTTP/1.1\r\nHost: moved.com\r\n\r\n");
  EXPECT_NE(m.find("301 Moved Permanently"), std::string::npos) << m;
  EXPECT_NE(m.find("Location: https://example.com/new"), std::string::npos) << m;
  std::string s = c2.Request("GET /a?b=1 HTTP/1.1\r\nHost: tls.com:80\r\n\r\n");
  EXPECT_NE(s.find("308 Permanent Redirect"), std::string::npos) << s;
  EXPECT_NE(s.find("Location: https://tls.com/a?b=1"), std::string::npos) << s;
  Client c3(http_port_);
  std::string bad = c3.Request("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_NE(bad.find("400 Bad Request"), std::string::npos) << bad;
  Client c4(http_port_);
  std::string big = c4.Request("GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(40000, 'a') + "\r\n\r\n");
  EXPECT_NE(big.find("431"), std::string::npos) << big.substr(0, 100);
}

TEST_F(ProxyTest, UpgradeIsTunnelled) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "", "/", PathType::kPrefix, "a", &a);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  SendAll(c.fd, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  std::string head = c.Response();
  EXPECT_NE(head.find("101 Switching Protocols"), std::string::npos) << head;
  SendAll(c.fd, "ping-pong");
  std::string echo;
  char tmp[64];
  while (echo.size() < 9) {
    pollfd p{c.fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    ssize_t n = recv(c.fd, tmp, sizeof(tmp), 0);
    if (n <= 0) break;
    echo.append(tmp, n);
  }
  EXPECT_EQ(echo, "ping-pong");
}

TEST(ProxyFormat, ForwardingHeaders) {
  RequestHead h;
  ParseError e;
  std::string raw =
      "GET /x HTTP/1.1\r\nHost: a.com\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n"
      "Connection: keep-alive\r\nX-Request-ID: abc\r\n\r\n";
  ASSERT_EQ(ParseRequestHead(raw, 8192, &h, &e), ParseStatus::kDone);
  UpstreamHeadParams p;
  p.target = "/y";
  p.client_ip = "10.0.0.9";
  p.listener_port = 80;
  p.request_id = "abc";
  std::string plain = BuildUpstreamHead(h, p);
  EXPECT_EQ(plain.rfind("GET /y HTTP/1.1\r\nHost: a.com\r\n", 0), 0u) << plain;
  EXPECT_NE(plain.find("X-Forwarded-For: 10.0.0.9\r\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("X-Forwarded-Proto: http\r\n"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("1.2.3.4"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("Connection"), std::string::npos) << plain;
  p.trust_forwarded = true;
  std::string trusted = BuildUpstreamHead(h, p);
  EXPECT_NE(trusted.find("X-Forwarded-For: 1.2.3.4, 10.0.0.9\r\n"), std::string::npos) << trusted;
  EXPECT_NE(trusted.find("X-Forwarded-Proto: https\r\n"), std::string::npos) << trusted;
}

TEST(ProxyFormat, AccessLogLineAsIngressNginx) {
  AccessLogEntry e;
  e.remote_addr = "172.18.0.1";
  e.time = 1796688000;  // 2026-12-08 00:00:00 UTC
  e.method = "GET";
  e.target = "/corellian/api";
  e.status = 200;
  e.body_bytes_sent = 709;
  e.user_agent = "curl/7.88.1";
  e.request_length = 94;
  e.request_time = 0.0021;
  e.upstream_name = "chapter5-echoserver-8080";
  e.upstream_addr = "10.244.2.2:8080";
  e.upstream_response_length = 812;
  e.upstream_response_time = 0.002;
  e.upstream_status = 200;
  e.request_id = "9b3437b6ccf9cbbcea4407430237652c";
  std::string line;
  AppendAccessLog(&line, e);
  EXPECT_EQ(line,
            "172.18.0.1 - - [08/Dec/2026:00:00:00 +0000] \"GET /corellian/api HTTP/1.1\" 200 709 \"-\" "
            "\"curl/7.88.1\" 94 0.002 [chapter5-echoserver-8080] [] 10.244.2.2:8080 812 0.002 200 "
            "9b3437b6ccf9cbbcea4407430237652c\n");
  AccessLogEntry local;
  local.remote_addr = "10.0.0.1";
  local.time = 1796688001;
  local.method = "GE\"T";
  local.target = "/x";
  local.minor = 2;
  local.status = 404;
  local.request_time = 12.3456;
  local.request_id = "r";
  line.clear();
  AppendAccessLog(&line, local);
  EXPECT_EQ(line, "10.0.0.1 - - [08/Dec/2026:00:00:01 +0000] \"GE\\x22T /x HTTP/2.0\" 404 0 \"-\" \"-\" 0 12.346 [] [] - - - - r\n");
}

TEST_F(ProxyTest, ConnectFailureRetriesAnotherEndpoint) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "", "/", PathType::kPrefix, "a", &a);
  auto& be = *t->any_host.routes[0].backend;
  be.endpoints.insert(be.endpoints.begin(), Endpoint{"127.0.0.1", static_cast<uint16_t>(FreePort()), "", true});
  proxy_->SetRoutes(t);
  for (int i = 0; i < 4; ++i) {
    Client c(http_port_);
    std::string r = c.Request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  }
  EXPECT_GE(proxy_->stats().upstream_retries.load(), 1u);
}

}  // namespace
}  // namespace netkube::ingress

namespace netkube::ingress {
namespace {

std::string Body(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

TEST_F(ProxyTest, RewriteTargetUsesCaptureGroupsAndKeepsTheQuery) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  RouteOptions o;
  o.rewrite_target = "/$2";
  Add(t.get(), "", "/something(/|$)(.*)", PathType::kRegex, "a", &a, o);
  t->any_host.routes[0].regex = std::make_shared<re2::RE2>("(?i)/something(/|$)(.*)");
  proxy_->SetRoutes(t);
  Client c(http_port_);
  EXPECT_EQ(Body(c.Request("GET /something/new/x?q=1 HTTP/1.1\r\nHost: h\r\n\r\n")), "A /new/x?q=1 h 127.0.0.1");
  EXPECT_EQ(Body(c.Request("GET /SOMETHING HTTP/1.1\r\nHost: h\r\n\r\n")), "A / h 127.0.0.1");
}

TEST_F(ProxyTest, CanaryByHeaderAndWeight) {
  Backend main("MAIN"), canary("CANARY");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "", "/", PathType::kPrefix, "main", &main);
  auto cb = std::make_shared<ingress::Backend>();
  cb->ns = "default";
  cb->service = "canary";
  cb->port = "80";
  cb->endpoints.push_back(Endpoint{"127.0.0.1", static_cast<uint16_t>(canary.port()), "", true});
  Canary k;
  k.backend = cb;
  k.header = "X-Canary";
  t->any_host.routes[0].canary = k;
  proxy_->SetRoutes(t);
  Client c(http_port_);
  EXPECT_EQ(Body(c.Request("GET / HTTP/1.1\r\nHost: h\r\nX-Canary: always\r\n\r\n")).substr(0, 6), "CANARY");
  EXPECT_EQ(Body(c.Request("GET / HTTP/1.1\r\nHost: h\r\nX-Canary: never\r\n\r\n")).substr(0, 4), "MAIN");
  EXPECT_EQ(Body(c.Request("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).substr(0, 4), "MAIN");  // weight 0
  auto t2 = std::make_shared<RouteTable>(*t);
  t2->any_host.routes[0].canary->weight = 100;
  proxy_->SetRoutes(t2);
  EXPECT_EQ(Body(c.Request("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).substr(0, 6), "CANARY");
}

TEST_F(ProxyTest, CookieAffinityPinsOneEndpoint) {
  Backend a("A"), b("B");
  auto t = std::make_shared<RouteTable>();
  RouteOptions o;
  o.affinity_cookie = "INGRESSCOOKIE";
  Add(t.get(), "", "/", PathType::kPrefix, "ab", &a, o);
  t->any_host.routes[0].backend->endpoints.push_back(Endpoint{"127.0.0.1", static_cast<uint16_t>(b.port()), "", true});
  proxy_->SetRoutes(t);
  Client c(http_port_);
  std::string first = c.Request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  size_t at = first.find("Set-Cookie: INGRESSCOOKIE=");
  ASSERT_NE(at, std::string::npos) << first;
  std::string cookie = first.substr(at + 12, first.find(';', at) - at - 12);
  std::string who = Body(first).substr(0, 1);
  for (int i = 0; i < 10; ++i) {
    std::string r = c.Request("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=b; " + cookie + "\r\n\r\n");
    EXPECT_EQ(Body(r).substr(0, 1), who) << r;
    EXPECT_EQ(r.find("Set-Cookie"), std::string::npos);
  }
}

TEST_F(ProxyTest, AllowlistAndAppRoot) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  RouteOptions deny;
  deny.allowlist.push_back(*Cidr::Parse("10.0.0.0/8"));
  Add(t.get(), "deny.com", "/", PathType::kPrefix, "a", &a, deny);
  RouteOptions allow;
  allow.allowlist.push_back(*Cidr::Parse("127.0.0.0/8"));
  allow.app_root = "/app";
  Add(t.get(), "allow.com", "/", PathType::kPrefix, "a", &a, allow);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  EXPECT_NE(c.Request("GET / HTTP/1.1\r\nHost: deny.com\r\n\r\n").find("403 Forbidden"), std::string::npos);
  std::string root = c.Request("GET / HTTP/1.1\r\nHost: allow.com\r\n\r\n");
  EXPECT_NE(root.find("302"), std::string::npos) << root;
  EXPECT_NE(root.find("Location: /app\r\n"), std::string::npos) << root;
  EXPECT_EQ(Body(c.Request("GET /app HTTP/1.1\r\nHost: allow.com\r\n\r\n")), "A /app allow.com 127.0.0.1");
  // A dot segment does not step around a path rule.
  EXPECT_NE(c.Request("GET /x/../../etc HTTP/1.1\r\nHost: allow.com\r\n\r\n").find("400 Bad Request"),
            std::string::npos);
}

TEST_F(ProxyTest, SlowClientsAndBadUpstreams) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  RouteOptions o;
  o.read_timeout_ms = 300;
  Add(t.get(), "", "/", PathType::kPrefix, "a", &a, o);
  proxy_->SetRoutes(t);
  {
    Client slow(http_port_);  // half a head, then nothing: 408 after the header timeout
    SendAll(slow.fd, "GET / HTTP/1.1\r\nHo");
    EXPECT_NE(slow.Response().find("408"), std::string::npos);
  }
  Client c(http_port_);
  EXPECT_NE(c.Request("GET /reset HTTP/1.1\r\nHost: h\r\n\r\n").find("502 Bad Gateway"), std::string::npos);
  Client d(http_port_);
  EXPECT_NE(d.Request("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n").find("504 Gateway Time-out"), std::string::npos);
  // Everyone else is still served.
  Client e(http_port_);
  EXPECT_EQ(Body(e.Request("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n")), "A /ok h 127.0.0.1");
}

TEST_F(ProxyTest, MetricLabelsComeFromTheRouteTableNotTheRequest) {
  Backend a("A");
  auto t = std::make_shared<RouteTable>();
  Add(t.get(), "", "/", PathType::kPrefix, "a", &a);
  proxy_->SetRoutes(t);
  Client c(http_port_);
  for (int i = 0; i < 20; ++i) {
    std::string r = c.Request("GET / HTTP/1.1\r\nHost: random" + std::to_string(i) + ".example\r\n\r\n");
    ASSERT_NE(r.find("200 OK"), std::string::npos) << r;
  }
  c.Request("FROB / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string m = proxy_->stats().Render();
  size_t series = 0;
  for (size_t at = 0; (at = m.find("\nnginx_ingress_controller_requests{", at)) != std::string::npos; ++at) ++series;
  EXPECT_EQ(series, 2u) << m;  // GET and OTHER, both on host "_"
  EXPECT_NE(m.find("host=\"_\",ingress=\"ing\",method=\"GET\""), std::string::npos) << m;
  EXPECT_NE(m.find("method=\"OTHER\""), std::string::npos) << m;
  EXPECT_EQ(m.find("random"), std::string::npos);
}

}  // namespace
}  // namespace netkube::ingress
