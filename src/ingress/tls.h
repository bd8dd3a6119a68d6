// TlsContexts: the proxy's TLS state — one server SSL_CTX for every
// listener, the parsed certificate and key of each kubernetes.io/tls Secret
// (set on each connection by the certificate callback, chosen by SNI through
// the current route table: a few KiB per Secret rather than a context each),
// a default certificate for every other name, and one client SSL_CTX for
// backends with backend-protocol HTTPS.
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

  // Parses the table's certificates (reusing those whose Secret version did
  // not change) and publishes them with the table for SNI.
  // Returns (secret "ns/name", error) for every certificate of the table that
  // cannot be used (again on each call while it stays broken).
  std::vector<std::pair<std::string, std::string>> Update(std::shared_ptr<const RouteTable> table);

  // The context listeners start handshakes with (the default certificate; the
  // SNI callback switches it).
  SSL_CTX* server_context() const { return default_ctx_; }
  // For connections to HTTPS backends (no verification, as ingress-nginx's
  // proxy_ssl_verify off).
  SSL_CTX* client_context() const { return client_ctx_; }

  // A certificate chain and its key, parsed from PEM.
  struct CertKey;
  // Parses PEM text; error text when it does not load (no certificate, no
  // key, key does not match; expired is fine).
  static StatusOr<std::shared_ptr<const CertKey>> Parse(const std::string& cert_pem, const std::string& key_pem);
  // The certificate callback's choice for `server_name` ("" = no SNI), or
  // nullptr for the built-in default. Public for tests.
  std::shared_ptr<const CertKey> CertificateFor(const std::string& server_name) const;
  // The subject common name of a parsed certificate (tests, logs).
  static std::string CommonName(const CertKey& ck);
  // Puts `ck` on a connection being handshaken.
  static bool Use(SSL* ssl, const CertKey& ck);

  struct State;

 private:
  SSL_CTX* default_ctx_ = nullptr;
  SSL_CTX* client_ctx_ = nullptr;
  bool enable_h2_ = false;
  std::shared_ptr<const State> state_;  // read with std::atomic_load
};

// Self-signed certificate and key for `common_name` (PEM), EC P-256 or RSA
// 2048, for the default certificate and tests.
StatusOr<std::pair<std::string, std::string>> MakeSelfSigned(const std::string& common_name,
                                                             const std::vector<std::string>& dns_names,
                                                             bool rsa = false);

}  // namespace netkube::ingress
