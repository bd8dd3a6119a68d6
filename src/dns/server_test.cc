// The server over real sockets on 127.0.0.1 ephemeral ports, with test-only
// plugins (answer, notready, pass) registered through ServerOptions::plugins.
#include "dns/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace netkube::dns {
namespace {

// answer IP [COUNT]: COUNT A records of IP for the query name.
class AnswerPlugin : public Plugin {
 public:
  AnswerPlugin(std::array<uint8_t, 4> ip, int count) : ip_(ip), count_(count) {}
  std::string_view name() const override { return "answer"; }
  void Serve(RequestPtr req) override {
    Message m = Message::ReplyTo(req->query);
    m.header.aa = true;
    for (int i = 0; i < count_; ++i) m.answer.push_back(ResourceRecord::MakeA(req->query.question[0].name, 5, ip_));
    req->Reply(std::move(m));
  }

 private:
  std::array<uint8_t, 4> ip_;
  int count_;
};

class PassPlugin : public Plugin {
 public:
  explicit PassPlugin(bool ready, std::string name) : ready_(ready), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  void Serve(RequestPtr req) override { Next(std::move(req)); }
  bool Ready() const override { return ready_; }
  void RenderMetrics(std::ostream& out) const override {
    out << "# HELP coredns_test_total A test counter.\n# TYPE coredns_test_total counter\ncoredns_test_total 7\n";
  }

 private:
  bool ready_;
  std::string name_;
};

ServerOptions TestOptions(const std::string& corefile_path = "Corefile") {
  ServerOptions o;
  o.threads = 2;
  o.log_info = false;
  o.quiet = true;
  o.corefile_path = corefile_path;
  o.plugins.emplace_back("notready", [](const Directive&, const SetupContext&) -> StatusOr<std::unique_ptr<Plugin>> {
    return std::unique_ptr<Plugin>(new PassPlugin(false, "notready"));
  });
  o.plugins.emplace_back("answer", [](const Directive& d, const SetupContext&) -> StatusOr<std::unique_ptr<Plugin>> {
    if (d.args.empty()) return ArgErr(d.name);
    std::array<uint8_t, 4> ip{};
    if (inet_pton(AF_INET, d.args[0].text.c_str(), ip.data()) != 1) return ParseErrorAt(d.args[0], "bad ip");
    int count = d.args.size() > 1 ? std::stoi(d.args[1].text) : 1;
    return std::unique_ptr<Plugin>(new AnswerPlugin(ip, count));
  });
  o.plugins.emplace_back("pass", [](const Directive&, const SetupContext&) -> StatusOr<std::unique_ptr<Plugin>> {
    return std::unique_ptr<Plugin>(new PassPlugin(true, "pass"));
  });
  return o;
}

const char* kCorefile = R"(example.org:0 {
    bind 127.0.0.1
    errors
    health 127.0.0.1:0 {
        lameduck 1s
    }
    ready 127.0.0.1:0
    prometheus 127.0.0.1:0
    answer 10.0.0.1
}
sub.example.org:0 {
    bind 127.0.0.1
    answer 10.0.0.2
}
big.test:0 {
    bind 127.0.0.1
    answer 10.0.0.3 60
}
fail.test:0 {
    bind 127.0.0.1
    pass
}
)";

std::string Query(const std::string& name, uint16_t qtype, uint16_t id, std::optional<Edns> edns = std::nullopt) {
  Message q;
  q.header.id = id;
  q.header.rd = true;
  q.question.push_back(Question{*Name::Parse(name), qtype, klass::IN});
  q.edns = edns;
  return Serialize(q);
}

int UdpSocket() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{5, 0};  // a bound so a broken server fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Sends `packets` in order, then returns the first reply ("" when none came).
std::string UdpExchange(int port, const std::vector<std::string>& packets) {
  int fd = UdpSocket();
  sockaddr_in a = Loopback(port);
  for (const auto& p : packets) sendto(fd, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  char buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  close(fd);
  return n > 0 ? std::string(buf, n) : std::string();
}

int TcpConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ReadFull(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = recv(fd, buf + got, n - got, 0);
    if (k <= 0) return false;
    got += k;
  }
  return true;
}

std::string TcpRead(int fd) {
  char len[2];
  if (!ReadFull(fd, len, 2)) return "";
  size_t n = (static_cast<uint8_t>(len[0]) << 8) | static_cast<uint8_t>(len[1]);
  std::string out(n, '\0');
  if (!ReadFull(fd, out.data(), n)) return "";
  return out;
}

std::string Frame(const std::string& wire) {
  std::string f;
  f += static_cast<char>(wire.size() >> 8);
  f += static_cast<char>(wire.size() & 0xff);
  return f + wire;
}

std::string HttpGet(int port, const std::string& path) {
  int fd = TcpConnect(port);
  if (fd < 0) return "";
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, n);
  close(fd);
  return out;
}

Message MustParse(const std::string& wire) {
  auto m = Parse(wire);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Message{};
}

std::string FirstA(const Message& m) {
  if (m.answer.empty() || !m.answer[0].a()) return "";
  auto ip = *m.answer[0].a();
  return std::to_string(ip[0]) + "." + std::to_string(ip[1]) + "." + std::to_string(ip[2]) + "." +
         std::to_string(ip[3]);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(TestOptions());
    Status s = server_->Start(kCorefile);
    ASSERT_TRUE(s.ok()) << s.ToString();
    port_ = server_->DnsPort(0);
    http_ = server_->HttpPort("127.0.0.1:0");
    ASSERT_GT(port_, 0);
    ASSERT_GT(http_, 0);
  }
  std::unique_ptr<Server> server_;
  int port_ = 0, http_ = 0;
};

TEST_F(ServerTest, AnswersOverUdpAndTcpByLongestZone) {
  Message r = MustParse(UdpExchange(port_, {Query("www.Example.org.", type::A, 7)}));
  EXPECT_EQ(r.header.id, 7);
  EXPECT_TRUE(r.header.qr);
  EXPECT_EQ(r.header.rcode, rcode::NoError);
  EXPECT_EQ(FirstA(r), "10.0.0.1");

  r = MustParse(UdpExchange(port_, {Query("a.b.sub.example.org.", type::A, 8)}));
  EXPECT_EQ(FirstA(r), "10.0.0.2");
  r = MustParse(UdpExchange(port_, {Query("sub.example.org.", type::A, 9)}));
  EXPECT_EQ(FirstA(r), "10.0.0.2");
  r = MustParse(UdpExchange(port_, {Query("xsub.example.org.", type::A, 10)}));
  EXPECT_EQ(FirstA(r), "10.0.0.1");

  int fd = TcpConnect(port_);
  ASSERT_GE(fd, 0);
  // Two queries pipelined on one connection.
  std::string both = Frame(Query("sub.example.org.", type::A, 11)) + Frame(Query("example.org.", type::A, 12));
  send(fd, both.data(), both.size(), 0);
  Message a = MustParse(TcpRead(fd)), b = MustParse(TcpRead(fd));
  close(fd);
  if (a.header.id == 12) std::swap(a, b);
  EXPECT_EQ(a.header.id, 11);
  EXPECT_EQ(FirstA(a), "10.0.0.2");
  EXPECT_EQ(b.header.id, 12);
  EXPECT_EQ(FirstA(b), "10.0.0.1");
}

TEST_F(ServerTest, RefusesNamesOutsideEveryZone) {
  Message r = MustParse(UdpExchange(port_, {Query("example.net.", type::A, 21)}));
  EXPECT_EQ(r.header.id, 21);
  EXPECT_EQ(r.header.rcode, rcode::Refused);
  EXPECT_TRUE(r.answer.empty());
}

TEST_F(ServerTest, PastTheChainEndIsServfail) {
  Message r = MustParse(UdpExchange(port_, {Query("x.fail.test.", type::A, 22)}));
  EXPECT_EQ(r.header.rcode, rcode::ServFail);
}

TEST_F(ServerTest, MalformedQueries) {
  // A header promising a question that is not there: FORMERR with the id.
  std::string hdr("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  Message r = MustParse(UdpExchange(port_, {hdr}));
  EXPECT_EQ(r.header.id, 0x1234);
  EXPECT_EQ(r.header.rcode, rcode::FormErr);

  // No question at all.
  std::string empty("\x12\x35\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);
  r = MustParse(UdpExchange(port_, {empty}));
  EXPECT_EQ(r.header.id, 0x1235);
  EXPECT_EQ(r.header.rcode, rcode::FormErr);

  // Opcode STATUS: NOTIMP.
  std::string q = Query("example.org.", type::A, 0x1236);
  q[2] = static_cast<char>((q[2] & 0x87) | (opcode::Status << 3));
  r = MustParse(UdpExchange(port_, {q}));
  EXPECT_EQ(r.header.id, 0x1236);
  EXPECT_EQ(r.header.rcode, rcode::NotImp);

  // EDNS version 1: BADVERS.
  Edns e;
  e.version = 1;
  e.udp_size = 1232;
  r = MustParse(UdpExchange(port_, {Query("example.org.", type::A, 0x1237, e)}));
  EXPECT_EQ(r.header.id, 0x1237);
  EXPECT_EQ(r.header.rcode, rcode::BadVers);
  ASSERT_TRUE(r.edns.has_value());
  EXPECT_EQ(r.edns->version, 0);

  // A response is never answered: the first reply is the query's after it.
  std::string resp = Query("example.org.", type::A, 0x1238);
  resp[2] = static_cast<char>(resp[2] | 0x80);
  r = MustParse(UdpExchange(port_, {resp, std::string("\x01", 1), Query("example.org.", type::A, 0x1239)}));
  EXPECT_EQ(r.header.id, 0x1239);
}

TEST_F(ServerTest, TruncatesOverUdpAndTcpHasItAll) {
  std::string raw = UdpExchange(port_, {Query("x.big.test.", type::A, 31)});
  EXPECT_LE(raw.size(), 512u);
  Message r = MustParse(raw);
  EXPECT_TRUE(r.header.tc);
  EXPECT_LT(r.answer.size(), 60u);

  Edns e;
  e.udp_size = 4096;
  r = MustParse(UdpExchange(port_, {Query("x.big.test.", type::A, 32, e)}));
  EXPECT_FALSE(r.header.tc);
  EXPECT_EQ(r.answer.size(), 60u);

  int fd = TcpConnect(port_);
  ASSERT_GE(fd, 0);
  std::string f = Frame(Query("x.big.test.", type::A, 33));
  send(fd, f.data(), f.size(), 0);
  r = MustParse(TcpRead(fd));
  close(fd);
  EXPECT_FALSE(r.header.tc);
  EXPECT_EQ(r.answer.size(), 60u);
}

TEST_F(ServerTest, HealthReadyMetrics) {
  std::string health = HttpGet(http_, "/health");
  EXPECT_NE(health.find("HTTP/1.1 200"), std::string::npos) << health;
  EXPECT_EQ(health.substr(health.size() - 2), "OK");

  // Ready: every plugin of the blocks with `ready` is ready.
  std::string ready = HttpGet(http_, "/ready");
  EXPECT_NE(ready.find("HTTP/1.1 200"), std::string::npos) << ready;

  UdpExchange(port_, {Query("www.example.org.", type::A, 41)});
  UdpExchange(port_, {Query("www.example.org.", type::AAAA, 42)});
  UdpExchange(port_, {Query("nowhere.", type::A, 43)});
  std::string metrics = HttpGet(http_, "/metrics");
  EXPECT_NE(metrics.find("HTTP/1.1 200"), std::string::npos);
  for (const char* want : {
           "coredns_build_info{",
           "coredns_dns_requests_total{server=\"dns://127.0.0.1:0\",zone=\"example.org.\",view=\"\",proto=\"udp\","
           "family=\"1\",type=\"A\"}",
           "type=\"AAAA\"}",
           "coredns_dns_responses_total{server=\"dns://127.0.0.1:0\",zone=\"example.org.\",view=\"\",rcode=\"NOERROR\","
           "plugin=\"answer\"}",
           "zone=\"dropped\",view=\"\",rcode=\"REFUSED\"",
           "coredns_dns_request_duration_seconds_bucket{",
           "coredns_dns_request_size_bytes_bucket{",
           "coredns_dns_response_size_bytes_count{",
           "coredns_plugin_enabled{name=\"answer\",server=\"dns://127.0.0.1:0\",view=\"\",zone=\"example.org.\"} 1",
           "coredns_reload_failed_total ",
           "coredns_panics_total 0",
           "coredns_health_request_duration_seconds_count ",
           "# TYPE coredns_dns_requests_total counter",
       }) {
    EXPECT_NE(metrics.find(want), std::string::npos) << want;
  }
  EXPECT_NE(HttpGet(http_, "/nope").find("404"), std::string::npos);
}

TEST_F(ServerTest, ReadyListsPluginsNotReady) {
  std::string text = std::string(kCorefile);
  text.replace(text.find("answer 10.0.0.1"), 0, "notready\n    ");
  ASSERT_TRUE(server_->Reload(text).ok());
  std::string ready = HttpGet(http_, "/ready");
  EXPECT_NE(ready.find("HTTP/1.1 503"), std::string::npos) << ready;
  EXPECT_EQ(ready.substr(ready.find("\r\n\r\n") + 4), "notready\n");
  // A chain plugin that passes on: the answer still comes from `answer`.
  Message r = MustParse(UdpExchange(port_, {Query("example.org.", type::A, 51)}));
  EXPECT_EQ(FirstA(r), "10.0.0.1");
  // Plugin metrics are merged into one family.
  std::string metrics = HttpGet(http_, "/metrics");
  EXPECT_NE(metrics.find("coredns_test_total 7"), std::string::npos);
}

TEST_F(ServerTest, ReloadKeepsTheOldConfigurationOnError) {
  std::string bad = std::string(kCorefile) + "other.org:0 {\n    bogus\n}\n";
  Status s = server_->Reload(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "Corefile:24 - Error during parsing: Unknown directive 'bogus'");
  Message r = MustParse(UdpExchange(port_, {Query("www.example.org.", type::A, 61)}));
  EXPECT_EQ(FirstA(r), "10.0.0.1");
  EXPECT_EQ(server_->DnsPort(0), port_);
  std::string metrics = server_->RenderMetrics();
  EXPECT_EQ(metrics.find("coredns_reload_failed_total 0\n"), std::string::npos);

  std::string good = kCorefile;
  good.replace(good.find("10.0.0.1"), 8, "10.0.0.9");
  ASSERT_TRUE(server_->Reload(good).ok());
  r = MustParse(UdpExchange(port_, {Query("www.example.org.", type::A, 62)}));
  EXPECT_EQ(FirstA(r), "10.0.0.9");
  EXPECT_EQ(server_->DnsPort(0), port_);  // the listener was kept
}

TEST(ServerConfigTest, DuplicateZoneAndUnknownDirective) {
  Server s(TestOptions());
  Status st = s.Start("a.example:0 {\n bind 127.0.0.1\n answer 1.2.3.4\n}\nA.example.:0 {\n bind 127.0.0.1\n}\n");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "cannot serve dns://a.example.:0 on 127.0.0.1 - it is already defined");

  Server u(TestOptions());
  st = u.Start(".:0 {\n  bind 127.0.0.1\n  whoami\n}\n");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "Corefile:3 - Error during parsing: Unknown directive 'whoami'");

  Server r(TestOptions());
  st = r.Start(".:0 {\n  bind 127.0.0.1\n  reload 1s\n}\n");
  EXPECT_FALSE(st.ok());
}

TEST(ServerReloadTest, ReloadIfChangedRereadsTheCorefile) {
  char path[] = "/tmp/nk-corefile-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string v1 = "t.test:0 {\n  bind 127.0.0.1\n  answer 10.1.0.1\n}\n";
  std::ofstream(path) << v1;
  Server s(TestOptions(path));
  ASSERT_TRUE(s.Start(v1).ok());
  int port = s.DnsPort(0);
  s.ReloadIfChanged();  // unchanged: nothing happens
  EXPECT_EQ(FirstA(MustParse(UdpExchange(port, {Query("t.test.", type::A, 1)}))), "10.1.0.1");
  std::ofstream(path) << "t.test:0 {\n  bind 127.0.0.1\n  answer 10.1.0.2\n}\n";
  s.ReloadIfChanged();
  EXPECT_EQ(FirstA(MustParse(UdpExchange(port, {Query("t.test.", type::A, 2)}))), "10.1.0.2");
  std::ofstream(path) << "t.test:0 {\n  bind 127.0.0.1\n  answer not-an-ip\n}\n";
  s.ReloadIfChanged();
  EXPECT_EQ(FirstA(MustParse(UdpExchange(port, {Query("t.test.", type::A, 3)}))), "10.1.0.2");
  unlink(path);
}

TEST(ServerReloadTest, AReplacedCorefileIsReloadedBeforeTheInterval) {
  char dir[] = "/tmp/nk-corefile-dir-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/Corefile";
  std::string v1 = "t.test:0 {\n  bind 127.0.0.1\n  reload 1h\n  answer 10.1.0.1\n}\n";
  std::ofstream(path) << v1;
  Server s(TestOptions(path));
  ASSERT_TRUE(s.Start(v1).ok());
  int port = s.DnsPort(0);
  // As a ConfigMap volume does it: a new file renamed over the old.
  std::ofstream(path + ".new") << "t.test:0 {\n  bind 127.0.0.1\n  reload 1h\n  answer 10.1.0.2\n}\n";
  ASSERT_EQ(rename((path + ".new").c_str(), path.c_str()), 0);
  std::string got;
  for (int i = 0; i < 100 && got != "10.1.0.2"; ++i) {  // the interval is an hour: only the watch can do it
    usleep(50 * 1000);
    got = FirstA(MustParse(UdpExchange(port, {Query("t.test.", type::A, static_cast<uint16_t>(i + 1))})));
  }
  EXPECT_EQ(got, "10.1.0.2");
  s.Stop();
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace netkube::dns
