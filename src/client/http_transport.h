// HttpTransport: HTTPS/1.1 to one API server (Boost.Beast over OpenSSL, kept
// out of this header).
//
// TLS: the server certificate is verified against the CA bundle (or the
// system's roots when none is given) and against the host name or IP address
// (an IP SAN for IPs), unless verification is switched off; a client
// certificate is presented when one is given.
//
// Whole requests (RoundTrip) share a pool of keep-alive connections: at most
// `max_idle_connections` idle ones are kept; more are opened while requests
// run concurrently. A request that fails on a reused connection before any
// response byte arrived (the server closed it while idle) is retried on
// another idle connection or, at last, on a fresh one. Streaming responses (OpenStream) get a connection of
// their own that is never pooled.
//
// Errors: ServiceUnavailable for connection, TLS and I/O failures, Timeout
// when a deadline passes; messages name the server and the cause.
//
// Thread-safety: HttpTransport is safe for concurrent use. A ResponseStream is
// used by one reader thread; Cancel() may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace netkube::client {

struct TransportOptions {
  std::string host;  // "127.0.0.1", "::1", "kubernetes.default.svc"
  int port = 443;
  std::string ca_pem;  // "" = the system's roots
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // verify this name instead of `host`
  std::string client_cert_pem;  // "" = no client certificate
  std::string client_key_pem;
  size_t max_idle_connections = 4;
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{60000};  // writing a request and reading its whole response
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // "/api/v1/pods?limit=1"
  std::string body;
  std::string content_type;                                  // sent when non-empty
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct HttpResponse {
  int code = 0;
  std::string content_type;
  std::string body;
};

// The body of one streamed response, read as it arrives.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual int code() const = 0;
  virtual const std::string& content_type() const = 0;
  // Waits for more of the body and appends it to `*out`. Returns OK with data,
  // OK with nothing appended at the end of the body (`*done` set), or an error
  // (the connection broke, nothing arrived for `idle_timeout`, or Cancel()).
  virtual Status Read(std::string* out, bool* done) = 0;
  // Reads the rest of the body (for error responses), within the request timeout.
  virtual StatusOr<std::string> ReadAll() = 0;
  // Unblocks a Read in progress and makes every later Read fail. Any thread.
  virtual void Cancel() = 0;
};

class HttpTransport {
 public:
  // BadRequest when the certificates or key cannot be loaded.
  static StatusOr<std::unique_ptr<HttpTransport>> Create(TransportOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends the request and reads the whole response (any HTTP code is OK here).
  StatusOr<HttpResponse> RoundTrip(const HttpRequest& request);

  // Sends the request on a new connection and reads the response header;
  // each Read of the body then waits at most `idle_timeout`.
  StatusOr<std::unique_ptr<ResponseStream>> OpenStream(const HttpRequest& request,
                                                       std::chrono::milliseconds idle_timeout);

  // "127.0.0.1:6443" for messages.
  std::string Authority() const;

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netkube::client
