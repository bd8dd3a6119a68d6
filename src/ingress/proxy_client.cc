// ClientConn: one client connection — its lifecycle, the pump that moves
// bytes both ways, request bodies, local answers, logging and metrics, and
// timeouts. The request side is proxy_request.cc, the upstream side
// proxy_exchange.cc.
#include "ingress/proxy_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstring>

#include "ingress/proxy_format.h"
#include "util/log.h"

namespace netkube::ingress {
namespace {

// The method label of a request: a known method, else "OTHER".
std::string_view MetricMethod(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"})
    if (m == known) return known;
  return "OTHER";
}

}  // namespace

ClientConn::ClientConn(Worker* w, int fd, SSL* ssl, const sockaddr_storage& peer, int listener_port)
    : w_(w), peer_(peer), listener_port_(listener_port) {
  sock_.fd = fd;
  sock_.ssl = ssl;
  tls_ = ssl != nullptr;
  phase_ = tls_ ? Phase::kHandshake : Phase::kHead;
  char buf[INET6_ADDRSTRLEN] = "";
  if (peer.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&peer)->sin_addr, buf, sizeof(buf));
  } else {
    const auto* a6 = &reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) inet_ntop(AF_INET, reinterpret_cast<const uint8_t*>(a6) + 12, buf, sizeof(buf));
    else inet_ntop(AF_INET6, a6, buf, sizeof(buf));
  }
  peer_ip_ = buf;
  last_activity_ms_ = NowMs();
  UpdateDeadline(last_activity_ms_);
  if (fd >= 0) w_->shared()->stats->connections_active++;
}

ClientConn::~ClientConn() { sock_.Close(); }

void ClientConn::DropUpstream() {
  if (!up_) return;
  up_->client_ = nullptr;
  w_->Release(up_, false);
  up_ = nullptr;
}

void ClientConn::AttachPipe(Pipe* pipe) {
  sock_.pipe = pipe;
  tls_ = true;
  h2_ = true;
  phase_ = Phase::kHead;
}

void ClientConn::Kick() {
  if (closed_) return;
  sock_.can_read = sock_.can_write = true;
  Pump();
}

void ClientConn::Close() {
  if (closed_) return;
  closed_ = true;
  Pipe* pipe = sock_.pipe;
  DropUpstream();
  sock_.Close();
  if (!pipe) w_->shared()->stats->connections_active--;
  auto it = w_->clients().find(this);
  if (it != w_->clients().end()) {
    it->second.release();
    w_->clients().erase(it);
  }
  w_->Retire(this);
  if (pipe && pipe->notify) pipe->notify();
}

void ClientConn::OnEvents(uint32_t events) {
  if (closed_) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) sock_.can_read = true;
  if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) sock_.rdhup = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) sock_.can_write = true;
  Pump();
}

void ClientConn::OnUpstreamEvents(uint32_t events) {
  if (closed_ || !up_) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) up_->sock_.can_read = true;
  if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) up_->sock_.rdhup = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) up_->sock_.can_write = true;
  if (up_->connecting_) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(up_->sock_.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      OnUpstreamFailure(Failure::kConnect, std::strerror(err));
      return;
    }
    up_->connecting_ = false;
    if (up_->handshaking_) {
      up_->sock_.ssl = SSL_new(w_->shared()->tls->client_context());
      SSL_set_fd(up_->sock_.ssl, up_->sock_.fd);
      SSL_set_connect_state(up_->sock_.ssl);
    }
  }
  Pump();
}

bool ClientConn::Handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(sock_.ssl);
  if (r == 1) {
    w_->shared()->stats->tls_handshakes++;
    phase_ = Phase::kHead;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(sock_.ssl, &alpn, &alpn_len);
    if (alpn_len == 2 && alpn[0] == 'h' && alpn[1] == '2') {
      // The connection speaks HTTP/2 from here: hand the socket over.
      Sock s = sock_;
      sock_.fd = -1;
      sock_.ssl = nullptr;
      sockaddr_storage peer = peer_;
      Worker* w = w_;
      Close();
      w->AdoptH2(s, peer);
      return false;
    }
    return true;
  }
  int e = SSL_get_error(sock_.ssl, r);
  if (e == SSL_ERROR_WANT_READ) {
    sock_.can_read = false;
    return false;
  }
  if (e == SSL_ERROR_WANT_WRITE) {
    sock_.can_write = false;
    return false;
  }
  w_->shared()->stats->tls_handshake_errors++;
  Close();
  return false;
}

bool ClientConn::WantClientRead() const {
  const auto& o = w_->shared()->options;
  switch (phase_) {
    case Phase::kHandshake:
      return false;
    case Phase::kHead:
      return in_.size() <= o.max_header_bytes;
    case Phase::kProxy:
      if (!req_body_done_) return up_ && up_->out_.size() < kHighWater && in_.size() < kHighWater;
      return in_.size() < 64 * 1024 && !client_eof_;
    case Phase::kTunnel:
      return up_ && up_->out_.size() < kHighWater && !client_eof_;
    case Phase::kLocal:
      return !close_after_ && in_.size() < 64 * 1024 && !client_eof_;
  }
  return false;
}

void ClientConn::Pump() {
  for (int spin = 0; spin < 256 && !closed_; ++spin) {
    bool progress = false;
    if (phase_ == Phase::kHandshake) {
      if (!Handshake()) {
        if (!closed_) UpdateDeadline(NowMs());
        return;
      }
      progress = true;
    }
    if (sock_.can_read && WantClientRead()) {
      bool eof = false;
      size_t got = 0;
      if (!sock_.ReadInto(&in_, in_.size() + 64 * 1024, &eof, &got)) {
        if (!eof) return Close();
        client_eof_ = true;  // acted on below, once what was read is processed
      }
      if (got) {
        progress = true;
        last_activity_ms_ = NowMs();
        if (phase_ == Phase::kTunnel) upstream_activity_ms_ = last_activity_ms_;
      }
    }
    progress |= ProcessInput();
    if (closed_) return;
    if (client_eof_) {
      // A client that goes away between requests, or before its request
      // is complete, ends the connection; one that half-closes after a
      // whole request still gets its answer.
      if (phase_ == Phase::kHead || (phase_ == Phase::kProxy && !req_body_done_)) return Close();
      if (phase_ == Phase::kTunnel && up_ && up_->out_.empty() && !up_->connecting_ && !upstream_shut_) {
        shutdown(up_->sock_.fd, SHUT_WR);
        upstream_shut_ = true;
      }
    }
    if (up_) {
      progress |= PumpUpstream();
      if (closed_) return;
    }
    if (!out_.empty() && sock_.can_write) {
      size_t wrote = 0;
      if (!sock_.WriteFrom(&out_, &wrote)) return Close();
      if (wrote) progress = true;
    }
    if (phase_ == Phase::kLocal && out_.empty()) {
      if (close_after_) return Close();
      phase_ = Phase::kHead;
      progress = true;
    }
    if (phase_ == Phase::kTunnel && client_eof_ && !up_ && out_.empty()) return Close();
    if (!progress) break;
  }
  if (closed_) return;
  UpdateDeadline(NowMs());
  if (sock_.pipe && sock_.pipe->notify) sock_.pipe->notify();
}

bool ClientConn::ProcessInput() {
  if (phase_ == Phase::kHead) {
    if (in_.empty()) return false;
    RequestHead head;
    ParseError err;
    ParseStatus st = ParseRequestHead(in_.view(), w_->shared()->options.max_header_bytes, &head, &err);
    if (st == ParseStatus::kIncomplete) return false;
    if (st == ParseStatus::kError) {
      w_->shared()->stats->bad_requests++;
      start_ms_ = NowMs();
      method_ = "-";
      target_.clear();
      minor_ = 1;
      route_ = nullptr;
      backend_ = nullptr;
      request_id_ = NewRequestId();
      request_length_ = in_.size();
      RespondLocal(err.status, {}, true, err.message);
      in_.Clear();
      return true;
    }
    StartRequest(head);
    return true;
  }
  if (phase_ == Phase::kProxy && !req_body_done_) return ProcessRequestBody();
  if (phase_ == Phase::kTunnel && up_ && !in_.empty()) {
    up_->out_.Append(in_.view());
    in_.Clear();
    return true;
  }
  return false;
}

bool ClientConn::ProcessRequestBody() {
  if (req_body_done_ || !up_ || in_.empty() || up_->out_.size() >= kHighWater) return false;
  size_t n = 0;
  if (req_framing_ == Framing::kLength) {
    n = std::min<uint64_t>(in_.size(), req_remaining_);
    req_remaining_ -= n;
    if (req_remaining_ == 0) req_body_done_ = true;
  } else {
    ParseStatus st = req_chunks_.Feed(in_.view(), &n);
    int64_t limit = route_ ? route_->options.proxy_body_size : 0;
    bool too_big = limit > 0 && req_chunks_.payload_bytes() > static_cast<uint64_t>(limit);
    if (st == ParseStatus::kError || too_big) {
      if (st == ParseStatus::kError) w_->shared()->stats->bad_requests++;
      if (resp_head_done_) {
        Close();
        return true;
      }
      DropUpstream();
      if (too_big) RespondLocal(413, {}, true, "request body larger than proxy-body-size");
      else RespondLocal(400, {}, true, "invalid chunked body");
      return true;
    }
    if (st == ParseStatus::kDone) req_body_done_ = true;
  }
  if (n == 0) return false;
  request_length_ += n;
  up_->out_.Append(in_.view().substr(0, n));
  in_.Consume(n);
  return true;
}

void ClientConn::RespondLocal(int status, std::vector<std::pair<std::string, std::string>> headers, bool close,
                              const std::string& why) {
  if (close || client_eof_) keep_alive_ = false;
  if (!why.empty()) error_note_ = why;
  if (status >= 500) {
    LOG_WARN << status << " for " << method_ << " " << host_ << target_ << " from " << peer_ip_ << ": " << error_note_;
  } else {
    LOG_V(2) << status << " for " << method_ << " " << host_ << target_ << " from " << peer_ip_ << ": " << error_note_;
  }
  bool head_request = method_ == "HEAD";
  status_ = status;
  std::string resp = LocalResponse(status, head_request, keep_alive_, minor_, headers);
  body_sent_ = resp.size();
  out_.Append(resp);
  close_after_ = !keep_alive_;
  phase_ = Phase::kLocal;
  req_body_done_ = true;
  RecordRequest();
  ++requests_;
}

void ClientConn::RecordRequest() {
  ProxyShared& sh = *w_->shared();
  int64_t now = NowMs();
  double request_time = (now - start_ms_) / 1000.0;
  double upstream_time = upstream_addr_.empty() ? -1 : (now - upstream_start_ms_) / 1000.0;
  if (sh.options.access_log) {
    std::string line;
    AccessLogEntry e;
    e.remote_addr = peer_ip_;
    e.time = time(nullptr);
    e.method = method_;
    e.target = target_;
    e.minor = h2_ ? 2 : minor_;
    e.status = status_;
    e.body_bytes_sent = body_sent_;
    e.referer = referer_;
    e.user_agent = user_agent_;
    e.request_length = request_length_;
    e.request_time = request_time;
    std::string upstream_name = route_ && route_->backend ? route_->backend->UpstreamName() : "";
    std::string alternative = canary_ && backend_ ? backend_->UpstreamName() : "";
    e.upstream_name = upstream_name;
    e.alternative_upstream = alternative;
    e.upstream_addr = upstream_addr_;
    e.upstream_response_length = upstream_bytes_;
    e.upstream_response_time = upstream_time;
    e.upstream_status = upstream_status_;
    e.request_id = request_id_;
    AppendAccessLog(&line, e);
    w_->Log(line);
  }
  // The series of the previous request on this connection is reused when
  // the labels are the same (keep-alive clients mostly repeat themselves):
  // no label strings built, no map lookup. Series live as long as the shard.
  // Labels come from the route table and a fixed method list, never from
  // free request text, so clients cannot grow the series without bound.
  std::string_view method = MetricMethod(method_);
  SeriesCache& c = series_cache_;
  uint64_t generation = table_ ? table_->generation : 0;
  if (!c.series || c.table != table_.get() || c.generation != generation || c.route != route_ ||
      c.backend != backend_ || c.status != status_ || c.method != method || c.vhost != vhost_) {
    RequestLabels labels;
    if (route_) {
      labels.ns = route_->ingress_ns;
      labels.ingress = route_->ingress_name;
      labels.path = route_->path;
      if (backend_) labels.service = backend_->service;
    }
    labels.host = vhost_ && !vhost_->host.empty() ? vhost_->host : "_";
    labels.method = method;
    labels.status = status_;
    ProxyStats::Shard& shard = sh.stats->shard(w_->index());
    std::lock_guard<std::mutex> lock(shard.mu);
    c = SeriesCache{table_.get(), generation, route_, backend_, status_, vhost_, method, &shard.series[labels]};
  }
  std::lock_guard<std::mutex> lock(sh.stats->shard(w_->index()).mu);
  ProxyStats::Series& series = *c.series;
  series.requests++;
  series.bytes_sent += body_sent_;
  series.request_duration.Observe(request_time);
  if (upstream_time >= 0) series.upstream_duration.Observe(upstream_time);
}

void ClientConn::UpdateDeadline(int64_t now) {
  const ProxyOptions& o = w_->shared()->options;
  switch (phase_) {
    case Phase::kHandshake:
      deadline_ms_ = last_activity_ms_ + o.client_header_timeout_ms;
      break;
    case Phase::kHead:
      deadline_ms_ = last_activity_ms_ + (in_.empty() && requests_ > 0 ? o.keepalive_timeout_ms
                                                                         : o.client_header_timeout_ms);
      break;
    case Phase::kProxy: {
      int64_t d;
      if (up_ && up_->connecting_) d = upstream_start_ms_ + (route_ ? route_->options.connect_timeout_ms : 5000);
      else d = upstream_activity_ms_ + (route_ ? route_->options.read_timeout_ms : 60000);
      if (!req_body_done_) d = std::min(d, last_activity_ms_ + o.client_body_timeout_ms);
      deadline_ms_ = d;
      break;
    }
    case Phase::kTunnel:
      deadline_ms_ = std::max(upstream_activity_ms_, last_activity_ms_) +
                     (route_ ? route_->options.read_timeout_ms : 60000);
      break;
    case Phase::kLocal:
      deadline_ms_ = now + (route_ ? route_->options.send_timeout_ms : 60000);
      break;
  }
}

void ClientConn::CheckTimeout(int64_t now) {
  if (closed_ || now < deadline_ms_) return;
  switch (phase_) {
    case Phase::kHead:
      if (!in_.empty()) {
        method_ = "-";
        target_.clear();
        route_ = nullptr;
        backend_ = nullptr;
        start_ms_ = now;
        RespondLocal(408, {}, true, "client header timeout");
        Pump();
        return;
      }
      Close();
      return;
    case Phase::kProxy:
      if (!req_body_done_ && now >= last_activity_ms_ + w_->shared()->options.client_body_timeout_ms &&
          !resp_head_done_) {
        DropUpstream();
        RespondLocal(408, {}, true, "client body timeout");
        Pump();
        return;
      }
      if (up_ && up_->connecting_) {
        OnUpstreamFailure(Failure::kConnect, "upstream connect timed out");
        return;
      }
      OnUpstreamFailure(Failure::kTimeout, "upstream timed out");
      return;
    default:
      Close();
      return;
  }
}

}  // namespace netkube::ingress
