#include "ingress/proxy_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <re2/re2.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstring>
#include <random>

#include "ingress/proxy_format.h"
#include "util/log.h"
#include "util/hash.h"

namespace netkube::ingress {
namespace {

constexpr int kMaxAttempts = 3;  // proxy_next_upstream_tries, as ingress-nginx

bool Idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

std::string_view HeaderValue(const RequestHead& h, std::string_view name) {
  for (const auto& f : h.headers)
    if (EqualsIgnoreCase(f.name, name)) return f.value;
  return {};
}

// The value of cookie `name` in a Cookie header, "" when absent.
std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return item.substr(eq + 1);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

// The affinity cookie value of an endpoint: a hash of its address.
std::string EndpointHash(const Endpoint& e) { return Hex16(Fnv1a64(e.ip + ":" + std::to_string(e.port))); }

bool ParseAddress(const std::string& ip, uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

bool Allowed(const std::vector<Cidr>& allowlist, const sockaddr_storage& peer) {
  if (allowlist.empty()) return true;
  const uint8_t* addr;
  int family;
  uint8_t mapped[4];
  if (peer.ss_family == AF_INET) {
    addr = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&peer)->sin_addr);
    family = 4;
  } else {
    const auto* a6 = &reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) {
      std::memcpy(mapped, reinterpret_cast<const uint8_t*>(a6) + 12, 4);
      addr = mapped;
      family = 4;
    } else {
      addr = reinterpret_cast<const uint8_t*>(a6);
      family = 6;
    }
  }
  for (const Cidr& c : allowlist)
    if (c.Contains(addr, family)) return true;
  return false;
}

}  // namespace

ClientConn::ClientConn(Worker* w, int fd, SSL* ssl, const sockaddr_storage& peer, int listener_port)
    : w_(w), peer_(peer), listener_port_(listener_port) {
  sock_.fd = fd;
  sock_.ssl = ssl;
  tls_ = ssl != nullptr;
  phase_ = tls_ ? Phase::kHandshake : Phase::kHead;
  char buf[INET6_ADDRSTRLEN] = "";
  if (peer.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&peer)->sin_addr, buf, sizeof(buf));
  } else {
    const auto* a6 = &reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) inet_ntop(AF_INET, reinterpret_cast<const uint8_t*>(a6) + 12, buf, sizeof(buf));
    else inet_ntop(AF_INET6, a6, buf, sizeof(buf));
  }
  peer_ip_ = buf;
  last_activity_ms_ = NowMs();
  UpdateDeadline(last_activity_ms_);
  if (fd >= 0) w_->shared()->stats->connections_active++;
}

ClientConn::~ClientConn() { sock_.Close(); }

void ClientConn::DropUpstream() {
  if (!up_) return;
  up_->client_ = nullptr;
  w_->Release(up_, false);
  up_ = nullptr;
}

void ClientConn::AttachPipe(Pipe* pipe) {
  sock_.pipe = pipe;
  tls_ = true;
  h2_ = true;
  phase_ = Phase::kHead;
}

void ClientConn::Kick() {
  if (closed_) return;
  sock_.can_read = sock_.can_write = true;
  Pump();
}

void ClientConn::Close() {
  if (closed_) return;
  closed_ = true;
  Pipe* pipe = sock_.pipe;
  DropUpstream();
  sock_.Close();
  if (!pipe) w_->shared()->stats->connections_active--;
  auto it = w_->clients().find(this);
  if (it != w_->clients().end()) {
    it->second.release();
    w_->clients().erase(it);
  }
  w_->Retire(this);
  if (pipe && pipe->notify) pipe->notify();
}

void ClientConn::OnEvents(uint32_t events) {
  if (closed_) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) sock_.can_read = true;
  if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) sock_.rdhup = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) sock_.can_write = true;
  Pump();
}

void ClientConn::OnUpstreamEvents(uint32_t events) {
  if (closed_ || !up_) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) up_->sock_.can_read = true;
  if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) up_->sock_.rdhup = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) up_->sock_.can_write = true;
  if (up_->connecting_) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(up_->sock_.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      OnUpstreamFailure(Failure::kConnect, std::strerror(err));
      return;
    }
    up_->connecting_ = false;
    if (up_->handshaking_) {
      up_->sock_.ssl = SSL_new(w_->shared()->tls->client_context());
      SSL_set_fd(up_->sock_.ssl, up_->sock_.fd);
      SSL_set_connect_state(up_->sock_.ssl);
    }
  }
  Pump();
}

bool ClientConn::Handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(sock_.ssl);
  if (r == 1) {
    w_->shared()->stats->tls_handshakes++;
    phase_ = Phase::kHead;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(sock_.ssl, &alpn, &alpn_len);
    if (alpn_len == 2 && alpn[0] == 'h' && alpn[1] == '2') {
      // The connection speaks HTTP/2 from here: hand the socket over.
      Sock s = sock_;
      sock_.fd = -1;
      sock_.ssl = nullptr;
      sockaddr_storage peer = peer_;
      Worker* w = w_;
      Close();
      w->AdoptH2(s, peer);
      return false;
    }
    return true;
  }
  int e = SSL_get_error(sock_.ssl, r);
  if (e == SSL_ERROR_WANT_READ) {
    sock_.can_read = false;
    return false;
  }
  if (e == SSL_ERROR_WANT_WRITE) {
    sock_.can_write = false;
    return false;
  }
  w_->shared()->stats->tls_handshake_errors++;
  Close();
  return false;
}

bool ClientConn::WantClientRead() const {
  const auto& o = w_->shared()->options;
  switch (phase_) {
    case Phase::kHandshake:
      return false;
    case Phase::kHead:
      return in_.size() <= o.max_header_bytes;
    case Phase::kProxy:
      if (!req_body_done_) return up_ && up_->out_.size() < kHighWater && in_.size() < kHighWater;
      return in_.size() < 64 * 1024 && !client_eof_;
    case Phase::kTunnel:
      return up_ && up_->out_.size() < kHighWater && !client_eof_;
    case Phase::kLocal:
      return !close_after_ && in_.size() < 64 * 1024 && !client_eof_;
  }
  return false;
}

void ClientConn::Pump() {
  for (int spin = 0; spin < 256 && !closed_; ++spin) {
    bool progress = false;
    if (phase_ == Phase::kHandshake) {
      if (!Handshake()) {
        if (!closed_) UpdateDeadline(NowMs());
        return;
      }
      progress = true;
    }
    if (sock_.can_read && WantClientRead()) {
      bool eof = false;
      size_t got = 0;
      if (!sock_.ReadInto(&in_, in_.size() + 64 * 1024, &eof, &got)) {
        if (!eof) return Close();
        client_eof_ = true;  // acted on below, once what was read is processed
      }
      if (got) {
        progress = true;
        last_activity_ms_ = NowMs();
        if (phase_ == Phase::kTunnel) upstream_activity_ms_ = last_activity_ms_;
      }
    }
    progress |= ProcessInput();
    if (closed_) return;
    if (client_eof_) {
      // A client that goes away between requests, or before its request
      // is complete, ends the connection; one that half-closes after a
      // whole request still gets its answer.
      if (phase_ == Phase::kHead || (phase_ == Phase::kProxy && !req_body_done_)) return Close();
      if (phase_ == Phase::kTunnel && up_ && up_->out_.empty() && !up_->connecting_ && !upstream_shut_) {
        shutdown(up_->sock_.fd, SHUT_WR);
        upstream_shut_ = true;
      }
    }
    if (up_) {
      progress |= PumpUpstream();
      if (closed_) return;
    }
    if (!out_.empty() && sock_.can_write) {
      size_t wrote = 0;
      if (!sock_.WriteFrom(&out_, &wrote)) return Close();
      if (wrote) progress = true;
    }
    if (phase_ == Phase::kLocal && out_.empty()) {
      if (close_after_) return Close();
      phase_ = Phase::kHead;
      progress = true;
    }
    if (phase_ == Phase::kTunnel && client_eof_ && !up_ && out_.empty()) return Close();
    if (!progress) break;
  }
  if (closed_) return;
  UpdateDeadline(NowMs());
  if (sock_.pipe && sock_.pipe->notify) sock_.pipe->notify();
}

bool ClientConn::ProcessInput() {
  if (phase_ == Phase::kHead) {
    if (in_.empty()) return false;
    RequestHead head;
    ParseError err;
    ParseStatus st = ParseRequestHead(in_.view(), w_->shared()->options.max_header_bytes, &head, &err);
    if (st == ParseStatus::kIncomplete) return false;
    if (st == ParseStatus::kError) {
      w_->shared()->stats->bad_requests++;
      start_ms_ = NowMs();
      method_ = "-";
      target_.clear();
      minor_ = 1;
      route_ = nullptr;
      backend_ = nullptr;
      request_id_ = NewRequestId();
      request_length_ = in_.size();
      RespondLocal(err.status, {}, true, err.message);
      in_.Clear();
      return true;
    }
    StartRequest(head);
    return true;
  }
  if (phase_ == Phase::kProxy && !req_body_done_) return ProcessRequestBody();
  if (phase_ == Phase::kTunnel && up_ && !in_.empty()) {
    up_->out_.Append(in_.view());
    in_.Clear();
    return true;
  }
  return false;
}

bool ClientConn::ProcessRequestBody() {
  if (req_body_done_ || !up_ || in_.empty() || up_->out_.size() >= kHighWater) return false;
  size_t n = 0;
  if (req_framing_ == Framing::kLength) {
    n = std::min<uint64_t>(in_.size(), req_remaining_);
    req_remaining_ -= n;
    if (req_remaining_ == 0) req_body_done_ = true;
  } else {
    ParseStatus st = req_chunks_.Feed(in_.view(), &n);
    int64_t limit = route_ ? route_->options.proxy_body_size : 0;
    bool too_big = limit > 0 && req_chunks_.payload_bytes() > static_cast<uint64_t>(limit);
    if (st == ParseStatus::kError || too_big) {
      if (st == ParseStatus::kError) w_->shared()->stats->bad_requests++;
      if (resp_head_done_) {
        Close();
        return true;
      }
      DropUpstream();
      if (too_big) RespondLocal(413, {}, true, "request body larger than proxy-body-size");
      else RespondLocal(400, {}, true, "invalid chunked body");
      return true;
    }
    if (st == ParseStatus::kDone) req_body_done_ = true;
  }
  if (n == 0) return false;
  request_length_ += n;
  up_->out_.Append(in_.view().substr(0, n));
  in_.Consume(n);
  return true;
}

// The Host header without its port ("[::1]:80" -> "[::1]").
static std::string HostWithoutPort(std::string_view host) {
  size_t colon = host.rfind(':');
  size_t bracket = host.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket) &&
      (bracket != std::string_view::npos || host.find(':') == colon))
    host = host.substr(0, colon);
  return std::string(host);
}

void ClientConn::StartRequest(const RequestHead& head) {
  const ProxyShared& sh = *w_->shared();
  start_ms_ = NowMs();
  method_.assign(head.method);
  target_.assign(head.target);
  minor_ = head.minor;
  keep_alive_ = head.keep_alive && requests_ + 1 < sh.options.keepalive_requests && !client_eof_;
  upgrade_ = head.upgrade;
  upstream_shut_ = false;
  user_agent_.assign(HeaderValue(head, "user-agent"));
  referer_.assign(HeaderValue(head, "referer"));
  std::string_view rid = HeaderValue(head, "x-request-id");
  request_id_ = rid.empty() || rid.size() > 200 ? NewRequestId() : std::string(rid);
  host_ = NormalizeHost(head.host);
  request_length_ = head.head_size;
  req_framing_ = head.framing;
  req_remaining_ = head.content_length;
  req_chunks_ = ChunkedScanner();
  req_body_done_ = head.framing == Framing::kNone;
  resp_head_done_ = false;
  status_ = upstream_status_ = 0;
  body_sent_ = upstream_bytes_ = 0;
  upstream_addr_.clear();
  set_cookie_.clear();
  error_note_.clear();
  attempts_ = 0;
  canary_ = false;
  route_ = nullptr;
  backend_ = nullptr;
  if (table_ != w_->CurrentTable()) table_ = w_->CurrentTable();
  // The origin form of the target (an absolute-form "http://h/p?q" is sent
  // on as "/p?q").
  std::string origin(head.target[0] == '/' ? head.target : head.path);
  if (head.target[0] != '/' && !head.query.empty()) origin += "?" + std::string(head.query);

  bool has_body = head.framing != Framing::kNone;
  auto local = [&](int status, std::vector<std::pair<std::string, std::string>> headers, const std::string& why) {
    in_.Consume(head.head_size);
    RespondLocal(status, std::move(headers), has_body, why);
  };
  if (!NormalizePath(head.path, &path_)) return local(400, {}, "invalid request path");
  if (!table_) return local(503, {}, "no routes yet");
  MatchResult m = Match(*table_, host_, path_);
  route_ = m.route;
  if (!route_) return local(404, {}, "no route");
  const RouteOptions& o = route_->options;
  if (!Allowed(o.allowlist, peer_)) return local(403, {}, "client address not in allowlist-source-range");
  if (!o.permanent_redirect.empty())
    return local(o.permanent_redirect_code, {{"Location", o.permanent_redirect}}, "permanent-redirect");
  if (!tls_ && ((m.vhost && m.vhost->has_tls && o.ssl_redirect) || o.force_ssl_redirect)) {
    std::string host = HostWithoutPort(head.host);
    if (sh.options.https_port != 443 && sh.options.https_port != 0) host += ":" + std::to_string(sh.options.https_port);
    return local(308, {{"Location", "https://" + host + origin}}, "ssl-redirect");
  }
  if (!o.app_root.empty() && path_ == "/") return local(302, {{"Location", o.app_root}}, "app-root");
  if (o.proxy_body_size > 0 && head.framing == Framing::kLength &&
      head.content_length > static_cast<uint64_t>(o.proxy_body_size))
    return local(413, {}, "request body larger than proxy-body-size");

  // Canary: by header, then by weight.
  backend_ = route_->backend.get();
  if (route_->canary && route_->canary->backend) {
    const Canary& c = *route_->canary;
    bool use = false, decided = false;
    if (!c.header.empty()) {
      std::string_view v = HeaderValue(head, c.header);
      if (!c.header_value.empty()) {
        if (v == c.header_value) use = decided = true;
      } else if (v == "always") {
        use = decided = true;
      } else if (v == "never") {
        decided = true;
      }
    }
    if (!decided && c.weight > 0) {
      thread_local std::mt19937 rng{std::random_device{}()};
      use = static_cast<int>(rng() % std::max(1, c.weight_total)) < c.weight;
    }
    if (use && c.backend->error.empty() && !c.backend->endpoints.empty()) {
      backend_ = c.backend.get();
      canary_ = true;
    }
  }
  if (!backend_ || !backend_->error.empty() || backend_->endpoints.empty()) {
    error_note_ = backend_ && !backend_->error.empty() ? backend_->error : "no endpoints";
    return local(503, {}, error_note_);
  }

  // The target: rewrite-target on regex paths, with the query kept.
  std::string target = std::move(origin);
  if (route_->type == PathType::kRegex && !o.rewrite_target.empty() && route_->regex) {
    const re2::RE2& re = *route_->regex;
    int n = std::min(re.NumberOfCapturingGroups(), 9);
    std::vector<re2::StringPiece> groups(n + 1);
    std::vector<std::string> texts;
    if (re.Match(re2::StringPiece(path_.data(), path_.size()), 0, path_.size(), re2::RE2::ANCHOR_START,
                 groups.data(), n + 1)) {
      for (auto& g : groups) texts.emplace_back(g.data() ? std::string(g.data(), g.size()) : std::string());
    }
    target = ExpandRewrite(o.rewrite_target, texts);
    if (target.empty() || target[0] != '/') target.insert(target.begin(), '/');
    if (!head.query.empty()) target += (target.find('?') == std::string::npos ? "?" : "&") + std::string(head.query);
  }

  // Session affinity: the cookie names an endpoint by hash.
  endpoint_index_ = backend_->next.fetch_add(1, std::memory_order_relaxed) % backend_->endpoints.size();
  if (!o.affinity_cookie.empty()) {
    std::string_view want = CookieValue(HeaderValue(head, "cookie"), o.affinity_cookie);
    bool found = false;
    if (!want.empty()) {
      for (size_t i = 0; i < backend_->endpoints.size(); ++i) {
        if (EndpointHash(backend_->endpoints[i]) == want) {
          endpoint_index_ = i;
          found = true;
          break;
        }
      }
    }
    if (!found)
      set_cookie_ = o.affinity_cookie + "=" + EndpointHash(backend_->endpoints[endpoint_index_]) + "; Path=/; HttpOnly";
  }

  UpstreamHeadParams p;
  p.target = target;
  p.client_ip = peer_ip_;
  p.listener_port = tls_ ? sh.options.https_port : sh.options.http_port;
  p.https = tls_;
  p.request_id = request_id_;
  p.trust_forwarded = sh.options.use_forwarded_headers;
  upstream_head_ = BuildUpstreamHead(head, p);
  in_.Consume(head.head_size);
  phase_ = Phase::kProxy;
  if (!ConnectUpstream()) return;
  ProcessRequestBody();
}

bool ClientConn::ConnectUpstream() {
  while (attempts_ < kMaxAttempts) {
    const Endpoint& e = backend_->endpoints[endpoint_index_ % backend_->endpoints.size()];
    ++attempts_;
    upstream_addr_ = e.ip.find(':') != std::string::npos ? "[" + e.ip + "]:" + std::to_string(e.port)
                                                         : e.ip + ":" + std::to_string(e.port);
    std::string key = backend_->https ? upstream_addr_ + "/tls" : upstream_addr_;
    UpstreamConn* c = w_->Checkout(key);
    if (!c) {
      sockaddr_storage ss;
      socklen_t len;
      if (ParseAddress(e.ip, e.port, &ss, &len)) c = w_->Connect(key, ss, len, backend_->https);
    }
    if (c) {
      up_ = c;
      up_->client_ = this;
      up_->in_.Clear();
      up_->out_.Clear();
      up_->out_.Append(upstream_head_);
      upstream_start_ms_ = upstream_activity_ms_ = NowMs();
      return true;
    }
    endpoint_index_++;
  }
  RespondLocal(502, {}, !req_body_done_, "cannot connect to any endpoint");
  return false;
}

bool ClientConn::PumpUpstream() {
  bool progress = false;
  UpstreamConn* u = up_;
  if (u->connecting_) return false;
  if (u->handshaking_) {
    ERR_clear_error();
    int r = SSL_do_handshake(u->sock_.ssl);
    if (r != 1) {
      int e = SSL_get_error(u->sock_.ssl, r);
      if (e == SSL_ERROR_WANT_READ) u->sock_.can_read = false;
      else if (e == SSL_ERROR_WANT_WRITE) u->sock_.can_write = false;
      else OnUpstreamFailure(Failure::kConnect, "TLS handshake with the backend failed");
      return false;
    }
    u->handshaking_ = false;
    progress = true;
  }
  if (!u->out_.empty() && u->sock_.can_write) {
    size_t wrote = 0;
    if (!u->sock_.WriteFrom(&u->out_, &wrote)) {
      OnUpstreamFailure(Failure::kReset, "connection reset while sending the request");
      return true;
    }
    if (wrote) progress = true;
    if (phase_ == Phase::kTunnel && client_eof_ && u->out_.empty() && !upstream_shut_) {
      shutdown(u->sock_.fd, SHUT_WR);
      upstream_shut_ = true;
    }
  }
  if (u->sock_.can_read && out_.size() < kHighWater) {
    bool eof = false;
    size_t got = 0;
    bool ok = u->sock_.ReadInto(&u->in_, u->in_.size() + 64 * 1024, &eof, &got);
    if (got) {
      progress = true;
      upstream_activity_ms_ = NowMs();
      upstream_bytes_ += got;
    }
    progress |= ProcessUpstreamInput();
    if (closed_ || up_ != u) return true;
    if (!ok) {
      if (phase_ == Phase::kTunnel) {
        // The backend ended the tunnel: finish writing, then close.
        DropUpstream();
        close_after_ = true;
        phase_ = Phase::kLocal;
        return true;
      }
      if (resp_head_done_ && resp_framing_ == Framing::kUntilClose && eof) {
        resp_keep_alive_ = false;
        FinishRequest();
        return true;
      }
      if (!resp_head_done_ && upstream_bytes_ == 0) {
        OnUpstreamFailure(Failure::kReset, eof ? "upstream closed the connection" : "connection reset by upstream");
        return true;
      }
      if (!resp_head_done_) {
        OnUpstreamFailure(Failure::kBadResponse, "upstream closed the connection before a whole response head");
        return true;
      }
      // Truncated body: the client sees the connection end, as with nginx.
      Close();
      return true;
    }
  } else {
    progress |= ProcessUpstreamInput();
  }
  return progress;
}

void ClientConn::AppendHead(const ResponseHead& resp, const ClientHeadParams& p) {
  std::string head;
  AppendClientHead(&head, resp, p);
  out_.Append(head);
}

bool ClientConn::ProcessUpstreamInput() {
  bool progress = false;
  while (up_ && !up_->in_.empty()) {
    if (phase_ == Phase::kTunnel) {
      out_.Append(up_->in_.view());
      up_->in_.Clear();
      return true;
    }
    if (!resp_head_done_) {
      ResponseHead resp;
      ParseError err;
      ParseStatus st = ParseResponseHead(up_->in_.view(), 64 * 1024, method_, &resp, &err);
      if (st == ParseStatus::kIncomplete) return progress;
      if (st == ParseStatus::kError) {
        OnUpstreamFailure(Failure::kBadResponse, err.message);
        return true;
      }
      progress = true;
      if (resp.status / 100 == 1 && resp.status != 101) {
        // Interim answers (100 Continue) go to HTTP/1.1 clients as they are.
        if (minor_ == 1) AppendHead(resp, ClientHeadParams{1, true, false, {}});
        up_->in_.Consume(resp.head_size);
        continue;
      }
      upstream_status_ = status_ = resp.status;
      resp_head_done_ = true;
      if (resp.status == 101) {
        if (!upgrade_) {
          OnUpstreamFailure(Failure::kBadResponse, "upstream switched protocols without an upgrade request");
          return true;
        }
        AppendHead(resp, ClientHeadParams{minor_, true, false, {}});
        up_->in_.Consume(resp.head_size);
        body_sent_ = 0;
        phase_ = Phase::kTunnel;
        req_body_done_ = true;
        RecordRequest();
        continue;
      }
      resp_framing_ = resp.framing;
      resp_remaining_ = resp.content_length;
      resp_chunks_ = ChunkedScanner();
      resp_keep_alive_ = resp.keep_alive;
      dechunk_ = resp.framing == Framing::kChunked && minor_ == 0;
      if (resp.framing == Framing::kUntilClose || dechunk_) keep_alive_ = false;
      if (!req_body_done_) keep_alive_ = false;  // an early answer: the rest of the body is not read
      AppendHead(resp, ClientHeadParams{minor_, keep_alive_, dechunk_, set_cookie_});
      up_->in_.Consume(resp.head_size);
      if (resp_framing_ == Framing::kNone) {
        FinishRequest();
        return true;
      }
      continue;
    }
    // The body.
    size_t n = 0;
    if (resp_framing_ == Framing::kLength) {
      n = std::min<uint64_t>(up_->in_.size(), resp_remaining_);
      out_.Append(up_->in_.view().substr(0, n));
      resp_remaining_ -= n;
      body_sent_ += n;
      up_->in_.Consume(n);
      if (resp_remaining_ == 0) {
        FinishRequest();
        return true;
      }
    } else if (resp_framing_ == Framing::kChunked) {
      std::string payload;
      ParseStatus st = resp_chunks_.Feed(up_->in_.view(), &n, dechunk_ ? &payload : nullptr);
      if (st == ParseStatus::kError) {
        Close();
        return true;
      }
      if (dechunk_) {
        out_.Append(payload);
        body_sent_ += payload.size();
      } else {
        out_.Append(up_->in_.view().substr(0, n));
        body_sent_ += n;
      }
      up_->in_.Consume(n);
      if (st == ParseStatus::kDone) {
        FinishRequest();
        return true;
      }
    } else {  // until close
      n = up_->in_.size();
      out_.Append(up_->in_.view());
      body_sent_ += n;
      up_->in_.Clear();
    }
    progress = progress || n > 0;
    if (n == 0) break;
  }
  return progress;
}

void ClientConn::OnUpstreamFailure(Failure f, const std::string& why) {
  DropUpstream();
  error_note_ = why;
  bool nothing_received = !resp_head_done_;
  bool replayable = req_framing_ == Framing::kNone && Idempotent(method_);
  if (nothing_received && replayable && f != Failure::kBadResponse && f != Failure::kTimeout &&
      attempts_ < kMaxAttempts) {
    w_->shared()->stats->upstream_retries++;
    endpoint_index_++;
    ConnectUpstream();  // on failure it answers 502
    Pump();             // this may run from the sweep, outside any Pump
    return;
  }
  if (!nothing_received) {
    Close();
    return;
  }
  int status = f == Failure::kTimeout ? 504 : 502;
  RespondLocal(status, {}, !req_body_done_, why);
  Pump();
}

void ClientConn::RespondLocal(int status, std::vector<std::pair<std::string, std::string>> headers, bool close,
                              const std::string& why) {
  if (close || client_eof_) keep_alive_ = false;
  if (!why.empty()) error_note_ = why;
  if (status >= 500) {
    LOG_WARN << status << " for " << method_ << " " << host_ << target_ << " from " << peer_ip_ << ": " << error_note_;
  } else {
    LOG_V(2) << status << " for " << method_ << " " << host_ << target_ << " from " << peer_ip_ << ": " << error_note_;
  }
  bool head_request = method_ == "HEAD";
  status_ = status;
  std::string resp = LocalResponse(status, head_request, keep_alive_, minor_, headers);
  body_sent_ = resp.size();
  out_.Append(resp);
  close_after_ = !keep_alive_;
  phase_ = Phase::kLocal;
  req_body_done_ = true;
  RecordRequest();
  ++requests_;
}

void ClientConn::FinishRequest() {
  bool reusable = resp_keep_alive_ && req_body_done_ && up_ && up_->in_.empty() &&
                  ++up_->requests_ < w_->shared()->options.upstream_keepalive_requests;
  if (up_) {
    up_->client_ = nullptr;
    w_->Release(up_, reusable);
    up_ = nullptr;
  }
  RecordRequest();
  ++requests_;
  close_after_ = !keep_alive_;
  phase_ = Phase::kLocal;  // drains out_, then reads the next request or closes
}

void ClientConn::RecordRequest() {
  ProxyShared& sh = *w_->shared();
  int64_t now = NowMs();
  double request_time = (now - start_ms_) / 1000.0;
  double upstream_time = upstream_addr_.empty() ? -1 : (now - upstream_start_ms_) / 1000.0;
  if (sh.options.access_log) {
    std::string line;
    AccessLogEntry e;
    e.remote_addr = peer_ip_;
    e.time = time(nullptr);
    e.method = method_;
    e.target = target_;
    e.minor = h2_ ? 2 : minor_;
    e.status = status_;
    e.body_bytes_sent = body_sent_;
    e.referer = referer_;
    e.user_agent = user_agent_;
    e.request_length = request_length_;
    e.request_time = request_time;
    std::string upstream_name = route_ && route_->backend ? route_->backend->UpstreamName() : "";
    std::string alternative = canary_ && backend_ ? backend_->UpstreamName() : "";
    e.upstream_name = upstream_name;
    e.alternative_upstream = alternative;
    e.upstream_addr = upstream_addr_;
    e.upstream_response_length = upstream_bytes_;
    e.upstream_response_time = upstream_time;
    e.upstream_status = upstream_status_;
    e.request_id = request_id_;
    AppendAccessLog(&line, e);
    w_->Log(line);
  }
  // The series of the previous request on this connection is reused when
  // the labels are the same (keep-alive clients mostly repeat themselves):
  // no label strings built, no map lookup. Series live as long as the shard.
  std::string_view method = method_.size() <= 16 ? std::string_view(method_) : std::string_view("OTHER");
  SeriesCache& c = series_cache_;
  uint64_t generation = table_ ? table_->generation : 0;
  if (!c.series || c.table != table_.get() || c.generation != generation || c.route != route_ || c.backend != backend_ || c.status != status_ ||
      c.method != method || c.host != host_) {
    RequestLabels labels;
    if (route_) {
      labels.ns = route_->ingress_ns;
      labels.ingress = route_->ingress_name;
      labels.path = route_->path;
      if (backend_) labels.service = backend_->service;
    }
    labels.host = host_;
    labels.method = method;
    labels.status = status_;
    ProxyStats::Shard& shard = sh.stats->shard(w_->index());
    std::lock_guard<std::mutex> lock(shard.mu);
    c = SeriesCache{table_.get(), generation, route_, backend_, status_, std::string(method), host_,
                    &shard.series[labels]};
  }
  std::lock_guard<std::mutex> lock(sh.stats->shard(w_->index()).mu);
  ProxyStats::Series& series = *c.series;
  series.requests++;
  series.bytes_sent += body_sent_;
  series.request_duration.Observe(request_time);
  if (upstream_time >= 0) series.upstream_duration.Observe(upstream_time);
}

void ClientConn::UpdateDeadline(int64_t now) {
  const ProxyOptions& o = w_->shared()->options;
  switch (phase_) {
    case Phase::kHandshake:
      deadline_ms_ = last_activity_ms_ + o.client_header_timeout_ms;
      break;
    case Phase::kHead:
      deadline_ms_ = last_activity_ms_ + (in_.empty() && requests_ > 0 ? o.keepalive_timeout_ms
                                                                         : o.client_header_timeout_ms);
      break;
    case Phase::kProxy: {
      int64_t d;
      if (up_ && up_->connecting_) d = upstream_start_ms_ + (route_ ? route_->options.connect_timeout_ms : 5000);
      else d = upstream_activity_ms_ + (route_ ? route_->options.read_timeout_ms : 60000);
      if (!req_body_done_) d = std::min(d, last_activity_ms_ + o.client_body_timeout_ms);
      deadline_ms_ = d;
      break;
    }
    case Phase::kTunnel:
      deadline_ms_ = std::max(upstream_activity_ms_, last_activity_ms_) +
                     (route_ ? route_->options.read_timeout_ms : 60000);
      break;
    case Phase::kLocal:
      deadline_ms_ = now + (route_ ? route_->options.send_timeout_ms : 60000);
      break;
  }
}

void ClientConn::CheckTimeout(int64_t now) {
  if (closed_ || now < deadline_ms_) return;
  switch (phase_) {
    case Phase::kHead:
      if (!in_.empty()) {
        method_ = "-";
        target_.clear();
        route_ = nullptr;
        backend_ = nullptr;
        start_ms_ = now;
        RespondLocal(408, {}, true, "client header timeout");
        Pump();
        return;
      }
      Close();
      return;
    case Phase::kProxy:
      if (!req_body_done_ && now >= last_activity_ms_ + w_->shared()->options.client_body_timeout_ms &&
          !resp_head_done_) {
        DropUpstream();
        RespondLocal(408, {}, true, "client body timeout");
        Pump();
        return;
      }
      if (up_ && up_->connecting_) {
        OnUpstreamFailure(Failure::kConnect, "upstream connect timed out");
        return;
      }
      OnUpstreamFailure(Failure::kTimeout, "upstream timed out");
      return;
    default:
      Close();
      return;
  }
}

}  // namespace netkube::ingress
