// Conn: one blocking HTTP/1.1 keep-alive connection for the load generator,
// over TLS (with an optional client certificate) or plain TCP.
//
// A Conn is used by one thread at a time. Nothing throws: failures come back as
// false with a message. Only loopback targets are meant (the benchmark runs in a
// private network namespace).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace netkube::bench {

struct TlsConfig {
  std::string ca_file;    // PEM CA that signed the server certificate
  std::string cert_file;  // PEM client certificate; "" = none
  std::string key_file;   // PEM client key
};

struct HttpResult {
  int status = 0;
  std::string body;
};

class Conn {
 public:
  // tls == nullptr means plain HTTP.
  Conn(std::string host, std::string port, const TlsConfig* tls);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Connects (and handshakes) now; Do() also connects lazily.
  bool Connect(std::string* err);

  // Sends one request and reads the whole response on the kept-alive
  // connection. Reconnects once when the server had closed it. `headers` are
  // extra "Name: value" lines joined by "\r\n" (may be empty).
  bool Do(std::string_view method, std::string_view target, std::string_view content_type,
          std::string_view body, std::string_view accept, HttpResult* out, std::string* err,
          std::string_view headers = {});

  // Sends a GET and reads a chunked streaming response, calling on_line for
  // every complete '\n'-terminated line as soon as it arrives, until the
  // server ends the stream, on_line returns false, or Abort() is called from
  // another thread. on_headers is called once with the status code.
  bool Stream(std::string_view target, const std::function<void(int status)>& on_headers,
              const std::function<bool(std::string_view line)>& on_line, std::string* err,
              std::string_view headers = {});

  // Shuts the socket down so that a blocked Stream/Do returns. Thread-safe.
  void Abort();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace netkube::bench
