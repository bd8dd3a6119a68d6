// TlsContexts: the proxy's TLS state — one server SSL_CTX per certificate
// (from kubernetes.io/tls Secrets), chosen per connection by SNI through the
// current route table, a default certificate for every other name, and one
// client SSL_CTX for backends with backend-protocol HTTPS.
//
// SNI: the requested name is looked up like a request host (exact, then
// wildcard, then host-less virtual host); a virtual host with a usable
// certificate gets it, every other name (and a client without SNI) the
// table's default_certificate (--default-ssl-certificate), else the
// built-in default. TLS 1.2 and
// 1.3 only; ALPN offers "h2" (when enabled) and "http/1.1". Sessions resume
// through tickets and a server-side cache.
//
// Thread-safety: Update from one thread at a time (the route publisher);
// ServerContext and the SNI callback from any thread (they read an atomic
// snapshot).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ingress/route_table.h"
#include "util/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace netkube::ingress {

class TlsContexts {
 public:
  TlsContexts();
  ~TlsContexts();
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  // Loads the default certificate (PEM); with both empty, makes a self-signed
  // "Kubernetes Ingress Controller Fake Certificate" (EC P-256, one year).
  Status Init(const std::string& cert_pem, const std::string& key_pem, bool enable_h2);

  // Builds contexts for the table's certificates (reusing those whose Secret
  // version did not change) and publishes them with the table for SNI.
  // Returns (secret "ns/name", error) for certificates that cannot be used.
  std::vector<std::pair<std::string, std::string>> Update(std::shared_ptr<const RouteTable> table);

  // The context listeners start handshakes with (the default certificate; the
  // SNI callback switches it).
  SSL_CTX* server_context() const { return default_ctx_; }
  // For connections to HTTPS backends (no verification, as ingress-nginx's
  // proxy_ssl_verify off).
  SSL_CTX* client_context() const { return client_ctx_; }

  // Builds a context from PEM text; error text when it does not load (no
  // certificate, no key, key does not match, expired is fine).
  static StatusOr<SSL_CTX*> MakeServerContext(const std::string& cert_pem, const std::string& key_pem,
                                              bool enable_h2);
  // The SNI callback's choice for `server_name` ("" = no SNI): a context, or
  // nullptr for the default. Public for tests.
  std::shared_ptr<SSL_CTX> ContextFor(const std::string& server_name) const;

  struct State;

 private:
  SSL_CTX* default_ctx_ = nullptr;
  SSL_CTX* client_ctx_ = nullptr;
  bool enable_h2_ = false;
  std::shared_ptr<const State> state_;  // read with std::atomic_load
};

// Self-signed certificate and key for `common_name` (PEM), for the default
// certificate and tests.
StatusOr<std::pair<std::string, std::string>> MakeSelfSigned(const std::string& common_name,
                                                             const std::vector<std::string>& dns_names);

}  // namespace netkube::ingress
