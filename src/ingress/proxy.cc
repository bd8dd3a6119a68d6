#include "ingress/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <set>

#include "ingress/proxy_client.h"
#include "ingress/proxy_h2.h"
#include "ingress/proxy_internal.h"
#include "util/log.h"

namespace netkube::ingress {
namespace {

constexpr int kSweepMs = 200;
constexpr int kLocalIdleMs = 1000;  // idle this long in a worker → shared pool

StatusOr<int> Listen(const std::string& address, int port) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
  } else {
    return Status::Invalid("invalid bind address \"" + address + "\"");
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 4096) != 0) {
    int e = errno;
    ::close(fd);
    return Status::Internal("listen tcp " + address + ":" + std::to_string(port) + ": " + std::strerror(e));
  }
  return fd;
}

}  // namespace

void Worker::WakeHandler::OnEvents(uint32_t) {
  uint64_t v;
  while (::read(fd, &v, sizeof(v)) > 0) {
  }
}

Worker::~Worker() {
  clients_.clear();  // Run closed them all; this frees any left by a failed Init
  for (auto& [key, list] : local_idle_)
    for (UpstreamConn* c : list) delete c;
  for (Handler* h : retired_) delete h;
  if (epfd_ >= 0) ::close(epfd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (http_fd_ >= 0) ::close(http_fd_);
  if (https_fd_ >= 0) ::close(https_fd_);
}

Status Worker::Init(int http_fd, int https_fd) {
  http_fd_ = http_fd;
  https_fd_ = https_fd;
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wake_fd_ < 0) return Status::Internal(std::string("epoll: ") + std::strerror(errno));
  wake_handler_.fd = wake_fd_;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = static_cast<Handler*>(&wake_handler_);
  epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  for (auto [fd, tls, h] : {std::tuple{http_fd, false, &http_listener_}, std::tuple{https_fd, true, &https_listener_}}) {
    if (fd < 0) continue;
    h->w = this;
    h->fd = fd;
    h->tls = tls;
    ev.events = EPOLLIN;
    ev.data.ptr = static_cast<Handler*>(h);
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0)
      return Status::Internal(std::string("epoll_ctl: ") + std::strerror(errno));
  }
  return Status::OK();
}

bool Worker::Watch(int fd, Handler* h) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = h;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void Worker::Unwatch(int fd) {
  if (fd >= 0) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

void Worker::Wake() {
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
}

void Worker::Accept(int lfd, bool tls) {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = accept4(lfd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or another worker took it
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    SSL* ssl = nullptr;
    if (tls) {
      ssl = SSL_new(shared_->tls->server_context());
      if (!ssl) {
        ::close(fd);
        continue;
      }
      SSL_set_fd(ssl, fd);
      SSL_set_accept_state(ssl);
    }
    shared_->stats->connections_accepted++;
    auto conn = std::make_unique<ClientConn>(this, fd, ssl, peer,
                                             tls ? shared_->options.https_port : shared_->options.http_port);
    ClientConn* c = conn.get();
    clients_.emplace(c, std::move(conn));
    if (!Watch(fd, c)) {
      c->Close();
      continue;
    }
  }
}

const std::shared_ptr<const RouteTable>& Worker::CurrentTable() {
  uint64_t v = shared_->table_version.load(std::memory_order_acquire);
  if (v != table_version_) {
    table_ = std::atomic_load(&shared_->table);
    table_version_ = v;
  }
  return table_;
}

void Worker::AdoptH2(Sock sock, const sockaddr_storage& peer) {
  auto* c = new H2Conn(this, sock, peer);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = static_cast<Handler*>(c);
  if (!c->Start() || epoll_ctl(epfd_, EPOLL_CTL_MOD, sock.fd, &ev) != 0) {
    c->Expire();  // closes the socket, retires the object
    return;
  }
  h2_conns_.insert(c);
  c->OnEvents(EPOLLIN | EPOLLOUT);
}

ClientConn* Worker::NewPipeClient(Pipe* pipe, const sockaddr_storage& peer) {
  auto conn = std::make_unique<ClientConn>(this, -1, nullptr, peer, shared_->options.https_port);
  ClientConn* c = conn.get();
  c->AttachPipe(pipe);
  clients_.emplace(c, std::move(conn));
  return c;
}

void Worker::Log(std::string_view line) {
  log_.append(line);
  if (log_.size() > 32 * 1024) FlushLog();
}

void Worker::FlushLog() {
  size_t off = 0;
  while (off < log_.size()) {
    ssize_t n = ::write(STDOUT_FILENO, log_.data() + off, log_.size() - off);
    if (n <= 0) break;
    off += n;
  }
  log_.clear();
}

void Worker::Sweep(int64_t now) {
  std::vector<ClientConn*> all;
  all.reserve(clients_.size());
  for (auto& [p, c] : clients_) all.push_back(p);
  for (ClientConn* c : all) c->CheckTimeout(now);
  std::vector<H2Conn*> h2;
  for (H2Conn* c : h2_conns_)
    if (c->IdleTooLong(now, shared_->options.keepalive_timeout_ms)) h2.push_back(c);
  for (H2Conn* c : h2) c->Expire();
  // Local idle connections: expired ones close; those idle a while move to
  // the shared pool, where any worker can reuse them.
  const int timeout = shared_->options.upstream_keepalive_timeout_ms;
  for (auto it = local_idle_.begin(); it != local_idle_.end();) {
    auto& list = it->second;
    size_t keep = 0;
    for (UpstreamConn* c : list) {
      int64_t idle = now - c->idle_since_ms_;
      if (idle > timeout) {
        Unwatch(c->sock_.fd);
        shared_->pool->idle_total--;
        delete c;
      } else if (idle > kLocalIdleMs) {
        Unwatch(c->sock_.fd);
        shared_->pool->idle_total--;
        shared_->pool->Put(c);
      } else {
        list[keep++] = c;
      }
    }
    list.resize(keep);
    it = list.empty() ? local_idle_.erase(it) : std::next(it);
  }
  if (index_ == 0) shared_->pool->Expire(now, timeout);
  if (!log_.empty()) FlushLog();
}

void Worker::Run() {
  epoll_event events[256];
  while (!shared_->stopping.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epfd_, events, 256, kSweepMs);
    for (int i = 0; i < n; ++i) static_cast<Handler*>(events[i].data.ptr)->OnEvents(events[i].events);
    for (Handler* h : retired_) delete h;
    retired_.clear();
    int64_t now = NowMs();
    if (now - last_sweep_ms_ >= kSweepMs) {
      last_sweep_ms_ = now;
      Sweep(now);
      for (Handler* h : retired_) delete h;
      retired_.clear();
    }
  }
  std::vector<H2Conn*> h2(h2_conns_.begin(), h2_conns_.end());
  for (H2Conn* c : h2) c->Expire();
  std::vector<ClientConn*> all;
  for (auto& [p, c] : clients_) all.push_back(p);
  for (ClientConn* c : all) c->Close();
  for (Handler* h : retired_) delete h;
  retired_.clear();
  FlushLog();
}

// ---------------------------------------------------------------------------

class Proxy::Impl {
 public:
  explicit Impl(ProxyOptions options) {
    shared_.options = std::move(options);
    if (shared_.options.threads <= 0) {
      long n = sysconf(_SC_NPROCESSORS_ONLN);
      shared_.options.threads = n > 0 ? static_cast<int>(n) : 1;
    }
    shared_.stats = std::make_unique<ProxyStats>(shared_.options.threads);
    // upstream-keepalive-connections is per worker, as nginx's `keepalive`
    // (ingress-nginx's 320 is 320 per worker process).
    shared_.pool = std::make_unique<SharedPool>(shared_.options.upstream_keepalive_connections *
                                                shared_.options.threads);
    shared_.tls = std::make_unique<TlsContexts>();
  }
  ~Impl() { Stop(); }

  Status Start(const std::function<void(const std::string&, const std::string&)>& on_cert_error) {
    on_cert_error_ = on_cert_error;
    const ProxyOptions& o = shared_.options;
    NK_RETURN_IF_ERROR(shared_.tls->Init(o.default_cert_pem, o.default_key_pem, o.http2));
    for (int i = 0; i < o.threads; ++i) {
      int http_fd = -1, https_fd = -1;
      if (o.http_port > 0) {
        auto fd = Listen(o.bind_address, o.http_port);
        if (!fd.ok()) return fd.status();
        http_fd = *fd;
      }
      if (o.https_port > 0) {
        auto fd = Listen(o.bind_address, o.https_port);
        if (!fd.ok()) {
          if (http_fd >= 0) ::close(http_fd);
          return fd.status();
        }
        https_fd = *fd;
      }
      auto w = std::make_unique<Worker>(&shared_, i);
      NK_RETURN_IF_ERROR(w->Init(http_fd, https_fd));
      workers_.push_back(std::move(w));
    }
    if (o.status_port > 0) {
      auto fd = Listen(o.bind_address, o.status_port);
      if (!fd.ok()) return fd.status();
      status_fd_ = *fd;
    }
    for (auto& w : workers_) threads_.emplace_back([w = w.get()] { w->Run(); });
    if (status_fd_ >= 0) threads_.emplace_back([this] { ServeStatus(); });
    return Status::OK();
  }

  void Stop() {
    if (shared_.stopping.exchange(true)) return;
    for (auto& w : workers_) w->Wake();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
    workers_.clear();
    if (status_fd_ >= 0) ::close(status_fd_);
    status_fd_ = -1;
  }

  void SetRoutes(std::shared_ptr<const RouteTable> table) {
    std::lock_guard<std::mutex> lock(routes_mu_);
    auto errors = shared_.tls->Update(table);
    std::atomic_store(&shared_.table, std::move(table));
    shared_.table_version.fetch_add(1, std::memory_order_release);
    shared_.stats->route_tables++;
    shared_.stats->last_table_time = time(nullptr);
    std::set<std::pair<std::string, std::string>> now(errors.begin(), errors.end());
    for (const auto& [secret, err] : errors) {
      if (!reported_.count({secret, err}))
        LOG_WARN << "certificate from Secret " << secret << " cannot be used: " << err;
      if (on_cert_error_) on_cert_error_(secret, err);
    }
    reported_ = std::move(now);
  }

  bool HasRoutes() const { return std::atomic_load(&shared_.table) != nullptr; }
  ProxyStats& stats() { return *shared_.stats; }

 private:
  // /healthz and /metrics, one short request per connection.
  void ServeStatus() {
    while (!shared_.stopping) {
      pollfd p{status_fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      int fd = accept4(status_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval tv{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        req.append(buf, n);
      }
      std::string path;
      size_t sp = req.find(' ');
      if (sp != std::string::npos) path = req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1);
      int status = 404;
      std::string body = "404 page not found\n", type = "text/plain; charset=utf-8";
      if (path == "/healthz" || path.rfind("/healthz?", 0) == 0) {
        status = HasRoutes() ? 200 : 500;
        body = status == 200 ? "ok" : "no routes loaded yet";
      } else if (path == "/metrics") {
        status = 200;
        body = stats().Render();
        type = "text/plain; version=0.0.4; charset=utf-8";
      }
      std::string resp = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : status == 404 ? " Not Found" : " Internal Server Error") +
                         "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n" + body;
      size_t off = 0;
      while (off < resp.size()) {
        ssize_t n = ::send(fd, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += n;
      }
      ::close(fd);
    }
  }

  ProxyShared shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  int status_fd_ = -1;
  std::mutex routes_mu_;
  std::set<std::pair<std::string, std::string>> reported_;  // certificate errors logged; guarded by routes_mu_
  std::function<void(const std::string&, const std::string&)> on_cert_error_;
};

Proxy::Proxy(ProxyOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Proxy::~Proxy() = default;
Status Proxy::Start() { return impl_->Start(on_certificate_error); }
void Proxy::Stop() { impl_->Stop(); }
void Proxy::SetRoutes(std::shared_ptr<const RouteTable> table) { impl_->SetRoutes(std::move(table)); }
bool Proxy::HasRoutes() const { return impl_->HasRoutes(); }
ProxyStats& Proxy::stats() { return impl_->stats(); }

}  // namespace netkube::ingress
