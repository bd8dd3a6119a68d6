#include "dns/exchanger.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace netkube::dns {
namespace {

constexpr size_t kUdpSocketsPerUpstream = 4;
constexpr size_t kMaxUdpMessage = 65535;
constexpr auto kSweepEvery = std::chrono::seconds(1);

uint16_t Get16(std::string_view w, size_t off) {
  return static_cast<uint16_t>((static_cast<uint8_t>(w[off]) << 8) | static_cast<uint8_t>(w[off + 1]));
}
void Put16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
bool IsResponse(std::string_view w) { return w.size() >= 12 && (static_cast<uint8_t>(w[2]) & 0x80) != 0; }

Status NetError(const char* what, int err) { return Status::Unavailable(std::string(what) + ": " + std::strerror(err)); }

}  // namespace

struct Exchanger::Core {
  struct Exchange {
    int fd = -1;
    uint16_t id = 0;
    Transport proto = Transport::kUdp;
    Clock::time_point deadline;
    Callback done;
    // TCP only: what a fresh connection needs when a reused one was closed.
    UpstreamAddress to;
    std::string query;
    bool reused = false;
  };
  struct Conn {
    int fd = -1;
    Transport proto = Transport::kUdp;
    std::string upstream;  // the pool's key
    Clock::time_point created, last_used;
    bool retired = false;                          // UDP: takes no new exchanges
    std::unordered_map<uint16_t, uint64_t> ids;    // UDP: id -> exchange
    uint64_t token = 0;                            // TCP: the exchange in progress, 0 = idle
    bool connecting = false;                       // TCP
    std::string out;                               // TCP: the framed query still to write
    size_t out_off = 0;
    std::string in;                                // TCP: bytes read so far
  };
  struct Pool {
    std::array<int, kUdpSocketsPerUpstream> udp;
    std::deque<int> tcp_idle;
    Pool() { udp.fill(-1); }
  };

  explicit Core(std::chrono::milliseconds e) : expire(e) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wakefd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev);
    next_sweep = Clock::now() + kSweepEvery;
  }
  ~Core() {
    for (auto& [fd, c] : conns) close(fd);
    if (wakefd >= 0) close(wakefd);
    if (epfd >= 0) close(epfd);
  }

  void Wake() {
    uint64_t one = 1;
    ssize_t n = write(wakefd, &one, sizeof(one));
    (void)n;
  }
  // Wakes the loop when it sleeps past `when`. REQUIRES: mu held.
  void WakeFor(Clock::time_point when) {
    if (when < wait_until) {
      wait_until = Clock::time_point::min();
      Wake();
    }
  }

  // Wakes a sleeping loop now (completions are ready). REQUIRES: mu held.
  void WakeNow() {
    if (wait_until != Clock::time_point::min()) {
      wait_until = Clock::time_point::min();
      Wake();
    }
  }

  void Watch(int fd, uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(epfd, op, fd, &ev);
  }

  // Moves the exchange's callback to the ready list. The caller detaches it
  // from its connection.
  void Complete(uint64_t token, ExchangeResult result) {
    auto it = exchanges.find(token);
    if (it == exchanges.end()) return;
    deadlines.erase({it->second.deadline, token});
    ready.emplace_back(std::move(it->second.done), std::move(result));
    exchanges.erase(it);
  }

  void CloseConn(int fd) {
    auto it = conns.find(fd);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    auto pit = pools.find(c.upstream);
    if (pit != pools.end()) {
      for (int& slot : pit->second.udp) {
        if (slot == fd) slot = -1;
      }
      auto& idle = pit->second.tcp_idle;
      for (auto i = idle.begin(); i != idle.end(); ++i) {
        if (*i == fd) {
          idle.erase(i);
          break;
        }
      }
    }
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns.erase(it);
  }

  // A UDP exchange ended: forget its id; a retired socket closes with its last.
  void ReleaseUdp(Conn& c, uint16_t id) {
    c.ids.erase(id);
    c.last_used = Clock::now();
    if (c.retired && c.ids.empty()) CloseConn(c.fd);
  }

  Conn& NewConn(int fd, Transport proto, const std::string& upstream) {
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    c->proto = proto;
    c->upstream = upstream;
    c->created = c->last_used = Clock::now();
    Conn& ref = *c;
    conns[fd] = std::move(c);
    return ref;
  }

  Status StartUdp(const UpstreamAddress& to, std::string& query, Exchange& ex) {
    Pool& pool = pools[to.name];
    size_t slot = arc4random_uniform(kUdpSocketsPerUpstream);
    int fd = pool.udp[slot];
    Clock::time_point now = Clock::now();
    if (fd >= 0) {
      Conn& old = *conns[fd];
      if (now - old.created > expire) {  // a new source port from time to time
        old.retired = true;
        pool.udp[slot] = -1;
        if (old.ids.empty()) CloseConn(fd);
        fd = -1;
      }
    }
    if (fd < 0) {
      fd = socket(to.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return NetError("socket", errno);
      if (connect(fd, reinterpret_cast<const sockaddr*>(&to.addr), to.addr_len) != 0) {
        int err = errno;
        close(fd);
        return NetError("connect", err);
      }
      NewConn(fd, Transport::kUdp, to.name);
      Watch(fd, EPOLLIN, EPOLL_CTL_ADD);
      pool.udp[slot] = fd;
    }
    Conn& c = *conns[fd];
    uint16_t id = 0;
    bool found = false;
    for (int i = 0; i < 32 && !found; ++i) {
      id = static_cast<uint16_t>(arc4random());
      found = c.ids.count(id) == 0;
    }
    if (!found) return Status::Unavailable("no free message id");
    Put16(query.data(), id);
    if (send(fd, query.data(), query.size(), MSG_NOSIGNAL) < 0) {
      int err = errno;
      // A pending ICMP error (refused) belongs to the socket: fail its others.
      if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS) FailConn(fd, NetError("send", err));
      return NetError("send", err);
    }
    c.ids[id] = 0;  // the token is set by Start
    c.last_used = now;
    ex.fd = fd;
    ex.id = id;
    return Status::OK();
  }

  // Begins a TCP exchange on `c`: frames the query and writes what it can.
  // False when the connection turned out dead (closed; nothing registered).
  bool BeginTcp(Conn& c, const std::string& query) {
    c.out.resize(2);
    Put16(c.out.data(), static_cast<uint16_t>(query.size()));
    c.out += query;
    c.out_off = 0;
    c.in.clear();
    if (!c.connecting) {
      ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (n > 0) c.out_off = static_cast<size_t>(n);
    }
    bool more = c.connecting || c.out_off < c.out.size();
    Watch(c.fd, EPOLLIN | (more ? EPOLLOUT : 0), EPOLL_CTL_MOD);
    return true;
  }

  // Starts a TCP exchange on a cached connection when one works, else on a
  // fresh one (unless `fresh_only`).
  Status StartTcp(const UpstreamAddress& to, std::string& query, Exchange& ex, bool fresh_only) {
    uint16_t id = static_cast<uint16_t>(arc4random());
    Put16(query.data(), id);
    Pool& pool = pools[to.name];
    Clock::time_point now = Clock::now();
    while (!fresh_only && !pool.tcp_idle.empty()) {
      int fd = pool.tcp_idle.front();
      pool.tcp_idle.pop_front();
      Conn& c = *conns[fd];
      if (now - c.last_used > expire || !BeginTcp(c, query)) {
        CloseConn(fd);
        continue;
      }
      ex.fd = fd;
      ex.id = id;
      ex.reused = true;
      return Status::OK();
    }
    int fd = socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return NetError("socket", errno);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    bool connecting = false;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to.addr), to.addr_len) != 0) {
      if (errno != EINPROGRESS) {
        int err = errno;
        close(fd);
        return NetError("connect", err);
      }
      connecting = true;
    }
    Conn& c = NewConn(fd, Transport::kTcp, to.name);
    c.connecting = connecting;
    Watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    if (!BeginTcp(c, query)) {
      int err = errno;
      CloseConn(fd);
      return NetError("send", err);
    }
    ex.fd = fd;
    ex.id = id;
    ex.reused = false;
    return Status::OK();
  }

  // Registers `ex` (already sent or being sent) under `token`.
  void Register(uint64_t token, Exchange ex) {
    Conn& c = *conns[ex.fd];
    if (ex.proto == Transport::kUdp) {
      c.ids[ex.id] = token;
    } else {
      c.token = token;
    }
    deadlines.insert({ex.deadline, token});
    WakeFor(ex.deadline);
    exchanges[token] = std::move(ex);
  }

  // Fails every exchange on `fd` with `status` and closes it. A TCP exchange
  // on a reused connection that got nothing back moves to a fresh connection.
  void FailConn(int fd, const Status& status) {
    auto cit = conns.find(fd);
    if (cit == conns.end()) return;
    Conn& c = *cit->second;
    std::vector<uint64_t> tokens;
    if (c.proto == Transport::kUdp) {
      for (auto& [id, token] : c.ids) {
        if (token != 0) tokens.push_back(token);
      }
    } else if (c.token != 0) {
      tokens.push_back(c.token);
    }
    bool nothing_read = c.in.empty();
    CloseConn(fd);
    for (uint64_t token : tokens) {
      auto it = exchanges.find(token);
      if (it == exchanges.end()) continue;
      Exchange& ex = it->second;
      if (ex.proto == Transport::kTcp && ex.reused && nothing_read) {
        Exchange again = std::move(ex);
        deadlines.erase({again.deadline, token});
        exchanges.erase(it);
        std::string query = again.query;
        if (StartTcp(again.to, query, again, /*fresh_only=*/true).ok()) {
          Register(token, std::move(again));
        } else {
          ready.emplace_back(std::move(again.done), ExchangeResult{status, {}});
        }
        continue;
      }
      Complete(token, ExchangeResult{status, {}});
    }
  }

  void OnUdpReadable(Conn& c) {
    char buf[kMaxUdpMessage];
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        FailConn(c.fd, NetError("read udp", errno));  // refused: no server there
        return;
      }
      std::string_view w(buf, static_cast<size_t>(n));
      if (!IsResponse(w)) continue;
      auto it = c.ids.find(Get16(w, 0));
      if (it == c.ids.end() || it->second == 0) continue;  // late or foreign
      uint64_t token = it->second;
      int fd = c.fd;
      Complete(token, ExchangeResult{Status::OK(), std::string(w)});
      ReleaseUdp(c, Get16(w, 0));
      if (conns.find(fd) == conns.end()) return;  // a retired socket closed
    }
  }

  void OnTcpReadable(Conn& c) {
    char buf[16384];
    Status broken;  // EOF or a read error, after what came before it is used
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0) {
        broken = Status::Unavailable("connection closed by upstream");
        break;
      }
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) broken = NetError("read tcp", errno);
        break;
      }
      c.in.append(buf, static_cast<size_t>(n));
    }
    while (c.token != 0 && c.in.size() >= 2) {
      size_t len = Get16(c.in, 0);
      if (c.in.size() < 2 + len) break;
      std::string frame = c.in.substr(2, len);
      c.in.erase(0, 2 + len);
      if (!IsResponse(frame)) continue;
      auto it = exchanges.find(c.token);
      if (it == exchanges.end() || Get16(frame, 0) != it->second.id) continue;
      uint64_t token = c.token;
      c.token = 0;
      Complete(token, ExchangeResult{Status::OK(), std::move(frame)});
      c.in.clear();
      c.out.clear();
      c.last_used = Clock::now();
      if (broken.ok()) pools[c.upstream].tcp_idle.push_back(c.fd);
    }
    if (c.token == 0) c.in.clear();  // nothing is expected on an idle connection
    if (!broken.ok()) {
      if (c.token != 0) {
        FailConn(c.fd, broken);
      } else {
        CloseConn(c.fd);
      }
    }
  }

  void OnTcpWritable(Conn& c) {
    if (c.connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        FailConn(c.fd, NetError("connect", err));
        return;
      }
      c.connecting = false;
    }
    while (c.out_off < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        FailConn(c.fd, NetError("write tcp", errno));
        return;
      }
      c.out_off += static_cast<size_t>(n);
    }
    Watch(c.fd, EPOLLIN, EPOLL_CTL_MOD);
  }

  void OnEvent(int fd, uint32_t events) {
    auto it = conns.find(fd);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    if (c.proto == Transport::kUdp) {
      OnUdpReadable(c);
      return;
    }
    if ((events & (EPOLLOUT | EPOLLERR)) && (c.connecting || c.out_off < c.out.size())) {
      OnTcpWritable(c);
      if (conns.find(fd) == conns.end()) return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) OnTcpReadable(c);
  }

  void ExpireDeadlines(Clock::time_point now) {
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      uint64_t token = deadlines.begin()->second;
      auto it = exchanges.find(token);
      if (it == exchanges.end()) {
        deadlines.erase(deadlines.begin());
        continue;
      }
      int fd = it->second.fd;
      uint16_t id = it->second.id;
      Transport proto = it->second.proto;
      Complete(token, ExchangeResult{Status::Timeout("i/o timeout"), {}});
      auto cit = conns.find(fd);
      if (cit == conns.end()) continue;
      if (proto == Transport::kUdp) {
        ReleaseUdp(*cit->second, id);
      } else {
        CloseConn(fd);  // a late answer must not be taken for the next query's
      }
    }
  }

  // Closes TCP connections idle longer than `expire` and UDP sockets unused as long.
  void Sweep(Clock::time_point now) {
    std::vector<int> old;
    for (auto& [fd, c] : conns) {
      bool idle = c->proto == Transport::kUdp ? c->ids.empty() : c->token == 0;
      if (idle && now - c->last_used > expire) old.push_back(fd);
    }
    for (int fd : old) CloseConn(fd);
    next_sweep = now + kSweepEvery;
  }

  void Loop(std::shared_ptr<Core> self) {
    std::array<epoll_event, 64> events;
    std::vector<std::pair<Callback, ExchangeResult>> done;
    std::vector<std::function<void()>> due;
    for (;;) {
      int timeout_ms;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop) break;
        Clock::time_point next = next_sweep;
        if (!deadlines.empty()) next = std::min(next, deadlines.begin()->first);
        if (!timers.empty()) next = std::min(next, timers.begin()->first);
        Clock::time_point now = Clock::now();
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
        timeout_ms = ready.empty() ? static_cast<int>(std::clamp<int64_t>(ms, 0, 1000)) : 0;
        wait_until = timeout_ms == 0 ? Clock::time_point::min() : next;
      }
      int n = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), timeout_ms);
      {
        std::lock_guard<std::mutex> lock(mu);
        wait_until = Clock::time_point::min();
        if (stop) break;
        for (int i = 0; i < n; ++i) {
          if (events[i].data.fd == wakefd) {
            uint64_t v;
            ssize_t r = read(wakefd, &v, sizeof(v));
            (void)r;
            continue;
          }
          OnEvent(events[i].data.fd, events[i].events);
        }
        Clock::time_point now = Clock::now();
        ExpireDeadlines(now);
        while (!timers.empty() && timers.begin()->first <= now) {
          due.push_back(std::move(timers.begin()->second));
          timers.erase(timers.begin());
        }
        if (now >= next_sweep) Sweep(now);
        done.swap(ready);
      }
      // The owner may destroy the Exchanger inside a callback: check after each.
      for (auto& [cb, result] : done) {
        if (self->stopped.load()) break;
        cb(std::move(result));
      }
      for (auto& fn : due) {
        if (self->stopped.load()) break;
        fn();
      }
      done.clear();
      due.clear();
    }
  }

  const std::chrono::milliseconds expire;
  int epfd = -1;
  int wakefd = -1;
  std::atomic<bool> stopped{false};

  std::mutex mu;
  bool stop = false;
  Clock::time_point wait_until = Clock::time_point::min();  // when the sleeping loop wakes by itself
  uint64_t next_token = 1;
  std::unordered_map<uint64_t, Exchange> exchanges;
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  std::unordered_map<std::string, Pool> pools;
  std::set<std::pair<Clock::time_point, uint64_t>> deadlines;
  std::multimap<Clock::time_point, std::function<void()>> timers;
  std::vector<std::pair<Callback, ExchangeResult>> ready;
  Clock::time_point next_sweep;
  std::thread thread;
};

Exchanger::Exchanger(std::chrono::milliseconds expire) : core_(std::make_shared<Core>(expire)) {
  core_->thread = std::thread(&Core::Loop, core_.get(), core_);
}

Exchanger::~Exchanger() { Stop(); }

void Exchanger::Stop() {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->stop = true;
  }
  core_->stopped.store(true);
  core_->Wake();
  if (!core_->thread.joinable()) return;
  if (core_->thread.get_id() == std::this_thread::get_id()) {
    core_->thread.detach();  // destroyed from a callback: the loop ends by itself
  } else {
    core_->thread.join();
  }
}

Status Exchanger::Start(const UpstreamAddress& to, Transport proto, std::string query, Clock::time_point deadline,
                        Callback done) {
  if (query.size() < 12 || query.size() > 65535) return Status::Invalid("bad query size");
  Core& c = *core_;
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.stop) return Status::Unavailable("exchanger stopped");
  Core::Exchange ex;
  ex.proto = proto;
  ex.deadline = deadline;
  ex.done = std::move(done);
  Status st;
  if (proto == Transport::kUdp) {
    st = c.StartUdp(to, query, ex);
  } else {
    ex.to = to;
    st = c.StartTcp(to, query, ex, /*fresh_only=*/false);
    if (st.ok()) ex.query = std::move(query);
  }
  if (!c.ready.empty()) c.WakeNow();
  if (!st.ok()) return st;
  c.Register(c.next_token++, std::move(ex));
  return Status::OK();
}

void Exchanger::RunAt(Clock::time_point when, std::function<void()> fn) {
  Core& c = *core_;
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.stop) return;
  c.timers.emplace(when, std::move(fn));
  c.WakeFor(when);
}

}  // namespace netkube::dns
