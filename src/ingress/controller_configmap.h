// The controller's ConfigMap (--configmap ns/name, ingress-nginx's
// "ingress-nginx-controller"): the keys of ingress-nginx's ConfigMap that
// netkube honours, parsed into typed settings. Pure.
//
// Live keys (a ConfigMap edit is serving on the next reconcile, no restart):
//   proxy-body-size          default for routes without the annotation ("1m"; nginx sizes: 512, 8k, 1m, 1g; 0 = no limit)
//   proxy-connect-timeout    seconds (default 5)
//   proxy-read-timeout       seconds (default 60)
//   proxy-send-timeout       seconds (default 60)
//   ssl-redirect             true/false (default true)
//   force-ssl-redirect       true/false (default false)
// Each is the default of the nginx.ingress.kubernetes.io/ annotation of the
// same name: a route whose Ingress sets the annotation keeps its own value.
//
// Start-only keys (read when the controller starts; an edit is logged and
// needs a restart of the pod, as the listeners and pools are sized then):
//   keep-alive                       client keep-alive idle timeout, seconds (75)
//   keep-alive-requests              requests per client connection (1000)
//   upstream-keepalive-connections   idle upstream connections kept (320)
//   upstream-keepalive-timeout       seconds (60)
//   upstream-keepalive-requests      requests per upstream connection (10000)
//   client-header-timeout            seconds (60)
//   client-body-timeout              seconds (60)
//   large-client-header-buffers      "NUMBER SIZE" ("4 8k"): request heads up to NUMBER*SIZE bytes
//   disable-access-log               true/false (false)
//   use-forwarded-headers            true/false (false): trust X-Forwarded-* from clients
//   use-http2                        true/false (true): offer h2 by ALPN
//
// Every other key (allow-snippet-annotations,
// ssl-protocols, log-format-upstream, ...) is ignored. An invalid value is
// reported in `errors` and leaves that setting at its default.
//
// Sizes and booleans are read with annotations.h's ParseNginxSize and
// ParseBool, as the annotations of the same names.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingress/compile.h"
#include "ingress/proxy.h"
#include "ingress/route_table.h"

namespace netkube::ingress {

struct ConfigMapSettings {
  // Live.
  std::optional<int64_t> proxy_body_size;  // bytes; 0 = unlimited
  std::optional<int> proxy_connect_timeout_ms, proxy_read_timeout_ms, proxy_send_timeout_ms;
  std::optional<bool> ssl_redirect, force_ssl_redirect;
  // Start-only.
  std::optional<int> keepalive_timeout_ms, keepalive_requests;
  std::optional<int> upstream_keepalive_connections, upstream_keepalive_timeout_ms, upstream_keepalive_requests;
  std::optional<int> client_header_timeout_ms, client_body_timeout_ms;
  std::optional<size_t> max_header_bytes;
  std::optional<bool> disable_access_log;
  std::optional<bool> use_forwarded_headers, use_http2;

  std::vector<std::string> errors;  // "proxy-body-size: invalid value \"x\""

  bool HasLiveDefaults() const;
  // Whether the start-only settings of `a` and `b` are the same.
  static bool SameStartSettings(const ConfigMapSettings& a, const ConfigMapSettings& b);
};

// Parses a ConfigMap's data.
ConfigMapSettings ParseConfigMap(const std::map<std::string, std::string>& data);

// Copies the start-only settings into `options`.
void ApplyStartSettings(const ConfigMapSettings& settings, ProxyOptions* options);

// Sets the live defaults on every route of `table` whose Ingress (looked up
// in `snapshot` by the route's ingress_ns/ingress_name) does not set the
// matching annotation; routes of no Ingress (--default-backend-service) take
// them too.
void ApplyLiveDefaults(const ConfigMapSettings& settings, const Snapshot& snapshot, RouteTable* table);

}  // namespace netkube::ingress
