// ClientConn: one client connection of the proxy and the requests on it, one
// at a time (pipelined requests wait in the input buffer). Its Pump moves
// bytes client → upstream and upstream → client until nothing moves, with
// back-pressure (neither side reads while the other's output holds more than
// kHighWater bytes). Requests are routed on arrival of their head; bodies and
// responses are streamed, never buffered whole.
//
// Thread-safety: used by its worker thread only.
#pragma once

#include <netinet/in.h>

#include <memory>
#include <string>

#include "ingress/proxy_format.h"
#include "ingress/proxy_internal.h"

namespace netkube::ingress {

class ClientConn : public Handler {
 public:
  ClientConn(Worker* w, int fd, SSL* ssl, const sockaddr_storage& peer, int listener_port);
  ~ClientConn() override;
  void OnEvents(uint32_t events) override;
  // Readiness of its upstream connection (called by UpstreamConn).
  void OnUpstreamEvents(uint32_t events);
  // Acts on expired deadlines.
  void CheckTimeout(int64_t now_ms);
  // Closes the connection (and its upstream) and retires the object.
  void Close();
  // Makes this the server end of `pipe` (an HTTP/2 stream): requests come
  // from and answers go to the pipe; the access log says HTTP/2.0.
  void AttachPipe(Pipe* pipe);
  // New bytes (or EOF) in the pipe: run.
  void Kick();

 private:
  enum class Phase { kHandshake, kHead, kProxy, kLocal, kTunnel };
  enum class Failure { kConnect, kReset, kTimeout, kBadResponse };

  void Pump();
  bool WantClientRead() const;
  bool ProcessInput();
  bool ProcessRequestBody();
  bool PumpUpstream();
  bool ProcessUpstreamInput();
  void AppendHead(const ResponseHead& resp, const ClientHeadParams& p);
  bool Handshake();
  void StartRequest(const RequestHead& head);
  void RespondLocal(int status, std::vector<std::pair<std::string, std::string>> headers = {},
                    bool close = false, const std::string& why = "");
  bool PickEndpoint(bool retry);
  bool ConnectUpstream();
  void OnUpstreamFailure(Failure f, const std::string& why);
  void FinishRequest();
  // Closes the upstream connection of the request (never reused).
  void DropUpstream();
  void RecordRequest();
  void UpdateDeadline(int64_t now_ms);

  Worker* w_;
  Sock sock_;
  bool tls_ = false;
  bool closed_ = false;
  bool h2_ = false;  // serves one HTTP/2 stream through a Pipe
  bool client_eof_ = false;
  std::string peer_ip_;
  sockaddr_storage peer_{};
  int listener_port_;
  Phase phase_;
  Buffer in_, out_;
  bool close_after_ = false;  // close once out_ is written
  int requests_ = 0;
  int64_t last_activity_ms_ = 0;
  int64_t deadline_ms_ = 0;

  // The current request.
  std::shared_ptr<const RouteTable> table_;  // keeps route_ and backend_ alive
  const Route* route_ = nullptr;
  const VirtualHost* vhost_ = nullptr;  // the matched virtual host (metrics label)
  const Backend* backend_ = nullptr;
  bool canary_ = false;
  std::string method_, target_, path_, host_, user_agent_, referer_, request_id_;
  int minor_ = 1;
  bool keep_alive_ = true;
  bool upgrade_ = false;
  bool upstream_shut_ = false;  // the tunnel's client half-closed: sent on upstream
  Framing req_framing_ = Framing::kNone;
  uint64_t req_remaining_ = 0;
  ChunkedScanner req_chunks_;
  bool req_body_done_ = true;
  uint64_t request_length_ = 0;
  std::string upstream_head_;
  int attempts_ = 0;
  size_t endpoint_index_ = 0;
  std::string upstream_addr_;
  std::string set_cookie_;
  UpstreamConn* up_ = nullptr;
  int64_t start_ms_ = 0, upstream_start_ms_ = 0, upstream_activity_ms_ = 0;

  // The current response.
  bool resp_head_done_ = false;
  int status_ = 0;
  int upstream_status_ = 0;
  Framing resp_framing_ = Framing::kNone;
  uint64_t resp_remaining_ = 0;
  ChunkedScanner resp_chunks_;
  bool dechunk_ = false;
  bool resp_keep_alive_ = true;
  uint64_t body_sent_ = 0;
  uint64_t upstream_bytes_ = 0;
  std::string error_note_;

  // The metrics series of the last request (RecordRequest).
  struct SeriesCache {
    // Route and backend pointers are only compared within one table (its
    // address and generation: a new table may reuse a freed one's address).
    const RouteTable* table = nullptr;
    uint64_t generation = 0;
    const Route* route = nullptr;
    const Backend* backend = nullptr;
    int status = 0;
    const VirtualHost* vhost = nullptr;
    std::string_view method;  // one of the known methods (a static string)
    ProxyStats::Series* series = nullptr;
  } series_cache_;
};

}  // namespace netkube::ingress
