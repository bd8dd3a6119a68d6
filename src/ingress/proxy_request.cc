// ClientConn, the request side: a parsed head becomes a routing decision —
// a local answer (404, 403, redirects, 413, 503) or a chosen backend and
// endpoint (canary, affinity cookie, round-robin) with the head to send it.
#include <arpa/inet.h>
#include <re2/re2.h>

#include <random>

#include "ingress/proxy_client.h"
#include "ingress/proxy_format.h"
#include "util/hash.h"

namespace netkube::ingress {
namespace {

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

// The Host header without its port ("[::1]:80" -> "[::1]").
std::string HostWithoutPort(std::string_view host) {
  size_t colon = host.rfind(':');
  size_t bracket = host.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket) &&
      (bracket != std::string_view::npos || host.find(':') == colon))
    host = host.substr(0, colon);
  return std::string(host);
}

}  // namespace

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
  vhost_ = nullptr;
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
  vhost_ = m.vhost;
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

}  // namespace netkube::ingress
