// The route table: what the ingress proxy serves, as plain values. compile.h
// builds it from the cluster's objects (pure); the proxy swaps whole tables
// atomically (readers hold a shared_ptr to the table they started with and
// never lock). Matching (Match below) is pure too.
//
// Semantics (networking.k8s.io/v1, with ingress-nginx's choices where the API
// leaves them to the controller):
//   Hosts. A request's host is the Host header (or :authority) without its
//   port, lower-cased, trailing dot removed. An exact host beats a wildcard
//   one ("*.foo.com" covers exactly one more label: bar.foo.com, not
//   foo.com or a.b.foo.com); a wildcard beats the host-less rules. Only one
//   virtual host is chosen: its routes are tried, then its default route
//   (the owning Ingress's defaultBackend), then the table's default route;
//   a host-less rule does not catch a path a named host does not have.
//   Paths. Exact: the whole path, case-sensitive. Prefix: element-wise on
//   '/', case-sensitive, trailing '/' ignored on both sides ("/foo" matches
//   "/foo", "/foo/", "/foo/bar", not "/foobar"). ImplementationSpecific is
//   Prefix. Regex (use-regex or rewrite-target on the Ingress, as
//   ingress-nginx): an RE2 pattern matched case-insensitively at the start of
//   the path. Among the routes that match, the longest path wins (a Prefix
//   path's trailing '/' not counted, so Exact "/foo" beats Prefix "/foo/" on
//   "/foo"); on a tie Exact beats Prefix beats Regex; then the oldest
//   Ingress, then declaration order.
//   Routes are kept sorted in that order, so the first match is the answer.
//
// Thread-safety: a RouteTable is immutable once built; any number of threads
// may read one. Backend::next is the only mutable member (an atomic
// round-robin cursor).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace re2 {
class RE2;
}

namespace netkube::ingress {

enum class PathType { kExact, kPrefix, kImplementationSpecific, kRegex };

// One IPv4/IPv6 network for allowlists: address bytes and prefix length.
struct Cidr {
  // 4 or 6. 0 matches nothing: annotations.h puts one such entry in an
  // allowlist that did not parse, so a broken allowlist denies everyone.
  uint8_t family = 4;
  uint8_t bytes[16] = {};
  int prefix = 0;
  // "10.0.0.0/8", "10.1.2.3" (a /32), "fd00::/8"; nullopt when invalid
  // (no spaces allowed). Host bits are cleared ("10.1.2.3/8" = 10.0.0.0/8).
  static std::optional<Cidr> Parse(std::string_view text);
  // Whether `addr` (4 or 16 bytes, network order) lies inside. An IPv4 range
  // also contains the IPv4-mapped form ::ffff:a.b.c.d (dual-stack sockets).
  bool Contains(const uint8_t* addr, int family) const;
};

// An address the proxy may connect to for a backend.
struct Endpoint {
  std::string ip;  // "10.244.1.5" or "fd00::5"
  uint16_t port = 0;
  std::string pod;   // targetRef name, for logs ("" when unknown)
  bool ready = true;  // false: serving but terminating (used only when nothing is ready)
};

// A Service port resolved to endpoints. Shared by every route that names the
// same namespace/service/port.
struct Backend {
  std::string ns;
  std::string service;
  std::string port;  // as written in the Ingress: a number or a port name
  // "" when endpoints are usable; otherwise why the backend answers 503
  // ("service \"default/web\" not found", "no ready endpoints", ...).
  std::string error;
  // Ready endpoints; only when none is ready, serving terminating ones.
  std::vector<Endpoint> endpoints;
  bool https = false;  // backend-protocol: HTTPS
  // Round-robin cursor: each pick takes next++ % endpoints.size(). Starts at
  // a random offset, so tables rebuilt often still spread load.
  mutable std::atomic<uint64_t> next{0};

  // "ns-service-port", as ingress-nginx names upstreams (logs, metrics).
  std::string UpstreamName() const;
};

// ingress-nginx annotation settings of a route (nginx.ingress.kubernetes.io/*).
struct RouteOptions {
  std::string rewrite_target;          // "" = none; may use $1.. from a regex path
  bool ssl_redirect = true;            // only acts when the host has TLS
  bool force_ssl_redirect = false;     // redirect even without TLS on the host
  int64_t proxy_body_size = 1 << 20;   // bytes; 0 = unlimited ("1m" default)
  int connect_timeout_ms = 5000;       // proxy-connect-timeout (s)
  int read_timeout_ms = 60000;         // proxy-read-timeout
  int send_timeout_ms = 60000;         // proxy-send-timeout
  std::string affinity_cookie;         // affinity: cookie → session-cookie-name (default INGRESSCOOKIE); "" = off
  std::vector<Cidr> allowlist;         // allowlist-source-range; empty = everyone
  std::string permanent_redirect;      // "" = none
  int permanent_redirect_code = 301;
  std::string app_root;                // "" = none; redirects "/" there (302)
};

// A canary backend attached to a route (canary annotations on another Ingress
// with the same host and path).
struct Canary {
  std::shared_ptr<Backend> backend;
  std::string header;        // canary-by-header: "always" → canary, "never" → main
  std::string header_value;  // canary-by-header-value: that value → canary
  int weight = 0;            // canary-weight, out of weight_total
  int weight_total = 100;
};

struct Route {
  std::string path;  // as written ("/" for a defaultBackend route)
  PathType type = PathType::kPrefix;
  std::shared_ptr<const re2::RE2> regex;  // kRegex only
  std::shared_ptr<Backend> backend;
  std::optional<Canary> canary;
  RouteOptions options;
  std::string ingress_ns, ingress_name;  // the Ingress this route came from
  int64_t created = 0;                   // the Ingress's creationTimestamp (ordering)
};

// The routes of one host (or of every host, for rules without one).
struct VirtualHost {
  std::string host;  // "foo.com", "*.foo.com", or "" (any host)
  std::vector<Route> routes;  // sorted: first match wins (see above)
  std::optional<Route> default_route;  // an Ingress defaultBackend of this host's Ingress
  std::string tls_secret;  // "ns/name" of the certificate for this host; "" = no TLS section
  bool has_tls = false;    // a tls section names this host (ssl-redirect applies)
};

// PEM material from a kubernetes.io/tls Secret.
struct Certificate {
  std::string key;  // "ns/name"
  std::string cert_pem;
  std::string key_pem;
  std::string version;  // resourceVersion, to rebuild contexts only on change
};

struct RouteTable {
  std::unordered_map<std::string, VirtualHost> exact_hosts;     // by lower-case host
  std::unordered_map<std::string, VirtualHost> wildcard_hosts;  // by suffix ".foo.com"
  VirtualHost any_host;                                         // rules without host
  std::optional<Route> default_route;  // the oldest host-less defaultBackend, or --default-backend-service
  std::map<std::string, Certificate> certificates;  // by "ns/name"
  // --default-ssl-certificate when its Secret is usable ("" = the built-in
  // fake certificate): served for names without a certificate of their own
  // and to clients without SNI; a rotated Secret is picked up live.
  std::string default_certificate;
  uint64_t generation = 0;
};

struct MatchResult {
  const VirtualHost* vhost = nullptr;  // nullptr: no host matched (any_host had nothing)
  const Route* route = nullptr;        // nullptr: 404 from the controller's default backend
};

// Canonical request host: lower case, port and trailing dot removed.
// "Foo.COM.:8080" → "foo.com"; an IPv6 literal keeps its brackets:
// "[::1]:80" → "[::1]".
std::string NormalizeHost(std::string_view host_header);
// Whether `rule_path` (Prefix semantics) matches `path`.
bool PrefixMatch(std::string_view rule_path, std::string_view path);
// The virtual host for `host` (already normalised): the exact host, else the
// wildcard covering its first label, else any_host when it has routes or a
// default route; nullptr when none. Also what SNI uses to pick tls_secret.
const VirtualHost* FindHost(const RouteTable& table, std::string_view host);
// The route for a request. `host` is normalised (NormalizeHost, once per
// request); `path` is the request path without query, already normalised
// by the caller (percent-decoding and dot segments are the HTTP layer's).
// Falls back to the vhost's default route, then the table's; route ==
// nullptr means 404. Does not allocate for Exact and Prefix routes.
MatchResult Match(const RouteTable& table, std::string_view host, std::string_view path);

}  // namespace netkube::ingress
