// H2Conn: an HTTP/2 client connection (TLS with ALPN "h2"), served with
// libnghttp2's server session. Each stream becomes an HTTP/1.1 request on a
// Pipe to its own ClientConn (proxy_client.h), so routing, upstream pooling,
// retries, timeouts, metrics and the access log are the same code as for
// HTTP/1.1 clients; the answer coming back is turned into HEADERS and DATA
// frames. Request bodies without content-length travel chunked. Upgrades
// (WebSocket over HTTP/2, RFC 8441) are not offered.
//
// Thread-safety: used by its worker thread only.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "ingress/proxy_internal.h"

typedef struct nghttp2_session nghttp2_session;

namespace netkube::ingress {

class H2Conn : public Handler {
 public:
  H2Conn(Worker* w, Sock sock, const sockaddr_storage& peer);
  ~H2Conn() override;
  // Sends the server preface; false when the session cannot start.
  bool Start();
  void OnEvents(uint32_t events) override;
  // Idle connections (no stream for the keep-alive timeout) are closed by
  // the worker's sweep.
  bool IdleTooLong(int64_t now_ms, int timeout_ms) const;
  void Expire();

  struct Stream;

 private:
  friend struct H2Callbacks;
  void Pump();
  void Close();
  // Moves a stream's answer from its pipe into the session.
  void Drain(Stream* s);
  void StartStream(Stream* s);

  Worker* w_;
  Sock sock_;
  sockaddr_storage peer_;
  nghttp2_session* session_ = nullptr;
  Buffer in_, out_;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  std::set<int32_t> backlogged_;  // streams with answer bytes waiting in their pipe (see Pump)
  bool closed_ = false;
  bool in_pump_ = false;
  int64_t last_activity_ms_ = 0;
};

}  // namespace netkube::ingress
