// ClientConn, the upstream side: connecting (pooled or new, retrying other
// endpoints), sending the request, reading the answer and relaying it to the
// client by its framing, and finishing or failing the exchange.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cstring>

#include "ingress/proxy_client.h"
#include "ingress/proxy_format.h"

namespace netkube::ingress {
namespace {

constexpr int kMaxAttempts = 3;  // proxy_next_upstream_tries, as ingress-nginx

bool Idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

bool ParseAddress(const std::string& ip, uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

bool ClientConn::ConnectUpstream() {
  while (attempts_ < kMaxAttempts) {
    const Endpoint& e = backend_->endpoints[endpoint_index_ % backend_->endpoints.size()];
    ++attempts_;
    upstream_addr_ = e.ip.find(':') != std::string::npos ? "[" + e.ip + "]:" + std::to_string(e.port)
                                                         : e.ip + ":" + std::to_string(e.port);
    std::string key = backend_->https ? upstream_addr_ + "/tls" : upstream_addr_;
    UpstreamConn* c = w_->Checkout(key);
    if (!c) {
      sockaddr_storage ss;
      socklen_t len;
      if (ParseAddress(e.ip, e.port, &ss, &len)) c = w_->Connect(key, ss, len, backend_->https);
    }
    if (c) {
      up_ = c;
      up_->client_ = this;
      up_->in_.Clear();
      up_->out_.Clear();
      up_->out_.Append(upstream_head_);
      upstream_start_ms_ = upstream_activity_ms_ = NowMs();
      return true;
    }
    endpoint_index_++;
  }
  RespondLocal(502, {}, !req_body_done_, "cannot connect to any endpoint");
  return false;
}

bool ClientConn::PumpUpstream() {
  bool progress = false;
  UpstreamConn* u = up_;
  if (u->connecting_) return false;
  if (u->handshaking_) {
    ERR_clear_error();
    int r = SSL_do_handshake(u->sock_.ssl);
    if (r != 1) {
      int e = SSL_get_error(u->sock_.ssl, r);
      if (e == SSL_ERROR_WANT_READ) u->sock_.can_read = false;
      else if (e == SSL_ERROR_WANT_WRITE) u->sock_.can_write = false;
      else OnUpstreamFailure(Failure::kConnect, "TLS handshake with the backend failed");
      return false;
    }
    u->handshaking_ = false;
    progress = true;
  }
  if (!u->out_.empty() && u->sock_.can_write) {
    size_t wrote = 0;
    if (!u->sock_.WriteFrom(&u->out_, &wrote)) {
      OnUpstreamFailure(Failure::kReset, "connection reset while sending the request");
      return true;
    }
    if (wrote) progress = true;
    if (phase_ == Phase::kTunnel && client_eof_ && u->out_.empty() && !upstream_shut_) {
      shutdown(u->sock_.fd, SHUT_WR);
      upstream_shut_ = true;
    }
  }
  if (u->sock_.can_read && out_.size() < kHighWater) {
    bool eof = false;
    size_t got = 0;
    bool ok = u->sock_.ReadInto(&u->in_, u->in_.size() + 64 * 1024, &eof, &got);
    if (got) {
      progress = true;
      upstream_activity_ms_ = NowMs();
      upstream_bytes_ += got;
    }
    progress |= ProcessUpstreamInput();
    if (closed_ || up_ != u) return true;
    if (!ok) {
      if (phase_ == Phase::kTunnel) {
        // The backend ended the tunnel: finish writing, then close.
        DropUpstream();
        close_after_ = true;
        phase_ = Phase::kLocal;
        return true;
      }
      if (resp_head_done_ && resp_framing_ == Framing::kUntilClose && eof) {
        resp_keep_alive_ = false;
        FinishRequest();
        return true;
      }
      if (!resp_head_done_ && upstream_bytes_ == 0) {
        OnUpstreamFailure(Failure::kReset, eof ? "upstream closed the connection" : "connection reset by upstream");
        return true;
      }
      if (!resp_head_done_) {
        OnUpstreamFailure(Failure::kBadResponse, "upstream closed the connection before a whole response head");
        return true;
      }
      // Truncated body: the client sees the connection end, as with nginx.
      Close();
      return true;
    }
  } else {
    progress |= ProcessUpstreamInput();
  }
  return progress;
}

void ClientConn::AppendHead(const ResponseHead& resp, const ClientHeadParams& p) {
  std::string head;
  AppendClientHead(&head, resp, p);
  out_.Append(head);
}

bool ClientConn::ProcessUpstreamInput() {
  bool progress = false;
  while (up_ && !up_->in_.empty()) {
    if (phase_ == Phase::kTunnel) {
      out_.Append(up_->in_.view());
      up_->in_.Clear();
      return true;
    }
    if (!resp_head_done_) {
      ResponseHead resp;
      ParseError err;
      ParseStatus st = ParseResponseHead(up_->in_.view(), 64 * 1024, method_, &resp, &err);
      if (st == ParseStatus::kIncomplete) return progress;
      if (st == ParseStatus::kError) {
        OnUpstreamFailure(Failure::kBadResponse, err.message);
        return true;
      }
      progress = true;
      if (resp.status / 100 == 1 && resp.status != 101) {
        // Interim answers (100 Continue) go to HTTP/1.1 clients as they are.
        if (minor_ == 1) AppendHead(resp, ClientHeadParams{1, true, false, {}});
        up_->in_.Consume(resp.head_size);
        continue;
      }
      upstream_status_ = status_ = resp.status;
      resp_head_done_ = true;
      if (resp.status == 101) {
        if (!upgrade_) {
          OnUpstreamFailure(Failure::kBadResponse, "upstream switched protocols without an upgrade request");
          return true;
        }
        AppendHead(resp, ClientHeadParams{minor_, true, false, {}});
        up_->in_.Consume(resp.head_size);
        body_sent_ = 0;
        phase_ = Phase::kTunnel;
        req_body_done_ = true;
        RecordRequest();
        continue;
      }
      resp_framing_ = resp.framing;
      resp_remaining_ = resp.content_length;
      resp_chunks_ = ChunkedScanner();
      resp_keep_alive_ = resp.keep_alive;
      dechunk_ = resp.framing == Framing::kChunked && minor_ == 0;
      if (resp.framing == Framing::kUntilClose || dechunk_) keep_alive_ = false;
      if (!req_body_done_) keep_alive_ = false;  // an early answer: the rest of the body is not read
      AppendHead(resp, ClientHeadParams{minor_, keep_alive_, dechunk_, set_cookie_});
      up_->in_.Consume(resp.head_size);
      if (resp_framing_ == Framing::kNone) {
        FinishRequest();
        return true;
      }
      continue;
    }
    // The body.
    size_t n = 0;
    if (resp_framing_ == Framing::kLength) {
      n = std::min<uint64_t>(up_->in_.size(), resp_remaining_);
      out_.Append(up_->in_.view().substr(0, n));
      resp_remaining_ -= n;
      body_sent_ += n;
      up_->in_.Consume(n);
      if (resp_remaining_ == 0) {
        FinishRequest();
        return true;
      }
    } else if (resp_framing_ == Framing::kChunked) {
      std::string payload;
      ParseStatus st = resp_chunks_.Feed(up_->in_.view(), &n, dechunk_ ? &payload : nullptr);
      if (st == ParseStatus::kError) {
        Close();
        return true;
      }
      if (dechunk_) {
        out_.Append(payload);
        body_sent_ += payload.size();
      } else {
        out_.Append(up_->in_.view().substr(0, n));
        body_sent_ += n;
      }
      up_->in_.Consume(n);
      if (st == ParseStatus::kDone) {
        FinishRequest();
        return true;
      }
    } else {  // until close
      n = up_->in_.size();
      out_.Append(up_->in_.view());
      body_sent_ += n;
      up_->in_.Clear();
    }
    progress = progress || n > 0;
    if (n == 0) break;
  }
  return progress;
}

void ClientConn::OnUpstreamFailure(Failure f, const std::string& why) {
  DropUpstream();
  error_note_ = why;
  bool nothing_received = !resp_head_done_;
  bool replayable = req_framing_ == Framing::kNone && Idempotent(method_);
  if (nothing_received && replayable && f != Failure::kBadResponse && f != Failure::kTimeout &&
      attempts_ < kMaxAttempts) {
    w_->shared()->stats->upstream_retries++;
    endpoint_index_++;
    ConnectUpstream();  // on failure it answers 502
    Pump();             // this may run from the sweep, outside any Pump
    return;
  }
  if (!nothing_received) {
    Close();
    return;
  }
  int status = f == Failure::kTimeout ? 504 : 502;
  RespondLocal(status, {}, !req_body_done_, why);
  Pump();
}

void ClientConn::FinishRequest() {
  bool reusable = resp_keep_alive_ && req_body_done_ && up_ && up_->in_.empty() &&
                  ++up_->requests_ < w_->shared()->options.upstream_keepalive_requests;
  if (up_) {
    up_->client_ = nullptr;
    w_->Release(up_, reusable);
    up_ = nullptr;
  }
  RecordRequest();
  ++requests_;
  close_after_ = !keep_alive_;
  phase_ = Phase::kLocal;  // drains out_, then reads the next request or closes
}

}  // namespace netkube::ingress
