// Sockets and worker threads: each worker runs one epoll loop over its own
// SO_REUSEPORT UDP and TCP sockets of every listener and its TCP connections.
// UDP is read and answered in batches (recvmmsg, one sendmmsg per batch);
// the hot path takes no lock: the configuration is pinned per worker and
// only re-read when the server's generation counter moves.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "dns/server_impl.h"

namespace netkube::dns {

namespace {

constexpr int kBatch = 64;
constexpr size_t kRecvSize = 4096;
constexpr uint64_t kTagUdp = 1ull << 56, kTagTcp = 2ull << 56, kTagConn = 3ull << 56, kTagWake = 4ull << 56;
constexpr uint64_t kTagMask = 0xffull << 56;

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// "addr" as written -> a socket address; "" = wildcard (IPv6 dual-stack
// when `v6` is true).
bool ResolveAddress(const std::string& address, int port, bool v6, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  std::string a = address == "localhost" ? "127.0.0.1" : address;
  if (a.empty()) {
    if (v6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
      s6->sin6_family = AF_INET6;
      s6->sin6_addr = in6addr_any;
      s6->sin6_port = htons(port);
      *len = sizeof *s6;
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
      s4->sin_family = AF_INET;
      s4->sin_addr.s_addr = htonl(INADDR_ANY);
      s4->sin_port = htons(port);
      *len = sizeof *s4;
    }
    return true;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, a.c_str(), &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    *len = sizeof *s4;
    return true;
  }
  auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, a.c_str(), &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    *len = sizeof *s6;
    return true;
  }
  return false;
}

int BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

StatusOr<int> OpenSocket(const sockaddr_storage& ss, socklen_t len, int type, bool wildcard6) {
  int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(ErrnoText("socket"));
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (wildcard6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (type == SOCK_DGRAM) {
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    Status s = Status::Internal(ErrnoText("listen " + std::string(type == SOCK_DGRAM ? "udp" : "tcp")));
    close(fd);
    return s;
  }
  if (type == SOCK_STREAM && listen(fd, 1024) != 0) {
    Status s = Status::Internal(ErrnoText("listen tcp"));
    close(fd);
    return s;
  }
  return fd;
}

// The peer as the Request shows it: IPv4-mapped addresses as IPv4.
void PeerOf(const sockaddr_storage& ss, std::string* ip, int* port, int* family) {
  char buf[INET6_ADDRSTRLEN];
  if (ss.ss_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
    *port = ntohs(s4->sin_port);
    *family = 1;
  } else {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    *port = ntohs(s6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, sizeof buf);
      *family = 1;
    } else {
      inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
      *family = 2;
    }
  }
  ip->assign(buf);
}

// The peer of a request back into a socket address of `socket_family`.
bool PeerAddress(const Request& req, int socket_family, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof *ss);
  if (socket_family == AF_INET) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(req.peer_port);
    *len = sizeof *s4;
    return inet_pton(AF_INET, req.peer_ip.c_str(), &s4->sin_addr) == 1;
  }
  auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons(req.peer_port);
  *len = sizeof *s6;
  if (inet_pton(AF_INET6, req.peer_ip.c_str(), &s6->sin6_addr) == 1) return true;
  in_addr v4;
  if (inet_pton(AF_INET, req.peer_ip.c_str(), &v4) != 1) return false;
  s6->sin6_addr.s6_addr[10] = 0xff;
  s6->sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&s6->sin6_addr.s6_addr[12], &v4, 4);
  return true;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Metrics and the errors directive for one reply.
void RecordReply(const ZoneEntry& entry, const Request& req, size_t size) {
  int slot = 0;
  if (req.next_plugin > 0 && req.next_plugin <= entry.plugin_slots.size()) slot = entry.plugin_slots[req.next_plugin - 1];
  entry.metrics->RecordResponse(req.transport == Transport::kTcp, req.qtype(), req.reply_rcode(), slot, size,
                                SecondsSince(req.start));
  if (entry.block->errors && req.reply_rcode() == rcode::ServFail) {
    std::string plugin = "";
    if (req.chain && req.next_plugin > 0 && req.next_plugin <= req.chain->size()) {
      plugin = std::string((*req.chain)[req.next_plugin - 1]->name());
    }
    std::string name = req.query.question.empty() ? "." : req.query.question[0].name.ToString();
    std::string line = "[ERROR] plugin/errors: 2 " + name + " " + TypeName(req.qtype()) + ": SERVFAIL" +
                       (plugin.empty() ? "" : " from plugin/" + plugin) + "\n";
    ssize_t rc = ::write(2, line.data(), line.size());
    (void)rc;
  }
}

}  // namespace

ListenerSockets::~ListenerSockets() {
  for (int fd : udp) close(fd);
  for (int fd : tcp) close(fd);
}

StatusOr<std::shared_ptr<ListenerSockets>> OpenListener(const ListenerKey& key, int workers) {
  bool wildcard = key.address.empty();
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto ls = std::make_shared<ListenerSockets>();
    ls->key = key;
    bool v6 = wildcard;
    sockaddr_storage ss;
    socklen_t len;
    if (!ResolveAddress(key.address, key.port, v6, &ss, &len)) {
      return Status::Invalid("invalid listen address \"" + key.address + "\"");
    }
    auto first = OpenSocket(ss, len, SOCK_DGRAM, v6);
    if (!first.ok() && wildcard) {  // no IPv6 on this machine
      v6 = false;
      ResolveAddress(key.address, key.port, false, &ss, &len);
      first = OpenSocket(ss, len, SOCK_DGRAM, false);
    }
    if (!first.ok()) return first.status();
    ls->udp.push_back(*first);
    ls->bound_port = BoundPort(*first);
    if (ss.ss_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(ls->bound_port);
    } else {
      reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(ls->bound_port);
    }
    Status failed;
    for (int i = 0; i < workers && failed.ok(); ++i) {
      if (i > 0) {
        auto u = OpenSocket(ss, len, SOCK_DGRAM, v6);
        if (!u.ok()) failed = u.status();
        else ls->udp.push_back(*u);
      }
      if (!failed.ok()) break;
      auto t = OpenSocket(ss, len, SOCK_STREAM, v6);
      if (!t.ok()) failed = t.status();
      else ls->tcp.push_back(*t);
    }
    if (failed.ok()) return ls;
    if (key.port != 0) return failed;  // an ephemeral port taken for TCP: pick another
  }
  return Status::Internal("listen: no free port for both UDP and TCP");
}

// ---- the worker -----------------------------------------------------------

class Worker;

struct TcpConn {
  int fd = -1;
  uint64_t id = 0;
  int epfd = -1;
  ListenerKey key;
  std::string peer_ip;
  int peer_port = 0, family = 1;
  std::string in;  // worker thread only
  std::chrono::steady_clock::time_point last_active;
  std::atomic<int> inflight{0};

  static constexpr size_t kMaxUnsent = 1 << 20;  // answers queued for a client that does not read
  std::mutex mu;  // guards out, closed, want_out and writes to fd
  std::string out;
  bool closed = false;
  bool dropped = false;  // shut down for not reading its answers
  bool want_out = false;

  // Frames and sends `wire` (any thread).
  void Send(std::string_view wire) {
    std::lock_guard<std::mutex> l(mu);
    if (closed || dropped || wire.size() > 65535) return;
    if (out.size() + wire.size() > kMaxUnsent) {
      // The client sends queries but does not read the answers: drop it
      // rather than buffer without bound (its reads now end: the worker
      // closes it).
      out.clear();
      dropped = true;
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
    char len[2] = {static_cast<char>(wire.size() >> 8), static_cast<char>(wire.size() & 0xff)};
    if (out.empty()) {
      iovec iov[2] = {{len, 2}, {const_cast<char*>(wire.data()), wire.size()}};
      ssize_t n = writev(fd, iov, 2);
      if (n < 0) n = 0;
      size_t total = wire.size() + 2;
      if (static_cast<size_t>(n) == total) return;
      if (n < 2) out.append(len + n, 2 - n);
      out.append(wire.substr(n < 2 ? 0 : n - 2));
    } else {
      out.append(len, 2);
      out.append(wire);
    }
    if (!want_out) {
      want_out = true;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT;
      ev.data.u64 = kTagConn | id;
      epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
  }
  // Writes what is pending (worker thread, on EPOLLOUT).
  void Flush() {
    std::lock_guard<std::mutex> l(mu);
    if (closed || dropped) return;
    while (!out.empty()) {
      ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      out.erase(0, n);
    }
    if (out.empty() && want_out) {
      want_out = false;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = kTagConn | id;
      epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
  }
};

struct TcpReplyWriter final : ReplyWriter {
  std::shared_ptr<TcpConn> conn;
  const ZoneEntry* entry;
  void Write(const Request& req, std::string_view wire) override {
    RecordReply(*entry, req, wire.size());
    conn->Send(wire);
    conn->inflight.fetch_sub(1, std::memory_order_relaxed);
  }
};

class Worker {
 public:
  Worker(Server::Impl* impl, int index) : impl_(impl), index_(index) {}
  ~Worker() {
    if (epfd_ >= 0) close(epfd_);
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  Status Start() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epfd_ < 0 || wake_fd_ < 0) return Status::Internal(ErrnoText("epoll"));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagWake;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    for (int i = 0; i < kBatch; ++i) {
      iov_[i] = {bufs_[i], kRecvSize};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      outs_[i].reserve(512);
    }
    Refresh();
    thread_ = std::thread([this] { Run(); });
    return Status::OK();
  }
  void Wake() {
    uint64_t one = 1;
    ssize_t rc = write(wake_fd_, &one, sizeof one);
    (void)rc;
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  // The sync reply path of UdpWriter: queue `wire` for the packet in hand.
  bool QueueIfCurrent(const Request& req, std::string_view wire);

 private:
  struct UdpWriter final : ReplyWriter {
    Worker* worker = nullptr;
    const ZoneEntry* entry = nullptr;
    int fd = -1;
    int family = AF_INET6;
    void Write(const Request& req, std::string_view wire) override {
      RecordReply(*entry, req, wire.size());
      if (worker->QueueIfCurrent(req, wire)) return;
      sockaddr_storage ss;
      socklen_t len;
      if (PeerAddress(req, family, &ss, &len)) {
        sendto(fd, wire.data(), wire.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), len);
      }
    }
  };
  // This worker's pin of a snapshot; requests keep it alive.
  struct View {
    std::shared_ptr<const Snapshot> snap;
    std::vector<UdpWriter> writers;  // by ZoneEntry::index
    std::vector<int> udp_fds, tcp_fds;  // by listener
  };

  void Run();
  void Refresh();
  void ServeUdp(size_t listener);
  void Accept(size_t listener);
  void ReadConn(TcpConn& c);
  void CloseConn(TcpConn& c);
  void SweepIdle();
  // Handles one query; `conn` is null for UDP (the reply then goes to out
  // slot `slot`).
  void HandlePacket(const uint8_t* data, size_t len, size_t listener, const std::string& peer_ip, int peer_port,
                    int family, const std::shared_ptr<TcpConn>& conn, int slot);
  void RawReply(const Message& m, size_t max_size, const std::shared_ptr<TcpConn>& conn, int slot);
  void QueueOut(int slot, std::string_view wire) {
    outs_[slot].assign(wire.data(), wire.size());
    out_used_[slot] = true;
  }

  Server::Impl* impl_;
  int index_;
  int epfd_ = -1, wake_fd_ = -1;
  std::thread thread_;
  std::shared_ptr<View> view_;
  std::chrono::steady_clock::time_point now_, last_sweep_;
  std::unordered_map<uint64_t, std::shared_ptr<TcpConn>> conns_;
  uint64_t next_conn_id_ = 1;

  // UDP batch state.
  mmsghdr msgs_[kBatch]{};
  iovec iov_[kBatch]{};
  sockaddr_storage addrs_[kBatch]{};
  alignas(64) uint8_t bufs_[kBatch][kRecvSize];
  std::string outs_[kBatch];
  bool out_used_[kBatch]{};
  mmsghdr out_msgs_[kBatch]{};
  iovec out_iov_[kBatch]{};
  const Request* current_req_ = nullptr;
  int current_slot_ = -1;
};

namespace {
thread_local Worker* tls_worker = nullptr;
}

bool Worker::QueueIfCurrent(const Request& req, std::string_view wire) {
  if (tls_worker != this || current_req_ != &req || current_slot_ < 0) return false;
  QueueOut(current_slot_, wire);
  return true;
}

void Worker::Refresh() {
  auto snap = impl_->Current();
  if (!snap) return;
  if (view_ && view_->snap == snap) return;
  auto v = std::make_shared<View>();
  v->snap = snap;
  const Config& cfg = *snap->config;
  v->writers.resize(cfg.zones.size());
  for (size_t i = 0; i < cfg.listeners.size(); ++i) {
    const ListenerSockets& ls = *snap->sockets[i];
    int udp = ls.udp[index_], tcp = ls.tcp[index_];
    v->udp_fds.push_back(udp);
    v->tcp_fds.push_back(tcp);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(udp, reinterpret_cast<sockaddr*>(&ss), &len);
    for (const ZoneEntry* z : cfg.listeners[i].zones) {
      UdpWriter& w = v->writers[z->index];
      w.worker = this;
      w.entry = z;
      w.fd = udp;
      w.family = ss.ss_family;
    }
  }
  // Register new sockets, then drop the ones gone (still open: the old view
  // holds them until it is released below).
  auto contains = [](const std::vector<int>& fds, int fd) { return std::find(fds.begin(), fds.end(), fd) != fds.end(); };
  std::vector<int> old_udp = view_ ? view_->udp_fds : std::vector<int>{};
  std::vector<int> old_tcp = view_ ? view_->tcp_fds : std::vector<int>{};
  for (int fd : v->udp_fds) {
    if (contains(old_udp, fd)) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagUdp | static_cast<uint32_t>(fd);
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int fd : v->tcp_fds) {
    if (contains(old_tcp, fd)) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagTcp | static_cast<uint32_t>(fd);
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int fd : old_udp) {
    if (!contains(v->udp_fds, fd)) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  }
  for (int fd : old_tcp) {
    if (!contains(v->tcp_fds, fd)) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  }
  if (view_) impl_->Retire(std::move(view_));  // destroyed off this thread
  view_ = std::move(v);
}

void Worker::Run() {
  tls_worker = this;
  epoll_event events[64];
  last_sweep_ = std::chrono::steady_clock::now();
  while (!impl_->stopping.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epfd_, events, 64, 1000);
    now_ = std::chrono::steady_clock::now();
    if (impl_->generation.load(std::memory_order_acquire) != view_->snap->generation) Refresh();
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[i].data.u64 & kTagMask;
      uint64_t low = events[i].data.u64 & ~kTagMask;
      if (tag == kTagWake) {
        uint64_t v;
        ssize_t rc = read(wake_fd_, &v, sizeof v);
        (void)rc;
        continue;
      }
      if (tag == kTagConn) {
        auto it = conns_.find(low);
        if (it == conns_.end()) continue;
        std::shared_ptr<TcpConn> c = it->second;
        if (events[i].events & EPOLLOUT) c->Flush();
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadConn(*c);
        continue;
      }
      const std::vector<int>& fds = tag == kTagUdp ? view_->udp_fds : view_->tcp_fds;
      auto it = std::find(fds.begin(), fds.end(), static_cast<int>(low));
      if (it == fds.end()) continue;
      size_t listener = it - fds.begin();
      if (tag == kTagUdp) ServeUdp(listener);
      else Accept(listener);
    }
    if (now_ - last_sweep_ > std::chrono::seconds(1)) SweepIdle();
  }
  std::vector<std::shared_ptr<TcpConn>> all;
  for (auto& [id, c] : conns_) all.push_back(c);
  for (auto& c : all) CloseConn(*c);
  view_.reset();
}

void Worker::ServeUdp(size_t listener) {
  int fd = view_->udp_fds[listener];
  for (int round = 0; round < 16; ++round) {
    for (int i = 0; i < kBatch; ++i) {
      msgs_[i].msg_hdr.msg_name = &addrs_[i];
      msgs_[i].msg_hdr.msg_namelen = sizeof addrs_[i];
      msgs_[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(fd, msgs_, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    now_ = std::chrono::steady_clock::now();
    std::shared_ptr<View> pin = view_;  // a plugin may not outlive it mid-batch
    std::string peer_ip;
    for (int i = 0; i < n; ++i) {
      out_used_[i] = false;
      if (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // larger than any sane query
      int port = 0, family = 1;
      PeerOf(addrs_[i], &peer_ip, &port, &family);
      HandlePacket(bufs_[i], msgs_[i].msg_len, listener, peer_ip, port, family, nullptr, i);
    }
    int m = 0;
    for (int i = 0; i < n; ++i) {
      if (!out_used_[i]) continue;
      out_iov_[m] = {outs_[i].data(), outs_[i].size()};
      out_msgs_[m].msg_hdr = {};
      out_msgs_[m].msg_hdr.msg_name = &addrs_[i];
      out_msgs_[m].msg_hdr.msg_namelen = msgs_[i].msg_hdr.msg_namelen;
      out_msgs_[m].msg_hdr.msg_iov = &out_iov_[m];
      out_msgs_[m].msg_hdr.msg_iovlen = 1;
      ++m;
    }
    int sent = 0;
    while (sent < m) {
      int k = sendmmsg(fd, out_msgs_ + sent, m - sent, 0);
      if (k <= 0) {
        if (k < 0 && errno == EINTR) continue;
        ++sent;  // skip the one that failed (e.g. an unreachable peer)
        continue;
      }
      sent += k;
    }
    if (n < kBatch) return;
  }
}

void Worker::RawReply(const Message& m, size_t max_size, const std::shared_ptr<TcpConn>& conn, int slot) {
  std::string wire = Serialize(m, max_size);
  if (conn) conn->Send(wire);
  else QueueOut(slot, wire);
}

void Worker::HandlePacket(const uint8_t* data, size_t len, size_t listener, const std::string& peer_ip,
                          int peer_port, int family, const std::shared_ptr<TcpConn>& conn, int slot) {
  if (len < 12) return;
  if (data[2] & 0x80) return;  // a response: never answer one
  bool tcp = conn != nullptr;
  ParseError perr;
  auto parsed = Parse(std::span<const uint8_t>(data, len), &perr);
  if (!parsed.ok()) {
    if (!perr.header) return;
    Message m;
    m.header.id = perr.header->id;
    m.header.opcode = perr.header->opcode;
    m.header.rd = perr.header->rd;
    m.header.qr = true;
    m.header.rcode = rcode::FormErr;
    RawReply(m, 512, conn, slot);
    return;
  }
  Message& q = parsed.value();
  auto fail = [&](int rc) {
    Message m = Message::ReplyTo(q);
    m.header.rcode = rc;
    if (rc == rcode::FormErr || rc == rcode::NotImp) m.question.clear();
    RawReply(m, tcp ? 65535 : 512, conn, slot);
  };
  if (q.header.opcode != opcode::Query) return fail(rcode::NotImp);
  if (q.question.size() != 1) return fail(rcode::FormErr);
  if (q.edns && q.edns->version > 0) return fail(rcode::BadVers);

  const Config& cfg = *view_->snap->config;
  const ListenerConfig& lc = cfg.listeners[listener];
  auto req = std::make_unique<Request>();
  req->query = std::move(q);
  uint16_t qtype = req->qtype();
  ZoneEntry* entry = lc.Match(req->qkey());
  if (entry == nullptr) {
    lc.dropped->RecordRequest(tcp, family, qtype, len);
    Message m = Message::ReplyTo(req->query);
    m.header.rcode = rcode::Refused;
    std::string wire = Serialize(m, tcp ? 65535 : 512);
    lc.dropped->RecordResponse(tcp, qtype, rcode::Refused, 0, wire.size(), SecondsSince(now_));
    if (conn) conn->Send(wire);
    else QueueOut(slot, wire);
    return;
  }
  entry->metrics->RecordRequest(tcp, family, qtype, len);
  req->transport = tcp ? Transport::kTcp : Transport::kUdp;
  req->peer_ip = peer_ip;
  req->peer_port = peer_port;
  req->local_ip = lc.key.address;
  req->local_port = view_->snap->sockets[listener]->bound_port;
  req->max_size = tcp ? 65535 : std::max<size_t>(512, req->query.edns ? req->query.edns->udp_size : 512);
  req->zone = entry->zone;
  req->server = entry->server;
  req->start = now_;
  req->chain = &entry->block->chain;
  if (conn) {
    auto w = std::make_shared<TcpReplyWriter>();
    w->conn = conn;
    w->entry = entry;
    conn->inflight.fetch_add(1, std::memory_order_relaxed);
    req->writer = std::move(w);
  } else {
    req->writer = std::shared_ptr<ReplyWriter>(view_, &view_->writers[entry->index]);
  }
  req->keepalive = view_;
  current_req_ = req.get();
  current_slot_ = slot;
  try {
    Next(std::move(req));
  } catch (...) {
    MetricsRegistry::Get().panics.fetch_add(1, std::memory_order_relaxed);
  }
  current_req_ = nullptr;
  current_slot_ = -1;
}

void Worker::Accept(size_t listener) {
  int lfd = view_->tcp_fds[listener];
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (impl_->tcp_connections.load(std::memory_order_relaxed) >= impl_->options.max_tcp_connections) {
      close(fd);
      continue;
    }
    impl_->tcp_connections.fetch_add(1, std::memory_order_relaxed);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_shared<TcpConn>();
    c->fd = fd;
    c->id = next_conn_id_++;
    c->epfd = epfd_;
    c->key = view_->snap->config->listeners[listener].key;
    PeerOf(ss, &c->peer_ip, &c->peer_port, &c->family);
    c->last_active = now_;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTagConn | c->id;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    conns_.emplace(c->id, std::move(c));
  }
}

void Worker::ReadConn(TcpConn& c) {
  std::shared_ptr<TcpConn> conn = conns_.at(c.id);
  char buf[16384];
  bool eof = false;
  for (;;) {
    ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n > 0) {
      c.in.append(buf, n);
      if (c.in.size() > 4 * 65537) break;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) eof = true;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  c.last_active = now_;
  // The listener the connection came in on, in the current configuration.
  const Config& cfg = *view_->snap->config;
  size_t listener = cfg.listeners.size();
  for (size_t i = 0; i < cfg.listeners.size(); ++i) {
    if (cfg.listeners[i].key == c.key) listener = i;
  }
  size_t off = 0;
  while (listener < cfg.listeners.size() && c.in.size() - off >= 2) {
    size_t len = (static_cast<uint8_t>(c.in[off]) << 8) | static_cast<uint8_t>(c.in[off + 1]);
    if (c.in.size() - off < 2 + len) break;
    HandlePacket(reinterpret_cast<const uint8_t*>(c.in.data() + off + 2), len, listener, c.peer_ip, c.peer_port,
                 c.family, conn, -1);
    off += 2 + len;
  }
  c.in.erase(0, off);
  if (eof || listener == cfg.listeners.size()) CloseConn(c);
}

void Worker::CloseConn(TcpConn& c) {
  {
    std::lock_guard<std::mutex> l(c.mu);
    if (c.closed) return;
    c.closed = true;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
  }
  impl_->tcp_connections.fetch_sub(1, std::memory_order_relaxed);
  conns_.erase(c.id);  // may free `c`
}

void Worker::SweepIdle() {
  last_sweep_ = now_;
  auto idle = impl_->options.tcp_idle_timeout;
  std::vector<std::shared_ptr<TcpConn>> expired;
  for (auto& [id, c] : conns_) {
    auto quiet = now_ - c->last_active;
    if ((quiet > idle && c->inflight.load(std::memory_order_relaxed) <= 0) || quiet > 3 * idle) expired.push_back(c);
  }
  for (auto& c : expired) CloseConn(*c);
}

std::vector<WorkerPtr> StartWorkers(Server::Impl* impl, int n) {
  std::vector<WorkerPtr> workers;
  for (int i = 0; i < n; ++i) {
    WorkerPtr w(new Worker(impl, i));
    if (!w->Start().ok()) break;
    workers.push_back(std::move(w));
  }
  return workers;
}

void WorkerDeleter::operator()(Worker* w) const { delete w; }

void WakeWorkers(const std::vector<WorkerPtr>& workers) {
  for (const auto& w : workers) w->Wake();
}

void StopWorkers(std::vector<WorkerPtr>& workers) {
  for (auto& w : workers) w->Wake();
  for (auto& w : workers) w->Join();
  workers.clear();
}

}  // namespace netkube::dns
