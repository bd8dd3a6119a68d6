// Proxy: the serving edge of `netkube ingress`, an HTTP/1.1 and HTTPS (with
// HTTP/2 over ALPN "h2") reverse proxy that serves the current RouteTable.
//
// Threads: `threads` workers, each with its own epoll loop and its own
// SO_REUSEPORT listeners on the HTTP and HTTPS ports, so the kernel spreads
// connections and no lock is taken on the request path. Idle upstream
// keep-alive connections sit in one pool shared by every worker (a mutex
// held only to push or pop a connection), so a connection opened by one
// worker is reused by the others. The status listener (/healthz, /metrics)
// runs on one more thread.
//
// Routes: SetRoutes publishes a new table with one atomic store; a request
// uses the table that was current when its head arrived. Nothing is reloaded
// and no connection is closed by a change. Certificates named by the table
// are turned into TLS contexts in SetRoutes (only those whose Secret version
// changed); one that does not parse is reported through
// on_certificate_error and its hosts serve the default certificate.
//
// Thread-safety: SetRoutes, metrics() and Stop may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ingress/route_table.h"
#include "util/status.h"

namespace netkube::ingress {

struct ProxyOptions {
  std::string bind_address = "0.0.0.0";  // also "::" for both families
  int http_port = 80;     // --http-port; 0 = no HTTP listener
  int https_port = 443;   // --https-port; 0 = no HTTPS listener
  int status_port = 10254;  // /healthz, /metrics; 0 = none
  int threads = 0;          // workers; 0 = number of CPUs
  // PEM of the default certificate (for unknown names and broken Secrets);
  // "" = a self-signed "Kubernetes Ingress Controller Fake Certificate" made
  // at start, as ingress-nginx does.
  std::string default_cert_pem, default_key_pem;
  // Limits and timeouts (ingress-nginx defaults).
  size_t max_header_bytes = 32 * 1024;      // request head; larger → 431
  int client_header_timeout_ms = 60000;     // head must arrive within
  int client_body_timeout_ms = 60000;       // between two reads of a body
  int keepalive_timeout_ms = 75000;         // idle client connection
  int keepalive_requests = 1000;            // per client connection
  int upstream_keepalive_connections = 320; // idle pooled connections per worker (nginx's keepalive)
  int upstream_keepalive_timeout_ms = 60000;
  int upstream_keepalive_requests = 10000;
  // Trust X-Forwarded-For/-Proto/-Host/-Port from clients (another proxy in
  // front): the client address is appended to X-Forwarded-For and the
  // others are passed on; otherwise they are set from this connection.
  bool use_forwarded_headers = false;
  bool http2 = true;        // offer "h2" by ALPN on the HTTPS port (use-http2)
  bool access_log = true;  // one line per request on stdout (ingress-nginx's format)
};

struct ProxyStats;  // proxy_metrics.h

class Proxy {
 public:
  explicit Proxy(ProxyOptions options);
  ~Proxy();  // Stop()
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Binds every listener and starts the threads. Errors: a port in use, no
  // permission, a default certificate that does not parse.
  Status Start();
  // Stops accepting, closes every connection, joins the threads.
  void Stop();

  // Publishes `table` (never null) for new requests.
  void SetRoutes(std::shared_ptr<const RouteTable> table);
  // Whether a route table has been published (readiness: /healthz answers
  // 200 only after the first one, so the pod is Ready once it serves routes).
  bool HasRoutes() const;

  // Called from SetRoutes for a certificate that cannot be used:
  // (secret "ns/name", error text). Set before Start.
  std::function<void(const std::string&, const std::string&)> on_certificate_error;

  ProxyStats& stats();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace netkube::ingress
