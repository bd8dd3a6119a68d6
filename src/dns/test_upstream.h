// Test helpers for the forward and loop plugins: a tiny DNS server on
// 127.0.0.1 (UDP and TCP on one ephemeral port), a recording ReplyWriter and a
// Request builder. Header-only, for *_test.cc files.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dns/message.h"
#include "dns/plugin.h"

namespace netkube::dns::forward_testing {

inline Message MakeQuery(const std::string& qname, uint16_t qtype = type::A, uint16_t id = 0x1234) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.question.push_back(Question{Name::Parse(qname).value(), qtype, klass::IN});
  return m;
}

// An A answer 10.0.0.1 (or `ip`) to `q`.
inline std::string AnswerA(const Message& q, std::array<uint8_t, 4> ip = {10, 0, 0, 1}) {
  Message r = Message::ReplyTo(q);
  r.header.ra = true;
  r.answer.push_back(ResourceRecord::MakeA(q.question[0].name, 30, ip));
  return Serialize(r);
}

// Collects the replies written for requests.
class RecordingWriter : public ReplyWriter {
 public:
  void Write(const Request& /*req*/, std::string_view wire) override {
    std::lock_guard<std::mutex> lock(mu_);
    replies_.emplace_back(wire);
    cv_.notify_all();
  }
  // Waits until `n` replies are in (or 10 s passed: then fewer are returned).
  std::vector<std::string> Wait(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return replies_.size() >= n; });
    return replies_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> replies_;
};

inline RequestPtr MakeRequest(const Message& query, std::shared_ptr<ReplyWriter> writer,
                              Transport transport = Transport::kUdp) {
  auto req = std::make_unique<Request>();
  req->query = query;
  req->transport = transport;
  req->peer_ip = "127.0.0.1";
  req->peer_port = 40000;
  req->max_size = transport == Transport::kTcp ? 65535 : 1232;
  req->writer = std::move(writer);
  req->start = std::chrono::steady_clock::now();
  return req;
}

// Counts what reaches it and answers NXDOMAIN: a stand-in for "the next plugin".
class NextRecorder : public Plugin {
 public:
  std::string_view name() const override { return "next"; }
  void Serve(RequestPtr req) override {
    served.fetch_add(1);
    req->Fail(rcode::NXDomain);
  }
  std::atomic<int> served{0};
};

// A DNS server on 127.0.0.1: UDP and TCP on the same ephemeral port. The
// handler returns the reply's wire, or "" to stay silent.
class TestUpstream {
 public:
  using Handler = std::function<std::string(const Message& query, Transport transport)>;
  struct Seen {
    uint16_t id;
    std::string qname;
    uint16_t qtype;
    Transport transport;
    bool rd;
    bool has_edns;
    bool do_bit;
  };

  explicit TestUpstream(Handler handler) : handler_(std::move(handler)) {
    for (int tries = 0; tries < 20 && port_ == 0; ++tries) Bind();
    if (pipe(stop_pipe_) != 0) return;
    thread_ = std::thread([this] { Run(); });
  }
  ~TestUpstream() { Stop(); }

  // Closes the sockets: the port refuses from now on.
  void Stop() {
    if (thread_.joinable()) {
      char c = 0;
      ssize_t n = write(stop_pipe_[1], &c, 1);
      (void)n;
      thread_.join();
      for (auto& [fd, buf] : conns_) close(fd);
      conns_.clear();
      close(udp_);
      close(listen_);
      close(stop_pipe_[0]);
      close(stop_pipe_[1]);
    }
  }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void SetHandler(Handler h) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(h);
  }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Queries seen of type `qtype` (0: all) over `t` (nullopt: both).
  size_t Count(uint16_t qtype = 0, std::optional<Transport> t = std::nullopt) const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const Seen& s : seen_) n += (qtype == 0 || s.qtype == qtype) && (!t || s.transport == *t);
    return n;
  }
  int accepts() const { return accepts_.load(); }
  // Closes each TCP connection after its first reply.
  void CloseTcpAfterReply(bool on) { close_after_reply_ = on; }
  // Holds UDP replies until `n` are waiting, then sends them in reverse order.
  void HoldUdp(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = n;
  }

 private:
  void Bind() {
    udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      close(udp_);
      return;
    }
    listen_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(listen_, 64) != 0) {
      close(udp_);
      close(listen_);
      return;
    }
    port_ = ntohs(a.sin_port);
  }

  std::string Handle(std::string_view wire, Transport t) {
    auto q = Parse(wire);
    if (!q.ok() || q->question.empty()) return "";
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(Seen{q->header.id, q->question[0].name.ToString(), q->question[0].qtype, t, q->header.rd,
                         q->edns.has_value(), q->edns && q->edns->do_bit});
    return handler_ ? handler_(*q, t) : "";
  }

  void Run() {
    for (;;) {
      std::vector<pollfd> fds = {{stop_pipe_[0], POLLIN, 0}, {udp_, POLLIN, 0}, {listen_, POLLIN, 0}};
      for (auto& [fd, buf] : conns_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) {
        char buf[65536];
        sockaddr_storage from{};
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(udp_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n > 0) {
          std::string reply = Handle(std::string_view(buf, static_cast<size_t>(n)), Transport::kUdp);
          if (!reply.empty()) {
            std::lock_guard<std::mutex> lock(mu_);
            held_.push_back({reply, from, len});
            if (held_.size() >= hold_) {
              for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
                sendto(udp_, it->wire.data(), it->wire.size(), 0, reinterpret_cast<sockaddr*>(&it->to), it->len);
              }
              held_.clear();
              hold_ = 0;
            }
          }
        }
      }
      if (fds[2].revents & POLLIN) {
        int c = accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) {
          conns_[c] = "";
          accepts_.fetch_add(1);
        }
      }
      for (size_t i = 3; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        int fd = fds[i].fd;
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
          close(fd);
          conns_.erase(fd);
          continue;
        }
        std::string& in = conns_[fd];
        in.append(buf, static_cast<size_t>(n));
        bool replied = false;
        while (in.size() >= 2) {
          size_t len = (static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1]);
          if (in.size() < 2 + len) break;
          std::string reply = Handle(std::string_view(in).substr(2, len), Transport::kTcp);
          in.erase(0, 2 + len);
          if (reply.empty()) continue;
          std::string out(2, '\0');
          out[0] = static_cast<char>(reply.size() >> 8);
          out[1] = static_cast<char>(reply.size());
          out += reply;
          ssize_t w = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
          (void)w;
          replied = true;
          if (close_after_reply_) break;
        }
        if (close_after_reply_ && replied) {
          close(fd);
          conns_.erase(fd);
        }
      }
    }
  }

  struct Held {
    std::string wire;
    sockaddr_storage to;
    socklen_t len;
  };

  Handler handler_;
  int udp_ = -1, listen_ = -1, port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::map<int, std::string> conns_;
  std::atomic<int> accepts_{0};
  std::atomic<bool> close_after_reply_{false};
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  std::vector<Held> held_;
  size_t hold_ = 0;
  std::thread thread_;
};

// Polls `cond` every 10 ms for up to 10 s.
inline bool Eventually(const std::function<bool()>& cond) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

}  // namespace netkube::dns::forward_testing
