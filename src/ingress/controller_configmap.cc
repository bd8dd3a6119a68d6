#include "ingress/controller_configmap.h"

#include <cctype>
#include <limits>

#include "ingress/annotations.h"
#include "util/strings.h"

namespace netkube::ingress {
namespace {

// A non-negative integer, optionally followed by `suffix` (nginx times: "60s").
std::optional<int64_t> ParseCount(std::string_view text, std::string_view suffix = "") {
  std::string t(TrimSpace(text));
  if (!suffix.empty() && t.size() > suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0)
    t.resize(t.size() - suffix.size());
  if (t.empty() || t.size() > 12) return std::nullopt;
  int64_t n = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// "4 8k" → 32768.
std::optional<size_t> ParseHeaderBuffers(std::string_view text) {
  std::string t(TrimSpace(text));
  auto space = t.find_first_of(" \t");
  if (space == std::string::npos) return std::nullopt;
  auto number = ParseCount(t.substr(0, space));
  auto size = ParseNginxSize(t.substr(space + 1));
  if (!number || !size || *number == 0 || *size == 0) return std::nullopt;
  return static_cast<size_t>(*number * *size);
}

bool HasAnnotation(const IngressInfo* ingress, std::string_view name) {
  if (ingress == nullptr) return false;
  return ingress->annotations.count(std::string(kAnnotationPrefix) + std::string(name)) > 0;
}

void ApplyToRoute(const ConfigMapSettings& s, const Snapshot& snapshot, Route* route) {
  const IngressInfo* ingress = nullptr;
  if (!route->ingress_name.empty()) {
    auto it = snapshot.ingresses.find(route->ingress_ns + "/" + route->ingress_name);
    if (it != snapshot.ingresses.end()) ingress = &it->second;
  }
  RouteOptions& o = route->options;
  if (s.proxy_body_size && !HasAnnotation(ingress, "proxy-body-size")) o.proxy_body_size = *s.proxy_body_size;
  if (s.proxy_connect_timeout_ms && !HasAnnotation(ingress, "proxy-connect-timeout"))
    o.connect_timeout_ms = *s.proxy_connect_timeout_ms;
  if (s.proxy_read_timeout_ms && !HasAnnotation(ingress, "proxy-read-timeout"))
    o.read_timeout_ms = *s.proxy_read_timeout_ms;
  if (s.proxy_send_timeout_ms && !HasAnnotation(ingress, "proxy-send-timeout"))
    o.send_timeout_ms = *s.proxy_send_timeout_ms;
  if (s.ssl_redirect && !HasAnnotation(ingress, "ssl-redirect")) o.ssl_redirect = *s.ssl_redirect;
  if (s.force_ssl_redirect && !HasAnnotation(ingress, "force-ssl-redirect"))
    o.force_ssl_redirect = *s.force_ssl_redirect;
}

void ApplyToHost(const ConfigMapSettings& s, const Snapshot& snapshot, VirtualHost* vhost) {
  for (Route& r : vhost->routes) ApplyToRoute(s, snapshot, &r);
  if (vhost->default_route) ApplyToRoute(s, snapshot, &*vhost->default_route);
}

}  // namespace

bool ConfigMapSettings::HasLiveDefaults() const {
  return proxy_body_size || proxy_connect_timeout_ms || proxy_read_timeout_ms || proxy_send_timeout_ms ||
         ssl_redirect || force_ssl_redirect;
}

bool ConfigMapSettings::SameStartSettings(const ConfigMapSettings& a, const ConfigMapSettings& b) {
  return a.keepalive_timeout_ms == b.keepalive_timeout_ms && a.keepalive_requests == b.keepalive_requests &&
         a.upstream_keepalive_connections == b.upstream_keepalive_connections &&
         a.upstream_keepalive_timeout_ms == b.upstream_keepalive_timeout_ms &&
         a.upstream_keepalive_requests == b.upstream_keepalive_requests &&
         a.client_header_timeout_ms == b.client_header_timeout_ms &&
         a.client_body_timeout_ms == b.client_body_timeout_ms && a.max_header_bytes == b.max_header_bytes &&
         a.disable_access_log == b.disable_access_log && a.use_forwarded_headers == b.use_forwarded_headers &&
         a.use_http2 == b.use_http2;
}

ConfigMapSettings ParseConfigMap(const std::map<std::string, std::string>& data) {
  ConfigMapSettings s;
  auto invalid = [&s](const std::string& key, const std::string& value) {
    s.errors.push_back(key + ": invalid value \"" + value + "\"");
  };
  auto seconds = [&](const std::string& key, const std::string& value, std::optional<int>* out) {
    auto n = ParseCount(value, "s");
    if (!n || *n > std::numeric_limits<int>::max() / 1000) return invalid(key, value);  // ~24 days in ms
    *out = static_cast<int>(*n * 1000);
  };
  auto count = [&](const std::string& key, const std::string& value, std::optional<int>* out) {
    auto n = ParseCount(value);
    if (!n || *n > std::numeric_limits<int>::max()) return invalid(key, value);
    *out = static_cast<int>(*n);
  };
  auto boolean = [&](const std::string& key, const std::string& value, std::optional<bool>* out) {
    auto b = ParseBool(TrimSpace(value));
    if (!b) return invalid(key, value);
    *out = *b;
  };
  for (const auto& [key, value] : data) {
    if (key == "proxy-body-size") {
      auto n = ParseNginxSize(value);
      if (!n) invalid(key, value);
      else s.proxy_body_size = *n;
    } else if (key == "proxy-connect-timeout") {
      seconds(key, value, &s.proxy_connect_timeout_ms);
    } else if (key == "proxy-read-timeout") {
      seconds(key, value, &s.proxy_read_timeout_ms);
    } else if (key == "proxy-send-timeout") {
      seconds(key, value, &s.proxy_send_timeout_ms);
    } else if (key == "ssl-redirect") {
      boolean(key, value, &s.ssl_redirect);
    } else if (key == "force-ssl-redirect") {
      boolean(key, value, &s.force_ssl_redirect);
    } else if (key == "keep-alive") {
      seconds(key, value, &s.keepalive_timeout_ms);
    } else if (key == "keep-alive-requests") {
      count(key, value, &s.keepalive_requests);
    } else if (key == "upstream-keepalive-connections") {
      count(key, value, &s.upstream_keepalive_connections);
    } else if (key == "upstream-keepalive-timeout") {
      seconds(key, value, &s.upstream_keepalive_timeout_ms);
    } else if (key == "upstream-keepalive-requests") {
      count(key, value, &s.upstream_keepalive_requests);
    } else if (key == "client-header-timeout") {
      seconds(key, value, &s.client_header_timeout_ms);
    } else if (key == "client-body-timeout") {
      seconds(key, value, &s.client_body_timeout_ms);
    } else if (key == "large-client-header-buffers") {
      auto n = ParseHeaderBuffers(value);
      if (!n) invalid(key, value);
      else s.max_header_bytes = *n;
    } else if (key == "disable-access-log") {
      boolean(key, value, &s.disable_access_log);
    } else if (key == "use-forwarded-headers") {
      boolean(key, value, &s.use_forwarded_headers);
    } else if (key == "use-http2") {
      boolean(key, value, &s.use_http2);
    }
  }
  return s;
}

void ApplyStartSettings(const ConfigMapSettings& s, ProxyOptions* o) {
  if (s.keepalive_timeout_ms) o->keepalive_timeout_ms = *s.keepalive_timeout_ms;
  if (s.keepalive_requests) o->keepalive_requests = *s.keepalive_requests;
  if (s.upstream_keepalive_connections) o->upstream_keepalive_connections = *s.upstream_keepalive_connections;
  if (s.upstream_keepalive_timeout_ms) o->upstream_keepalive_timeout_ms = *s.upstream_keepalive_timeout_ms;
  if (s.upstream_keepalive_requests) o->upstream_keepalive_requests = *s.upstream_keepalive_requests;
  if (s.client_header_timeout_ms) o->client_header_timeout_ms = *s.client_header_timeout_ms;
  if (s.client_body_timeout_ms) o->client_body_timeout_ms = *s.client_body_timeout_ms;
  if (s.max_header_bytes) o->max_header_bytes = *s.max_header_bytes;
  if (s.disable_access_log) o->access_log = !*s.disable_access_log;
  if (s.use_forwarded_headers) o->use_forwarded_headers = *s.use_forwarded_headers;
  if (s.use_http2) o->http2 = *s.use_http2;
}

void ApplyLiveDefaults(const ConfigMapSettings& s, const Snapshot& snapshot, RouteTable* table) {
  if (!s.HasLiveDefaults()) return;
  for (auto& [host, vhost] : table->exact_hosts) ApplyToHost(s, snapshot, &vhost);
  for (auto& [host, vhost] : table->wildcard_hosts) ApplyToHost(s, snapshot, &vhost);
  ApplyToHost(s, snapshot, &table->any_host);
  if (table->default_route) ApplyToRoute(s, snapshot, &*table->default_route);
}

}  // namespace netkube::ingress
