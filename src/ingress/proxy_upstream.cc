// Sockets, buffers, backend connections and the shared keep-alive pool.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "ingress/proxy_client.h"
#include "ingress/proxy_internal.h"

namespace netkube::ingress {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

char* Buffer::Prepare(size_t n) {
  if (end_ + n <= cap_) return data_.get() + end_;
  size_t live = end_ - start_;
  if (live + n <= cap_ && start_ > 0) {
    std::memmove(data_.get(), data_.get() + start_, live);
  } else {
    size_t cap = std::max<size_t>({cap_ * 2, live + n, 4096});
    std::unique_ptr<char[]> next(new char[cap]);
    if (live) std::memcpy(next.get(), data_.get() + start_, live);
    data_ = std::move(next);
    cap_ = cap;
  }
  start_ = 0;
  end_ = live;
  return data_.get() + end_;
}

ssize_t Sock::Read(char* buf, size_t n) {
  if (pipe) {
    if (pipe->to_server.empty()) {
      if (pipe->client_done) return 0;
      can_read = false;
      return -1;
    }
    size_t k = std::min(n, pipe->to_server.size());
    std::memcpy(buf, pipe->to_server.view().data(), k);
    pipe->to_server.Consume(k);
    return static_cast<ssize_t>(k);
  }
  if (ssl) {
    ERR_clear_error();
    int r = SSL_read(ssl, buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
      can_read = false;
      return -1;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      can_write = false;
      return -1;
    }
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) return 0;
    return -2;
  }
  while (true) {
    ssize_t r = ::recv(fd, buf, n, 0);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      can_read = false;
      return -1;
    }
    return -2;
  }
}

ssize_t Sock::Write(const char* buf, size_t n) {
  if (pipe) {
    if (pipe->to_client.size() >= kHighWater) {
      can_write = false;  // the stream's owner kicks when it has taken some
      return -1;
    }
    pipe->to_client.Append(std::string_view(buf, n));
    return static_cast<ssize_t>(n);
  }
  if (ssl) {
    ERR_clear_error();
    int r = SSL_write(ssl, buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_WRITE) {
      can_write = false;
      return -1;
    }
    if (e == SSL_ERROR_WANT_READ) {
      can_read = false;
      return -1;
    }
    return -2;
  }
  while (true) {
    ssize_t r = ::send(fd, buf, n, MSG_NOSIGNAL);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      can_write = false;
      return -1;
    }
    return -2;
  }
}

bool Sock::ReadInto(Buffer* b, size_t limit, bool* eof, size_t* got) {
  *eof = false;
  *got = 0;
  while (can_read && b->size() < limit) {
    size_t room = pipe ? std::max<size_t>(1, pipe->to_server.size())
                       : std::max<size_t>(16 * 1024, std::min<size_t>(limit - b->size(), 64 * 1024));
    char* p = b->Prepare(room);
    ssize_t r = Read(p, room);
    b->Commit(r > 0 ? static_cast<size_t>(r) : 0);
    if (r > 0) {
      *got += r;
      if (static_cast<size_t>(r) < room && !ssl && !pipe && !rdhup) {
        // A short read usually means the socket is drained; the next
        // edge-triggered event says when there is more.
        can_read = false;
        break;
      }
      continue;
    }
    if (r == -1) return true;
    *eof = r == 0;
    return false;
  }
  return true;
}

bool Sock::WriteFrom(Buffer* b, size_t* wrote) {
  *wrote = 0;
  while (can_write && !b->empty()) {
    std::string_view v = b->view();
    ssize_t r = Write(v.data(), v.size());
    if (r > 0) {
      b->Consume(r);
      *wrote += r;
      continue;
    }
    if (r == -1) return true;
    return false;
  }
  return true;
}

void Sock::Close() {
  if (pipe) {
    pipe->server_closed = true;
    pipe = nullptr;
  }
  if (ssl) {
    SSL_free(ssl);
    ssl = nullptr;
  }
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

void UpstreamConn::OnEvents(uint32_t events) {
  if (client_) {
    client_->OnUpstreamEvents(events);
    return;
  }
  // Idle in this worker's cache: the backend closed it (or sent stray bytes).
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) worker_->DropIdle(this);
}

SharedPool::~SharedPool() {
  for (auto& [key, list] : idle_)
    for (UpstreamConn* c : list) delete c;
}

UpstreamConn* SharedPool::Take(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  UpstreamConn* c = it->second.back();
  it->second.pop_back();
  idle_total--;
  return c;
}

void SharedPool::Put(UpstreamConn* c) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_[c->key_].push_back(c);
  idle_total++;
}

void SharedPool::Expire(int64_t now_ms, int timeout_ms) {
  std::vector<UpstreamConn*> dead;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      size_t keep = 0;
      for (UpstreamConn* c : list) {
        if (now_ms - c->idle_since_ms_ > timeout_ms) dead.push_back(c);
        else list[keep++] = c;
      }
      list.resize(keep);
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
    idle_total -= static_cast<int>(dead.size());
  }
  for (UpstreamConn* c : dead) delete c;
}

UpstreamConn* Worker::Checkout(const std::string& key) {
  auto it = local_idle_.find(key);
  if (it != local_idle_.end() && !it->second.empty()) {
    UpstreamConn* c = it->second.back();
    it->second.pop_back();
    shared_->pool->idle_total--;
    // Its last read drained it (can_read false); anything arriving since
    // would have been an event (DropIdle). So no read is tried before the
    // response's event.
    c->sock_.can_write = true;
    shared_->stats->upstream_connections_reused++;
    return c;
  }
  UpstreamConn* c;
  while ((c = shared_->pool->Take(key)) != nullptr) {
    // It sat in no epoll set: make sure the backend has not closed it (or
    // sent stray bytes) meanwhile.
    char b;
    ssize_t r = ::recv(c->sock_.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    delete c;
  }
  if (!c) return nullptr;
  c->worker_ = this;
  if (!Watch(c->sock_.fd, c)) {
    delete c;
    return nullptr;
  }
  c->sock_.can_read = false;  // adding it to the epoll set reports any pending data
  c->sock_.can_write = true;
  c->sock_.rdhup = false;
  shared_->stats->upstream_connections_reused++;
  return c;
}

UpstreamConn* Worker::Connect(const std::string& key, const sockaddr_storage& addr, socklen_t len, bool tls) {
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len);
  if (r < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return nullptr;
  }
  auto* c = new UpstreamConn(this, key);
  c->sock_.fd = fd;
  c->connecting_ = r < 0;
  c->handshaking_ = tls;
  if (tls && !c->connecting_) {
    c->sock_.ssl = SSL_new(shared_->tls->client_context());
    SSL_set_fd(c->sock_.ssl, fd);
    SSL_set_connect_state(c->sock_.ssl);
  }
  if (!Watch(fd, c)) {
    delete c;
    return nullptr;
  }
  shared_->stats->upstream_connections_opened++;
  return c;
}

void Worker::Release(UpstreamConn* c, bool reusable) {
  c->client_ = nullptr;
  if (!reusable || shared_->stopping || shared_->pool->idle_total.load() >= shared_->pool->max_idle_) {
    Unwatch(c->sock_.fd);
    c->sock_.Close();
    Retire(c);
    return;
  }
  c->idle_since_ms_ = NowMs();
  c->in_.Clear();
  c->out_.Clear();
  local_idle_[c->key_].push_back(c);
  shared_->pool->idle_total++;
}

void Worker::DropIdle(UpstreamConn* c) {
  auto it = local_idle_.find(c->key_);
  if (it == local_idle_.end()) return;
  auto& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == c) {
      list.erase(list.begin() + i);
      shared_->pool->idle_total--;
      Unwatch(c->sock_.fd);
      c->sock_.Close();
      Retire(c);
      return;
    }
  }
}

}  // namespace netkube::ingress
