#include "dns/loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "dns/message.h"

namespace netkube::dns {
namespace {

// A random number below 2^62, in decimal, as CoreDNS's labels.
std::string RandomLabel() {
  uint64_t v = (static_cast<uint64_t>(arc4random()) << 32 | arc4random()) >> 2;
  return std::to_string(v);
}

Name ProbeName(const Name& zone) {
  StatusOr<Name> inner = zone.Prepend(RandomLabel());
  if (!inner.ok()) return zone;
  StatusOr<Name> outer = inner->Prepend(RandomLabel());
  return outer.ok() ? std::move(outer).value() : std::move(inner).value();
}

void DefaultFatal(const std::string& message) {
  std::string line = "[FATAL] " + message + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
  _exit(1);
}

std::string PeerAddress(const Request& req) {
  bool v6 = req.peer_ip.find(':') != std::string::npos;
  return (v6 ? "[" + req.peer_ip + "]" : req.peer_ip) + ":" + std::to_string(req.peer_port);
}

}  // namespace

Loop::Loop(LoopOptions options) : options_(std::move(options)), qname_(ProbeName(options_.zone)) {
  thread_ = std::thread([this] { Probe(); });
}

Loop::~Loop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Loop::Serve(RequestPtr req) {
  if (req->qtype() != type::HINFO || disabled_.load() || req->query.question.empty() ||
      !req->query.question[0].name.IsSubdomainOf(options_.zone)) {
    Next(std::move(req));
    return;
  }
  if (req->query.question[0].name == qname_) seen_.fetch_add(1);
  if (seen_.load() > 2 && !fired_.exchange(true)) {
    std::string message = "plugin/loop: Loop (" + PeerAddress(*req) + " -> :" + std::to_string(options_.port) +
                          ") detected for zone \"" + options_.zone.ToString() +
                          "\", see https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO " +
                          qname_.ToString() + "\"";
    if (options_.fatal) {
      options_.fatal(message);
    } else {
      DefaultFatal(message);
    }
  }
  Next(std::move(req));
}

void Loop::Probe() {
  auto deadline = std::chrono::steady_clock::now() + options_.probe_for;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ExchangeOnce()) break;
    seen_.store(0);
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, options_.retry_every, [this] { return stop_; })) break;
  }
  disabled_.store(true);
}

// One probe: true when any answer to it came back in time.
bool Loop::ExchangeOnce() {
  sockaddr_storage to{};
  socklen_t to_len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&to);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&to);
  if (inet_pton(AF_INET, options_.probe_ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(options_.port));
    to_len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, options_.probe_ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(options_.port));
    to_len = sizeof(sockaddr_in6);
  } else {
    return false;
  }
  Message query;
  query.header.id = static_cast<uint16_t>(arc4random());
  query.header.rd = true;
  query.question.push_back(Question{qname_, type::HINFO, klass::IN});
  std::string wire = Serialize(query);

  int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool answered = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) == 0 && send(fd, wire.data(), wire.size(), 0) >= 0) {
    auto until = std::chrono::steady_clock::now() + options_.probe_timeout;
    char buf[4096];
    while (!answered) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) break;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
      if (r <= 0) continue;
      ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n < 0) break;  // refused: nobody listens yet
      answered = n >= 12 && (static_cast<uint8_t>(buf[2]) & 0x80) != 0 &&
                 static_cast<uint16_t>((static_cast<uint8_t>(buf[0]) << 8) | static_cast<uint8_t>(buf[1])) ==
                     query.header.id;
    }
  }
  close(fd);
  return answered;
}

StatusOr<std::unique_ptr<Plugin>> SetupLoop(const Directive& d, const SetupContext& ctx) {
  if (!d.args.empty() || d.has_block) return ArgErr(d.name);
  LoopOptions o;
  if (!ctx.zones.empty()) o.zone = ctx.zones[0];
  o.port = ctx.port;
  return std::unique_ptr<Plugin>(std::make_unique<Loop>(std::move(o)));
}

}  // namespace netkube::dns
