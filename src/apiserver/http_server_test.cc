// Opens sockets on loopback: run inside scripts/in-netns (as `make test` does).
#include "apiserver/http_server.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "apiserver/certs.h"

namespace netkube::apiserver {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

tcp::endpoint ToEndpoint(const std::string& bound) {
  size_t colon = bound.rfind(':');
  std::string host = bound.substr(0, colon);
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  return {asio::ip::make_address(host), static_cast<unsigned short>(std::stoi(bound.substr(colon + 1)))};
}

// A synchronous TLS client, the way the tests need it.
class TestClient {
 public:
  TestClient(const std::string& ca, const std::string& crt = "", const std::string& key = "") {
    ctx_.load_verify_file(ca);
    ctx_.set_verify_mode(ssl::verify_peer);
    if (!crt.empty()) {
      ctx_.use_certificate_chain_file(crt);
      ctx_.use_private_key_file(key, ssl::context::pem);
    }
  }

  // Offers these ALPN protocols (wire format: length-prefixed).
  void SetAlpn(const std::string& wire) {
    SSL_CTX_set_alpn_protos(ctx_.native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }

  error_code Connect(const std::string& bound) {
    stream_ = std::make_unique<ssl::stream<tcp::socket>>(ioc_, ctx_);
    error_code ec;
    stream_->next_layer().connect(ToEndpoint(bound), ec);
    if (!ec) stream_->handshake(ssl::stream_base::client, ec);
    return ec;
  }

  std::string Alpn() const {
    const unsigned char* p = nullptr;
    unsigned n = 0;
    SSL_get0_alpn_selected(stream_->native_handle(), &p, &n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }

  // Sends raw bytes; returns false on error.
  bool Send(const std::string& raw) {
    error_code ec;
    asio::write(*stream_, asio::buffer(raw), ec);
    return !ec;
  }

  // Reads one whole response.
  http::response<http::string_body> Read(error_code* ec_out = nullptr) {
    http::response_parser<http::string_body> p;
    p.body_limit(64 << 20);
    error_code ec;
    http::read(*stream_, buf_, p, ec);
    if (ec_out) *ec_out = ec;
    return p.release();
  }

  http::response<http::string_body> Get(const std::string& target, const std::string& extra = "") {
    Send("GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n");
    return Read();
  }

  // Reads raw bytes until `want` appears or the connection ends; returns all read.
  std::string ReadUntil(const std::string& want, error_code* ec_out) {
    std::string got;
    char chunk[4096];
    while (got.find(want) == std::string::npos) {
      error_code ec;
      size_t n = stream_->read_some(asio::buffer(chunk), ec);
      got.append(chunk, n);
      if (ec) {
        *ec_out = ec;
        break;
      }
    }
    return got;
  }

  void Close() {
    error_code ec;
    stream_->next_layer().close(ec);
  }

 private:
  asio::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  std::unique_ptr<ssl::stream<tcp::socket>> stream_;
  beast::flat_buffer buf_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-http-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto pki = EnsurePki({.dir = dir_});
    ASSERT_TRUE(pki.ok()) << pki.status().ToString();
    pki_ = *pki;
    Start({"127.0.0.1:0"});
  }

  void TearDown() override {
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  void Start(std::vector<std::string> listen) {
    HttpServerOptions o;
    o.listen = std::move(listen);
    o.tls = {pki_.server_crt, pki_.server_key, pki_.ca_crt};
    server_ = std::make_unique<HttpServer>(o, [this](const Request& r, ResponseWriter& w) { Handle(r, w); });
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_FALSE(server_->BoundAddresses().empty());
    addr_ = server_->BoundAddresses()[0];
  }

  void Handle(const Request& r, ResponseWriter& w) {
    ++calls_;
    if (r.path == "/stream") {
      w.StartStream(200, "application/json");
      w.Write("first\n");
      w.Write("second\n");
      while (w.Alive()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::lock_guard<std::mutex> lock(mu_);
      stream_ended_ = true;
      ++streams_ended_;
      cv_.notify_all();
      return;
    }
    if (r.path == "/version") {
      w.Send({.body = R"({"major":"1","minor":"32","gitVersion":"v1.32.0"})"});
      return;
    }
    std::string out = "method=" + r.method + "\npath=" + r.path + "\n";
    for (const auto& [k, v] : r.query) out += "query:" + k + "=" + v + "\n";
    if (r.client_cert) {
      out += "cn=" + r.client_cert->common_name + "\n";
      for (const auto& o : r.client_cert->organizations) out += "o=" + o + "\n";
    } else {
      out += "anonymous\n";
    }
    out += "auth=" + r.Header("authorization") + "\n";
    out += "body=" + std::to_string(r.body.size()) + "\n";
    w.Send({.code = 200, .content_type = "text/plain", .headers = {{"X-Test", "yes"}}, .body = out});
  }

  bool WaitStreamEnded() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return stream_ended_; });
  }

  std::string dir_;
  PkiPaths pki_;
  std::unique_ptr<HttpServer> server_;
  std::string addr_;
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stream_ended_ = false;
  int streams_ended_ = 0;
};

TEST_F(HttpServerTest, PortZeroReportsTheRealPort) {
  EXPECT_EQ(addr_.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(addr_, "127.0.0.1:0");
}

TEST_F(HttpServerTest, AdminCertificateShowsNameAndGroup) {
  TestClient c(pki_.ca_crt, pki_.admin_crt, pki_.admin_key);
  ASSERT_FALSE(c.Connect(addr_));
  auto res = c.Get("/api/v1/pods");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res["X-Test"], "yes");
  EXPECT_EQ(res[http::field::content_type], "text/plain");
  EXPECT_NE(res.body().find("cn=kubernetes-admin\n"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("o=system:masters\n"), std::string::npos) << res.body();
}

TEST_F(HttpServerTest, WithoutCertificateTheClientIsAnonymous) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  auto res = c.Get("/api", "Authorization: Bearer abc.def.ghi\r\n");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("anonymous\n"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("auth=Bearer abc.def.ghi\n"), std::string::npos) << res.body();
}

TEST_F(HttpServerTest, CertificateFromAnotherCaIsRefused) {
  auto other = EnsurePki({.dir = dir_ + "/other"});
  ASSERT_TRUE(other.ok());
  TestClient c(pki_.ca_crt, other->admin_crt, other->admin_key);
  error_code ec = c.Connect(addr_);
  if (!ec) {
    // TLS 1.3: the refusal arrives after the client finished its handshake.
    ec = {};
    c.Send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    c.Read(&ec);
  }
  EXPECT_TRUE(ec);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, PathAndQueryArePercentDecoded) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  auto res = c.Get("/api/v1/namespaces/a%20b/pods?labelSelector=app%3Dweb%2Ctier+in+(a)&x=1&x=2&flag");
  std::string b = res.body();
  EXPECT_NE(b.find("path=/api/v1/namespaces/a b/pods\n"), std::string::npos) << b;
  EXPECT_NE(b.find("query:labelSelector=app=web,tier in (a)\n"), std::string::npos) << b;
  EXPECT_NE(b.find("query:x=1\nquery:x=2\n"), std::string::npos) << b;
  EXPECT_NE(b.find("query:flag=\n"), std::string::npos) << b;
}

TEST_F(HttpServerTest, BadEscapeIs400) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  auto res = c.Get("/api/%zz");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(res.body().find(R"("reason":"BadRequest")"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  for (int i = 0; i < 3; ++i) {
    auto res = c.Get("/n" + std::to_string(i));
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_NE(res.body().find("path=/n" + std::to_string(i)), std::string::npos);
  }
  EXPECT_EQ(calls_, 3);
}

TEST_F(HttpServerTest, SmallBodyIsDelivered) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  std::string body(1000, 'x');
  c.Send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: 1000\r\n\r\n" + body);
  auto res = c.Read();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("method=POST\n"), std::string::npos);
  EXPECT_NE(res.body().find("body=1000\n"), std::string::npos);
}

TEST_F(HttpServerTest, OversizedBodyGets413WithoutReachingTheHandler) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  c.Send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: t\r\nContent-Length: 4194304\r\n\r\n" +
         std::string(65536, 'x'));
  auto res = c.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge",)"
            R"("code":413})");
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, OversizedChunkedBodyGets413) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  std::string chunk(1 << 20, 'y');
  std::string req = "PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "100000\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  c.Send(req);
  auto res = c.Read();
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  error_code ec;
  auto res = c.Read(&ec);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, PlainHttpOnTheTlsPortIsClosedAndServingGoesOn) {
  {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(ToEndpoint(addr_));
    asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: t\r\n\r\n")));
    char buf[256];
    error_code ec;
    while (!ec) s.read_some(asio::buffer(buf), ec);  // the server closes
  }
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  EXPECT_EQ(c.Get("/ok").result_int(), 200);
}

TEST_F(HttpServerTest, AlpnNegotiatesHttp11Only) {
  TestClient c(pki_.ca_crt);
  c.SetAlpn(std::string("\x02h2\x08http/1.1", 12));
  ASSERT_FALSE(c.Connect(addr_));
  EXPECT_EQ(c.Alpn(), "http/1.1");
  EXPECT_EQ(c.Get("/").result_int(), 200);

  TestClient h2(pki_.ca_crt);
  h2.SetAlpn(std::string("\x02h2", 3));
  ASSERT_FALSE(h2.Connect(addr_));
  EXPECT_EQ(h2.Alpn(), "");
}

TEST_F(HttpServerTest, StreamDeliversChunksAndStopEndsIt) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  ASSERT_TRUE(c.Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"));
  error_code ec;
  std::string got = c.ReadUntil("second\n", &ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(got.find("Transfer-Encoding: chunked"), std::string::npos) << got;
  EXPECT_NE(got.find("first\n"), std::string::npos);
  server_->Stop();  // returns only after the handler returned and threads joined
  EXPECT_TRUE(stream_ended_);
  c.ReadUntil("never", &ec);
  EXPECT_TRUE(ec);
}

TEST_F(HttpServerTest, StreamHandlerSeesAClosedPeer) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  ASSERT_TRUE(c.Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"));
  error_code ec;
  c.ReadUntil("second\n", &ec);
  ASSERT_FALSE(ec);
  c.Close();
  EXPECT_TRUE(WaitStreamEnded());
}

TEST_F(HttpServerTest, ManyOpenStreamsAllEndOnStop) {
  constexpr int kStreams = 100;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<TestClient>(pki_.ca_crt));
    ASSERT_FALSE(clients.back()->Connect(addr_));
    ASSERT_TRUE(clients.back()->Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  for (auto& c : clients) {
    error_code ec;
    c->ReadUntil("second\n", &ec);
    ASSERT_FALSE(ec);
  }
  // A plain request still gets through while the streams are open.
  TestClient other(pki_.ca_crt);
  ASSERT_FALSE(other.Connect(addr_));
  EXPECT_EQ(other.Get("/meanwhile").result_int(), 200);
  server_->Stop();
  EXPECT_EQ(streams_ended_, kStreams);
}

TEST_F(HttpServerTest, ConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(pki_.ca_crt, pki_.admin_crt, pki_.admin_key);
      if (c.Connect(addr_)) return;
      for (int i = 0; i < 10; ++i) {
        auto res = c.Get("/t" + std::to_string(t) + "/" + std::to_string(i));
        if (res.result_int() == 200 &&
            res.body().find("path=/t" + std::to_string(t) + "/" + std::to_string(i) + "\n") != std::string::npos) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, 80);
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnections) {
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(addr_));
  EXPECT_EQ(c.Get("/a").result_int(), 200);
  server_->Stop();
  error_code ec;
  c.ReadUntil("never", &ec);
  EXPECT_TRUE(ec);
}

TEST_F(HttpServerTest, ListensOnSeveralAddressesIncludingIpv6) {
  server_->Stop();
  HttpServerOptions o;
  o.listen = {"127.0.0.1:0", "[::1]:0"};
  o.tls = {pki_.server_crt, pki_.server_key, pki_.ca_crt};
  auto server = std::make_unique<HttpServer>(o, [this](const Request& r, ResponseWriter& w) { Handle(r, w); });
  Status s = server->Start();
  if (!s.ok() && s.message().find("[::1]") != std::string::npos) GTEST_SKIP() << "no IPv6 loopback: " << s.ToString();
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto bound = server->BoundAddresses();
  ASSERT_EQ(bound.size(), 2u);
  EXPECT_EQ(bound[1].rfind("[::1]:", 0), 0u) << bound[1];
  TestClient c(pki_.ca_crt);
  ASSERT_FALSE(c.Connect(bound[1]));
  EXPECT_EQ(c.Get("/v6").result_int(), 200);
}

TEST(HttpServerStartTest, BadListenAddressesAreErrors) {
  for (std::string bad : {"nonsense", "127.0.0.1:99999", "localhost:80", "[::1]", "1.2.3.4:x"}) {
    HttpServerOptions o;
    o.listen = {bad};
    HttpServer s(o, [](const Request&, ResponseWriter&) {});
    EXPECT_FALSE(s.Start().ok()) << bad;
  }
}

TEST_F(HttpServerTest, MissingCertificateFileIsAnError) {
  HttpServerOptions o;
  o.listen = {"127.0.0.1:0"};
  o.tls = {dir_ + "/missing.crt", pki_.server_key, ""};
  HttpServer s(o, [](const Request&, ResponseWriter&) {});
  Status st = s.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("missing.crt"), std::string::npos);
}

// Runs a command and returns its stdout.
std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST_F(HttpServerTest, CurlWithClientCertificateAndOversizedUpload) {
  if (system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no curl";
  std::string url = "https://" + addr_;
  std::string base = "curl -sS --cacert " + pki_.ca_crt + " --cert " + pki_.admin_crt + " --key " + pki_.admin_key;
  std::string out = RunCommand(base + " '" + url + "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dn1'");
  EXPECT_NE(out.find("cn=kubernetes-admin\n"), std::string::npos) << out;
  EXPECT_NE(out.find("query:fieldSelector=spec.nodeName=n1\n"), std::string::npos) << out;

  std::string big = dir_ + "/big.json";
  std::ofstream(big) << std::string(4 << 20, 'z');
  out = RunCommand(base + " -o /dev/null -w '%{http_code}' -X PUT --data-binary @" + big + " " + url + "/x");
  EXPECT_EQ(out, "413");
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, KubectlGetRawVersion) {
  if (system("command -v kubectl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no kubectl";
  std::string kubeconfig = dir_ + "/admin.kubeconfig";
  Status s = WriteKubeconfig(kubeconfig, "netkube", "https://" + addr_, pki_, pki_.admin_crt, pki_.admin_key);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string out = RunCommand("kubectl --kubeconfig " + kubeconfig + " get --raw /version 2>&1");
  EXPECT_EQ(out, R"({"major":"1","minor":"32","gitVersion":"v1.32.0"})") << out;
}

}  // namespace
}  // namespace netkube::apiserver
