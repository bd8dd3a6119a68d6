#include "dns/loop.h"

#include <gtest/gtest.h>

#include "dns/forward.h"
#include "dns/test_upstream.h"

namespace netkube::dns {
namespace {

using forward_testing::Eventually;
using forward_testing::MakeQuery;
using forward_testing::MakeRequest;
using forward_testing::NextRecorder;
using forward_testing::RecordingWriter;

// Answers through a UDP socket, as the server does.
class UdpWriter : public ReplyWriter {
 public:
  UdpWriter(int fd, sockaddr_storage to, socklen_t len) : fd_(fd), to_(to), len_(len) {}
  void Write(const Request&, std::string_view wire) override {
    sendto(fd_, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&to_), len_);
  }

 private:
  int fd_;
  sockaddr_storage to_;
  socklen_t len_;
};

// A minimal DNS server on 127.0.0.1 (UDP) that runs each query through `chain`.
class ChainServer {
 public:
  explicit ChainServer(std::vector<Plugin*>* chain) : chain_(chain) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    if (pipe(stop_) != 0) return;
  }
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  ~ChainServer() {
    Stop();
    close(fd_);
    close(stop_[0]);
    close(stop_[1]);
  }
  // Ends the serving thread (before the plugins of the chain go away).
  void Stop() {
    if (thread_.joinable()) {
      char c = 0;
      ssize_t n = write(stop_[1], &c, 1);
      (void)n;
      thread_.join();
    }
  }
  int port() const { return port_; }
  std::atomic<bool> paused{false};

 private:
  void Run() {
    for (;;) {
      pollfd p[2] = {{stop_[0], POLLIN, 0}, {fd_, POLLIN, 0}};
      if (poll(p, 2, -1) < 0) continue;
      if (p[0].revents) return;
      char buf[4096];
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      ssize_t n = recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0 || paused) continue;
      auto q = Parse(std::string_view(buf, static_cast<size_t>(n)));
      if (!q.ok()) continue;
      RequestPtr req = MakeRequest(*q, std::make_shared<UdpWriter>(fd_, from, len));
      auto* sin = reinterpret_cast<sockaddr_in*>(&from);
      char ip[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
      req->peer_ip = ip;
      req->peer_port = ntohs(sin->sin_port);
      req->chain = chain_;
      Next(std::move(req));
    }
  }
  std::vector<Plugin*>* chain_;
  int fd_ = -1, port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

struct FatalRecorder {
  std::mutex mu;
  std::vector<std::string> messages;
  std::function<void(const std::string&)> Hook() {
    return [this](const std::string& m) {
      std::lock_guard<std::mutex> lock(mu);
      messages.push_back(m);
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return messages.size();
  }
};

TEST(LoopTest, ProbeNameIsTwoRandomLabelsUnderTheZone) {
  LoopOptions o;
  o.zone = Name::Parse("example.org.").value();
  o.port = 9;  // probes to 127.0.0.1:9 (discard); nothing answers
  o.probe_for = std::chrono::milliseconds(0);
  Loop loop(o);
  EXPECT_EQ(loop.qname().label_count(), 4);
  EXPECT_TRUE(loop.qname().IsSubdomainOf(o.zone));
  for (int i = 0; i < 2; ++i) {
    std::string l(loop.qname().label(i));
    EXPECT_EQ(l.find_first_not_of("0123456789"), std::string::npos) << l;
  }
  Loop other(o);
  EXPECT_NE(loop.qname(), other.qname());
}

TEST(LoopTest, ThirdSightingOfTheProbeIsFatal) {
  // A socket that never answers: probing goes on while we feed the plugin.
  int silent = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);

  FatalRecorder fatal;
  LoopOptions o;
  o.port = port;
  o.fatal = fatal.Hook();
  Loop loop(o);
  NextRecorder next;
  std::vector<Plugin*> chain = {&next};
  auto w = std::make_shared<RecordingWriter>();
  auto serve = [&](const std::string& name, uint16_t qtype) {
    RequestPtr req = MakeRequest(MakeQuery(name, qtype), w);
    req->chain = &chain;
    loop.Serve(std::move(req));
  };
  std::string probe = loop.qname().ToString();
  serve(probe, type::HINFO);
  serve(probe, type::A);                   // another type
  serve("1.2.example.", type::HINFO);      // another name
  serve(probe, type::HINFO);
  EXPECT_EQ(fatal.size(), 0u);
  EXPECT_EQ(loop.seen(), 2);
  serve(probe, type::HINFO);
  ASSERT_EQ(fatal.size(), 1u);
  EXPECT_EQ(fatal.messages[0], "plugin/loop: Loop (127.0.0.1:40000 -> :" + std::to_string(port) +
                                   ") detected for zone \".\", see "
                                   "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO " +
                                   probe + "\"");
  EXPECT_EQ(next.served.load(), 5);  // everything passes on
  close(silent);
}

TEST(LoopTest, AnsweredProbeTurnsTheCheckOff) {
  NextRecorder answer;  // answers NXDOMAIN: an answer all the same
  FatalRecorder fatal;
  std::vector<Plugin*> chain;
  ChainServer server(&chain);
  LoopOptions o;
  o.port = server.port();
  o.fatal = fatal.Hook();
  Loop loop(o);
  chain = {&loop, &answer};
  server.Start();
  ASSERT_TRUE(Eventually([&] { return loop.disabled(); }));
  EXPECT_GE(answer.served.load(), 1);
  auto w = std::make_shared<RecordingWriter>();
  for (int i = 0; i < 3; ++i) {
    RequestPtr req = MakeRequest(MakeQuery(loop.qname().ToString(), type::HINFO), w);
    req->chain = &chain;
    req->next_plugin = 1;
    loop.Serve(std::move(req));
  }
  EXPECT_EQ(fatal.size(), 0u);
  server.Stop();
}

TEST(LoopTest, ForwardingToItselfIsDetected) {
  FatalRecorder fatal;
  std::vector<Plugin*> chain;
  ChainServer server(&chain);
  Directive d;
  d.name = Token{"forward", "Corefile", 2};
  d.args = {Token{".", "Corefile", 2}, Token{"127.0.0.1:" + std::to_string(server.port()), "Corefile", 2}};
  Directive rt;
  rt.name = Token{"read_timeout", "Corefile", 3};
  rt.args = {Token{"300ms", "Corefile", 3}};
  d.block.push_back(rt);
  d.has_block = true;
  auto config = ParseForwardConfig(d, SetupContext{});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto forward = std::make_unique<Forward>(std::move(config).value());
  LoopOptions o;
  o.port = server.port();
  o.fatal = [&](const std::string& m) {
    server.paused = true;  // what exiting would do: the loop stops here
    fatal.Hook()(m);
  };
  auto loop = std::make_unique<Loop>(o);
  chain = {loop.get(), forward.get()};
  server.Start();
  ASSERT_TRUE(Eventually([&] { return fatal.size() > 0; }));
  EXPECT_NE(fatal.messages[0].find("plugin/loop: Loop (127.0.0.1:"), std::string::npos) << fatal.messages[0];
  EXPECT_NE(fatal.messages[0].find(" -> :" + std::to_string(server.port()) + ") detected for zone \".\""),
            std::string::npos)
      << fatal.messages[0];
  EXPECT_NE(fatal.messages[0].find("Query: \"HINFO " + loop->qname().ToString() + "\""), std::string::npos);
  server.Stop();
  loop.reset();
  forward.reset();
}

TEST(LoopTest, SetupLoop) {
  Directive d;
  d.name = Token{"loop", "Corefile", 4};
  SetupContext ctx;
  ctx.zones = {Name::Parse("cluster.local.").value()};
  ctx.port = 9;  // the discard port: probes go nowhere
  auto p = SetupLoop(d, ctx);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto* loop = dynamic_cast<Loop*>(p->get());
  ASSERT_NE(loop, nullptr);
  EXPECT_TRUE(loop->qname().IsSubdomainOf(ctx.zones[0]));
  d.args = {Token{"x", "Corefile", 4}};
  auto bad = SetupLoop(d, ctx);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Corefile:4"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace netkube::dns
