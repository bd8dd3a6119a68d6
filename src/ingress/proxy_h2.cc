#include "ingress/proxy_h2.h"

#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>

#include <cstring>

#include "ingress/http1.h"
#include "ingress/proxy_client.h"
#include "ingress/proxy_format.h"

namespace netkube::ingress {

struct H2Conn::Stream {
  int32_t id = 0;
  std::string method, path, authority, scheme;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cookies;
  bool has_length = false;
  bool chunked = false;     // the request body goes upstream chunked
  bool end_stream = false;  // the client sent END_STREAM
  bool started = false;
  Pipe pipe;
  ClientConn* http1 = nullptr;  // alive until pipe.server_closed
  // The answer.
  bool head_sent = false;
  ResponseHead resp;
  Framing framing = Framing::kNone;
  uint64_t remaining = 0;
  ChunkedScanner chunks;
  Buffer body;  // DATA not yet taken by nghttp2
  bool body_done = false;
  bool deferred = false;
  bool writer_blocked = false;  // http1 found the pipe full: kick it once there is room
};

namespace {

bool ConnectionSpecific(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" || name == "transfer-encoding" ||
         name == "upgrade" || name == "te";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

nghttp2_nv Nv(const std::string& name, const std::string& value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags, nghttp2_data_source* src,
                 void*) {
  auto* s = static_cast<H2Conn::Stream*>(src->ptr);
  size_t n = std::min(length, s->body.size());
  if (n) {
    std::memcpy(buf, s->body.view().data(), n);
    s->body.Consume(n);
  }
  if (s->body.empty() && s->body_done) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    s->deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

}  // namespace

struct H2Callbacks {
  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* c = static_cast<H2Conn*>(user);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto s = std::make_unique<H2Conn::Stream>();
    s->id = frame->hd.stream_id;
    c->streams_[s->id] = std::move(s);
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto* c = static_cast<H2Conn*>(user);
    auto it = c->streams_.find(frame->hd.stream_id);
    if (it == c->streams_.end()) return 0;
    H2Conn::Stream& s = *it->second;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") s.method = v;
    else if (n == ":path") s.path = v;
    else if (n == ":authority") s.authority = v;
    else if (n == ":scheme") s.scheme = v;
    else if (n[0] == ':') return 0;
    else if (n == "cookie") s.cookies += (s.cookies.empty() ? "" : "; ") + std::string(v);
    else if (!ConnectionSpecific(n)) {
      if (n == "content-length") s.has_length = true;
      if (n == "host" && s.authority.empty()) s.authority = v;
      if (n != "host") s.headers.emplace_back(n, v);
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* c = static_cast<H2Conn*>(user);
    auto it = c->streams_.find(frame->hd.stream_id);
    if (it == c->streams_.end()) return 0;
    H2Conn::Stream* s = it->second.get();
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (frame->hd.type == NGHTTP2_HEADERS && !s->started) {
      s->end_stream = end;
      c->StartStream(s);
    } else if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) && end && s->started) {
      s->end_stream = true;
      if (s->chunked) s->pipe.to_server.Append("0\r\n\r\n");
      s->pipe.client_done = true;
      if (s->http1) s->http1->Kick();
    }
    return 0;
  }

  static int OnData(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len, void* user) {
    auto* c = static_cast<H2Conn*>(user);
    auto it = c->streams_.find(stream_id);
    if (it == c->streams_.end() || !it->second->started) return 0;
    H2Conn::Stream* s = it->second.get();
    std::string_view d(reinterpret_cast<const char*>(data), len);
    if (s->chunked) {
      char size[20];
      std::snprintf(size, sizeof(size), "%zx\r\n", len);
      s->pipe.to_server.Append(size);
      s->pipe.to_server.Append(d);
      s->pipe.to_server.Append("\r\n");
    } else {
      s->pipe.to_server.Append(d);
    }
    if (s->http1) s->http1->Kick();
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    auto* c = static_cast<H2Conn*>(user);
    auto it = c->streams_.find(stream_id);
    if (it == c->streams_.end()) return 0;
    std::unique_ptr<H2Conn::Stream> s = std::move(it->second);
    c->streams_.erase(it);
    s->pipe.notify = nullptr;
    if (s->http1 && !s->pipe.server_closed) s->http1->Close();
    return 0;
  }
};

H2Conn::H2Conn(Worker* w, Sock sock, const sockaddr_storage& peer) : w_(w), sock_(sock), peer_(peer) {
  w_->shared()->stats->connections_active++;
  last_activity_ms_ = NowMs();
}

H2Conn::~H2Conn() {
  if (session_) nghttp2_session_del(session_);
  sock_.Close();
}

bool H2Conn::Start() {
  nghttp2_session_callbacks* cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, H2Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cb, H2Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, H2Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, H2Callbacks::OnData);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, H2Callbacks::OnStreamClose);
  int rv = nghttp2_session_server_new(&session_, cb, this);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0) return false;
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 128},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
  return true;
}

void H2Conn::StartStream(Stream* s) {
  s->started = true;
  if (s->method.empty() || s->path.empty() || s->authority.empty()) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  s->chunked = !s->end_stream && !s->has_length;
  std::string head = s->method + " " + s->path + " HTTP/1.1\r\nHost: " + s->authority + "\r\n";
  for (const auto& [n, v] : s->headers) head += n + ": " + v + "\r\n";
  if (!s->cookies.empty()) head += "cookie: " + s->cookies + "\r\n";
  if (s->chunked) head += "Transfer-Encoding: chunked\r\n";
  head += "Connection: close\r\n\r\n";
  s->pipe.to_server.Append(head);
  if (s->end_stream) s->pipe.client_done = true;
  int32_t id = s->id;
  s->pipe.notify = [this, id] {
    auto it = streams_.find(id);
    if (it != streams_.end()) Drain(it->second.get());
    if (!in_pump_) Pump();
  };
  s->http1 = w_->NewPipeClient(&s->pipe, peer_);
  s->http1->Kick();
}

void H2Conn::Drain(Stream* s) {
  struct Backlog {
    H2Conn* c;
    Stream* s;
    ~Backlog() {
      if (!s->pipe.to_client.empty() || s->writer_blocked) c->backlogged_.insert(s->id);
    }
  } backlog{this, s};
  if (s->pipe.server_closed) s->http1 = nullptr;
  Buffer& in = s->pipe.to_client;
  if (!s->head_sent) {
    ParseError err;
    ParseStatus st = ParseResponseHead(in.view(), 64 * 1024, s->method, &s->resp, &err);
    while (st == ParseStatus::kDone && s->resp.status / 100 == 1) {  // interim answers are not relayed
      in.Consume(s->resp.head_size);
      st = ParseResponseHead(in.view(), 64 * 1024, s->method, &s->resp, &err);
    }
    if (st == ParseStatus::kIncomplete && !s->pipe.server_closed) return;
    if (st != ParseStatus::kDone) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
      return;
    }
    std::vector<std::pair<std::string, std::string>> kv;
    kv.emplace_back(":status", std::to_string(s->resp.status));
    for (const HeaderField& h : s->resp.headers) {
      std::string name = Lower(h.name);
      if (ConnectionSpecific(name)) continue;
      kv.emplace_back(std::move(name), std::string(h.value));
    }
    std::vector<nghttp2_nv> nva;
    for (const auto& [n, v] : kv) nva.push_back(Nv(n, v));
    s->framing = s->resp.framing;
    s->remaining = s->resp.content_length;
    in.Consume(s->resp.head_size);
    s->head_sent = true;
    if (s->framing == Framing::kNone) {
      s->body_done = true;
      nghttp2_submit_response(session_, s->id, nva.data(), nva.size(), nullptr);
      return;
    }
    nghttp2_data_provider dp;
    dp.source.ptr = s;
    dp.read_callback = ReadBody;
    nghttp2_submit_response(session_, s->id, nva.data(), nva.size(), &dp);
  }
  if (in.size() >= kHighWater) s->writer_blocked = true;
  if (s->body_done) return;
  size_t before = s->body.size();
  if (before >= kHighWater) return;  // taken again once nghttp2 has sent some
  if (s->framing == Framing::kLength) {
    size_t n = std::min<uint64_t>(in.size(), s->remaining);
    s->body.Append(in.view().substr(0, n));
    in.Consume(n);
    s->remaining -= n;
    if (s->remaining == 0) s->body_done = true;
  } else if (s->framing == Framing::kChunked) {
    std::string payload;
    size_t n = 0;
    ParseStatus st = s->chunks.Feed(in.view(), &n, &payload);
    in.Consume(n);
    s->body.Append(payload);
    if (st == ParseStatus::kDone) s->body_done = true;
    if (st == ParseStatus::kError) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
      return;
    }
  } else {
    s->body.Append(in.view());
    in.Clear();
    if (s->pipe.server_closed) s->body_done = true;
  }
  if (!s->body_done && s->pipe.server_closed) {
    // The answer ended early (the backend went away mid-body).
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    return;
  }
  if (s->deferred && (s->body.size() != before || s->body_done)) {
    s->deferred = false;
    nghttp2_session_resume_data(session_, s->id);
  }
}

void H2Conn::OnEvents(uint32_t events) {
  if (closed_) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) sock_.can_read = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) sock_.can_write = true;
  Pump();
}

void H2Conn::Pump() {
  if (closed_ || in_pump_) return;
  in_pump_ = true;
  for (int spin = 0; spin < 64 && !closed_; ++spin) {
    bool progress = false;
    if (sock_.can_read && out_.size() < kHighWater) {
      bool eof = false;
      size_t got = 0;
      bool ok = sock_.ReadInto(&in_, in_.size() + 64 * 1024, &eof, &got);
      if (got) {
        progress = true;
        last_activity_ms_ = NowMs();
        ssize_t used = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(in_.view().data()),
                                                in_.size());
        if (used < 0) {
          in_pump_ = false;
          return Close();
        }
        in_.Consume(static_cast<size_t>(used));
      }
      if (!ok) {
        in_pump_ = false;
        return Close();
      }
    }
    while (out_.size() < kHighWater) {
      const uint8_t* data;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        in_pump_ = false;
        return Close();
      }
      if (n == 0) break;
      out_.Append(std::string_view(reinterpret_cast<const char*>(data), n));
    }
    if (!out_.empty() && sock_.can_write) {
      size_t wrote = 0;
      if (!sock_.WriteFrom(&out_, &wrote)) {
        in_pump_ = false;
        return Close();
      }
      if (wrote) progress = true;
    }
    // Backlogged streams (answer bytes left in the pipe, or a ClientConn that
    // found the pipe full) take more once nghttp2 has sent some, and their
    // ClientConn writes again once there is room.
    if (!backlogged_.empty()) {
      std::vector<int32_t> ids(backlogged_.begin(), backlogged_.end());
      backlogged_.clear();
      for (int32_t id : ids) {
        auto it = streams_.find(id);
        if (it == streams_.end()) continue;
        Stream* st = it->second.get();
        if (st->head_sent && st->body.size() < kHighWater / 2 && !st->pipe.to_client.empty()) {
          size_t pending = st->pipe.to_client.size();
          Drain(st);
          if (st->pipe.to_client.size() != pending) progress = true;
        }
        if (st->writer_blocked && st->pipe.to_client.size() < kHighWater && st->http1 && !st->pipe.server_closed) {
          st->writer_blocked = false;
          st->http1->Kick();
          progress = true;
        }
        if (!st->pipe.to_client.empty() || st->writer_blocked) backlogged_.insert(id);
      }
    }
    if (!progress) break;
  }
  in_pump_ = false;
  if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_) && out_.empty()) Close();
}

void H2Conn::Close() {
  if (closed_) return;
  closed_ = true;
  for (auto& [id, s] : streams_) {
    s->pipe.notify = nullptr;
    if (s->http1 && !s->pipe.server_closed) s->http1->Close();
  }
  streams_.clear();
  sock_.Close();
  w_->shared()->stats->connections_active--;
  w_->ForgetH2(this);
  w_->Retire(this);
}

bool H2Conn::IdleTooLong(int64_t now_ms, int timeout_ms) const {
  return streams_.empty() && now_ms - last_activity_ms_ > timeout_ms;
}

void H2Conn::Expire() { Close(); }

}  // namespace netkube::ingress
