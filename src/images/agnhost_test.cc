#include "images/agnhost.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "images/agnhost_internal.h"

namespace netkube::images {
namespace {

using nlohmann::json;

class NetexecTest : public ::testing::Test {
 protected:
  NetexecTest() {
    ctx_.hostname = "netexec-pod";
    ctx_.http_port = 8080;
    ctx_.shell = [this](const std::string& cmd) -> std::pair<std::string, std::string> {
      shell_cmds_.push_back(cmd);
      if (cmd == "false") return {"exit status 1", ""};
      return {"", "out:" + cmd + "\n"};
    };
    ctx_.dial = [this](const std::string& proto, const std::string& host, int port,
                       const std::string& request) -> StatusOr<std::string> {
      dials_.push_back(proto + " " + host + ":" + std::to_string(port) + " " + request);
      if (host == "down") return Status::Unavailable("connection refused");
      return std::string("backend-") + std::to_string(dials_.size());
    };
    ctx_.exit = [this](int code, double) { exit_code_ = code; };
    ctx_.now = [] { return std::string("2026-01-01 00:00:00.000000000 +0000 UTC"); };
  }
  HttpResponse Get(const std::string& target) {
    HttpRequest r;
    std::string wire = "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Key: val\r\n\r\n";
    size_t n;
    EXPECT_EQ(ParseHttpRequest(wire, &r, &n), ParseResult::kComplete);
    return NetexecRoute(r, ConnInfo{"10.244.1.9", 51234, "10.244.0.5", 8080}, ctx_);
  }

  NetexecContext ctx_;
  std::vector<std::string> shell_cmds_, dials_;
  int exit_code_ = -1;
};

TEST_F(NetexecTest, SimpleEndpoints) {
  EXPECT_EQ(Get("/hostname").body, "netexec-pod");
  EXPECT_EQ(Get("/hostName").body, "netexec-pod");
  EXPECT_EQ(Get("/clientip").body, "10.244.1.9:51234");
  EXPECT_EQ(Get("/serverport").body, "8080");
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/header?key=X-Key").body, "val");
  EXPECT_EQ(Get("/echo?msg=hello%20world").body, "hello world");
  EXPECT_EQ(Get("/echo?msg=x&code=503").status, 503);
  EXPECT_EQ(Get("/").body, "NOW: 2026-01-01 00:00:00.000000000 +0000 UTC");
  auto redirect = Get("/redirect?location=/echo%3Fmsg=foobar&code=307");
  EXPECT_EQ(redirect.status, 307);
  EXPECT_EQ(redirect.headers.at(0).second, "/echo?msg=foobar");
}

TEST_F(NetexecTest, Shell) {
  auto r = Get("/shell?cmd=echo%20hi");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), (json{{"output", "out:echo hi\n"}}));
  r = Get("/shell?shellCommand=false");
  EXPECT_EQ(r.status, 417);
  EXPECT_EQ(json::parse(r.body)["error"], "exit status 1");
}

TEST_F(NetexecTest, Dial) {
  auto r = Get("/dial?request=hostname&protocol=http&host=10.244.2.3&port=8080&tries=2");
  EXPECT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j["responses"], (json{"backend-1", "backend-2"}));
  EXPECT_TRUE(j["errors"].is_null());
  EXPECT_EQ(dials_.at(0), "http 10.244.2.3:8080 hostname");

  r = Get("/dial?request=hostname&protocol=udp&host=down&port=8081");
  EXPECT_EQ(r.status, 417);
  j = json::parse(r.body);
  EXPECT_TRUE(j["responses"].is_null());
  EXPECT_EQ(j["errors"].size(), 1u);

  EXPECT_EQ(Get("/dial?host=a&port=1").status, 400);                         // no request
  EXPECT_EQ(Get("/dial?request=x&host=a&port=http").status, 400);            // bad port
  EXPECT_EQ(Get("/dial?request=x&host=a&port=1&protocol=sctp").status, 400); // protocol
}

TEST_F(NetexecTest, Exit) {
  auto r = Get("/exit?code=3");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.close);
  ASSERT_TRUE(r.after_send);
  EXPECT_EQ(exit_code_, -1);  // only after the response is written
  r.after_send();
  EXPECT_EQ(exit_code_, 3);
  EXPECT_EQ(Get("/exit?code=200").status, 400);
  Get("/shutdown").after_send();
  EXPECT_EQ(exit_code_, 0);
}

TEST_F(NetexecTest, HttpOverride) {
  ctx_.http_override = "/echo?msg=fixed";
  EXPECT_EQ(Get("/anything").body, "fixed");
}

TEST(NetexecUdpTest, Commands) {
  ConnInfo c{"10.0.0.1", 999, "", 0};
  EXPECT_EQ(NetexecUdpReply("hostname\n", c, "h"), "h");
  EXPECT_EQ(NetexecUdpReply("echo hello there", c, "h"), "hello there");
  EXPECT_EQ(NetexecUdpReply("clientip", c, "h"), "10.0.0.1:999");
  EXPECT_EQ(NetexecUdpReply("bogus", c, "h"), "");
  EXPECT_EQ(RemoteAddr(ConnInfo{"fd00::1", 80, "", 0}), "[fd00::1]:80");
}

// agnhost connect's failures that need no network: upstream's stderr text.
TEST(ConnectTest, ArgumentErrors) {
  auto stderr_of = [](const std::vector<std::string>& args) {
    ::testing::internal::CaptureStderr();
    int rc = RunConnect(args);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(rc, 1);
    return err;
  };
  EXPECT_EQ(stderr_of({"--protocol=quic", "10.0.0.1:80"}), "Unsupported protocol\nquic");
  EXPECT_EQ(stderr_of({"--protocol=tcp", "10.0.0.1"}), "UNKNOWN: address 10.0.0.1: missing port in address\n");
  EXPECT_EQ(stderr_of({"--protocol=udp", "10.0.0.1"}), "UNKNOWN: address 10.0.0.1: missing port in address\n");
  EXPECT_EQ(stderr_of({"--timeout=1s"}).rfind("UNKNOWN: usage: connect", 0), 0u);
  EXPECT_EQ(stderr_of({"--protocol=sctp", "10.0.0.1:80"}).rfind("UNKNOWN: ", 0), 0u);
}

TEST(ResolvConfTest, Values) {
  const char* conf =
      "search old.example\nnameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\n"
      "nameserver 1.1.1.1 # second\noptions ndots:5\n";
  EXPECT_EQ(ResolvConfValues(conf, "search"), "default.svc.cluster.local,svc.cluster.local,cluster.local");
  EXPECT_EQ(ResolvConfValues(conf, "nameserver"), "10.96.0.10,1.1.1.1");
  EXPECT_EQ(ResolvConfValues("", "search"), "");
}

}  // namespace
}  // namespace netkube::images
