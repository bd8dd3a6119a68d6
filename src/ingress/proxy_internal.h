// The proxy's moving parts, shared by proxy.cc (threads, listeners),
// proxy_client.cc, proxy_request.cc and proxy_exchange.cc (one client
// connection and its requests) and
// proxy_upstream.cc (backend connections and their keep-alive pool).
//
// Ownership: a Worker owns its ClientConns, and the UpstreamConns they use or
// that sit in its local idle cache. An UpstreamConn in the SharedPool belongs
// to no worker and is in no epoll set. Objects closed during an epoll batch
// are deleted after the batch (Worker::Retire), so a later event of the same
// batch never reaches freed memory.
//
// Thread-safety: everything here is used by its worker thread only, except
// SharedPool (its own mutex) and the Impl's atomics.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ingress/http1.h"
#include "ingress/proxy.h"
#include "ingress/proxy_metrics.h"
#include "ingress/route_table.h"
#include "ingress/tls.h"

namespace netkube::ingress {

using Clock = std::chrono::steady_clock;

// Back-pressure: a side stops reading while the other side's output (or an
// HTTP/2 stream's pending answer) holds more than this.
inline constexpr size_t kHighWater = 256 * 1024;
int64_t NowMs();

// A byte queue with a read offset (appends at the end, consumes at the
// front). Storage is not zero-filled, so reading into it costs no memset.
class Buffer {
 public:
  size_t size() const { return end_ - start_; }
  bool empty() const { return end_ == start_; }
  std::string_view view() const { return std::string_view(data_.get() + start_, end_ - start_); }
  void Append(std::string_view s) {
    std::memcpy(Prepare(s.size()), s.data(), s.size());
    end_ += s.size();
  }
  void Consume(size_t n) {
    start_ += n;
    if (start_ >= end_) start_ = end_ = 0;
  }
  void Clear() { start_ = end_ = 0; }
  // Room for `n` more bytes at the end: write there, then Commit(written).
  char* Prepare(size_t n);
  void Commit(size_t n) { end_ += n; }
  // Frees the storage of an empty buffer (idle connections keep none).
  void Shrink() {
    if (empty() && cap_ > 16 * 1024) {
      data_.reset();
      cap_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, start_ = 0, end_ = 0;
};

// An in-memory byte pipe standing in for a client socket: an HTTP/2 stream
// (proxy_h2.cc) speaks HTTP/1.1 through it to a ClientConn, which then routes,
// retries, times out and logs the request as it does for any client.
struct Pipe {
  Buffer to_server;            // request bytes for the ClientConn
  Buffer to_client;            // response bytes from it (writes stop at kHighWater)
  bool client_done = false;    // no more request bytes: reads then see EOF
  bool server_closed = false;  // the ClientConn has closed
  std::function<void()> notify;  // runs after the ClientConn moved bytes or closed
};

// A non-blocking socket, plain or TLS, with edge-triggered readiness flags;
// or, with `pipe` set, the server end of a Pipe.
struct Sock {
  int fd = -1;
  SSL* ssl = nullptr;
  Pipe* pipe = nullptr;
  bool can_read = true;
  bool can_write = true;
  bool rdhup = false;  // the peer's FIN was reported: read to the end
  // > 0 bytes; 0 at EOF; -1 when it would block (flag cleared); -2 on error.
  ssize_t Read(char* buf, size_t n);
  ssize_t Write(const char* buf, size_t n);
  // Reads into `b` while the socket has data and `b` holds < `limit` bytes.
  // Returns false at EOF or on error (`*eof` tells which).
  bool ReadInto(Buffer* b, size_t limit, bool* eof, size_t* got);
  // Writes from `b`; false on error.
  bool WriteFrom(Buffer* b, size_t* wrote);
  void Close();
};

class Worker;
class ClientConn;
class H2Conn;

struct Handler {
  virtual ~Handler() = default;
  virtual void OnEvents(uint32_t events) = 0;
};

class UpstreamConn : public Handler {
 public:
  UpstreamConn(Worker* worker, std::string key) : worker_(worker), key_(std::move(key)) {}
  ~UpstreamConn() override { sock_.Close(); }
  void OnEvents(uint32_t events) override;

  Worker* worker_;
  const std::string key_;  // "ip:port" or "ip:port/tls"
  Sock sock_;
  bool connecting_ = false;
  bool handshaking_ = false;
  ClientConn* client_ = nullptr;  // the request using it; nullptr when idle
  Buffer in_, out_;
  int requests_ = 0;
  int64_t idle_since_ms_ = 0;
};

// Idle keep-alive connections shared by every worker.
class SharedPool {
 public:
  explicit SharedPool(int max_idle) : max_idle_(max_idle) {}
  ~SharedPool();
  // An idle connection for `key`, newest first; nullptr when none.
  UpstreamConn* Take(const std::string& key);
  // Keeps `c` (already out of every epoll set). The limit on idle
  // connections (idle_total vs max_idle_) is applied when one is released.
  void Put(UpstreamConn* c);
  // Closes connections idle longer than `timeout_ms`.
  void Expire(int64_t now_ms, int timeout_ms);
  std::atomic<int> idle_total{0};  // shared + every worker's local idle (approximate)
  const int max_idle_;

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<UpstreamConn*>> idle_;  // guarded by mu_
};

struct ProxyShared {
  ProxyOptions options;
  std::shared_ptr<const RouteTable> table;  // atomic_load/atomic_store
  std::atomic<uint64_t> table_version{0};   // bumped after each store
  std::unique_ptr<TlsContexts> tls;
  std::unique_ptr<ProxyStats> stats;
  std::unique_ptr<SharedPool> pool;
  std::atomic<bool> stopping{false};
};

class Worker {
 public:
  Worker(ProxyShared* shared, int index) : shared_(shared), index_(index) {}
  ~Worker();
  Status Init(int http_fd, int https_fd);
  void Run();
  void Wake();  // from another thread: leave epoll_wait

  // Registers `fd` (edge-triggered, in and out) for `h`.
  bool Watch(int fd, Handler* h);
  void Unwatch(int fd);
  // Deletes `h` after the current batch.
  void Retire(Handler* h) { retired_.push_back(h); }

  // Upstream connections: a pooled one for `key` or a new one to `addr`.
  UpstreamConn* Checkout(const std::string& key);
  UpstreamConn* Connect(const std::string& key, const sockaddr_storage& addr, socklen_t len, bool tls);
  // Returns a finished connection for reuse, or closes it.
  void Release(UpstreamConn* c, bool reusable);
  void DropIdle(UpstreamConn* c);  // an idle local connection closed by its peer
  // Takes over a client connection whose TLS handshake chose HTTP/2.
  void AdoptH2(Sock sock, const sockaddr_storage& peer);
  // A ClientConn for one HTTP/2 stream (not in the epoll set).
  ClientConn* NewPipeClient(Pipe* pipe, const sockaddr_storage& peer);
  void ForgetH2(H2Conn* c) { h2_conns_.erase(c); }

  // The current route table; reloaded only when the version moved, so the
  // request path takes no lock.
  const std::shared_ptr<const RouteTable>& CurrentTable();

  void Log(std::string_view line);
  ProxyShared* shared() const { return shared_; }
  int index() const { return index_; }
  std::unordered_map<ClientConn*, std::unique_ptr<ClientConn>>& clients() { return clients_; }

 private:
  void Accept(int fd, bool tls);
  void Sweep(int64_t now_ms);
  void FlushLog();

  ProxyShared* shared_;
  const int index_;
  int epfd_ = -1;
  int wake_fd_ = -1;
  int http_fd_ = -1, https_fd_ = -1;
  std::unordered_map<ClientConn*, std::unique_ptr<ClientConn>> clients_;
  std::unordered_map<std::string, std::vector<UpstreamConn*>> local_idle_;
  std::unordered_set<H2Conn*> h2_conns_;  // owned: deleted through Retire
  std::vector<Handler*> retired_;
  std::shared_ptr<const RouteTable> table_;
  uint64_t table_version_ = 0;
  std::string log_;
  int64_t last_sweep_ms_ = 0;
  int64_t last_flush_ms_ = 0;

  struct ListenerHandler : Handler {
    Worker* w;
    int fd;
    bool tls;
    void OnEvents(uint32_t) override { w->Accept(fd, tls); }
  };
  ListenerHandler http_listener_, https_listener_;
  struct WakeHandler : Handler {
    int fd;
    void OnEvents(uint32_t) override;
  } wake_handler_;
};

}  // namespace netkube::ingress
