// agnhost netexec: HTTP and UDP servers for connectivity tests.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "images/agnhost.h"
#include "images/agnhost_internal.h"
#include "images/dial.h"
#include "images/flags.h"

namespace netkube::images {
namespace {

using nlohmann::json;

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Json(int status, const json& j) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump();
  return r;
}

HttpResponse Dial(const HttpRequest& req, const NetexecContext& ctx) {
  std::string host = QueryParam(req.query, "host");
  std::string port_s = QueryParam(req.query, "port");
  std::string request = QueryParam(req.query, "request");
  std::string protocol = QueryParam(req.query, "protocol");
  std::string tries_s = QueryParam(req.query, "tries");
  if (protocol.empty()) protocol = "http";
  if (protocol != "http" && protocol != "udp")
    return Text(400, "unsupported protocol. " + protocol);
  if (host.empty() || port_s.empty()) return Text(400, "host and port are required");
  char* end = nullptr;
  long port = std::strtol(port_s.c_str(), &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) return Text(400, "bad port. " + port_s);
  if (request.empty()) return Text(400, "Missing request");
  long tries = 1;
  if (!tries_s.empty()) {
    tries = std::strtol(tries_s.c_str(), &end, 10);
    if (*end != '\0' || tries < 1 || tries > 10000) return Text(400, "bad tries. " + tries_s);
  }
  json responses = nullptr, errors = nullptr;
  bool last_ok = false;
  for (long i = 0; i < tries; ++i) {
    auto r = ctx.dial(protocol, host, static_cast<int>(port), request);
    last_ok = r.ok();
    if (r.ok()) {
      if (responses.is_null()) responses = json::array();
      responses.push_back(*r);
    } else {
      if (errors.is_null()) errors = json::array();
      errors.push_back("reading from " + JoinHostPort(host, static_cast<int>(port)) + " failed: " +
                       r.status().message());
    }
  }
  return Json(last_ok ? 200 : 417, json{{"responses", responses}, {"errors", errors}});
}

}  // namespace

std::string RemoteAddr(const ConnInfo& conn) { return JoinHostPort(conn.peer_ip, conn.peer_port); }

HttpResponse NetexecRoute(const HttpRequest& req, const ConnInfo& conn, const NetexecContext& ctx) {
  std::string path = req.path;
  std::string query = req.query;
  if (!ctx.http_override.empty()) {
    auto q = ctx.http_override.find('?');
    path = ctx.http_override.substr(0, q);
    query = q == std::string::npos ? "" : ctx.http_override.substr(q + 1);
  }
  HttpRequest r = req;
  r.path = path;
  r.query = query;

  if (path == "/clientip") return Text(200, RemoteAddr(conn));
  if (path == "/hostname" || path == "/hostName") return Text(200, ctx.hostname);
  if (path == "/serverport") return Text(200, std::to_string(ctx.http_port));
  if (path == "/healthz") return Text(200, "");
  if (path == "/header") return Text(200, req.Header(QueryParam(query, "key")));
  if (path == "/echo") {
    HttpResponse resp = Text(200, QueryParam(query, "msg"));
    if (std::string code = QueryParam(query, "code"); !code.empty()) {
      int c = std::atoi(code.c_str());
      if (c < 100 || c > 599) return Text(400, "bad code. " + code);
      resp.status = c;
    }
    return resp;
  }
  if (path == "/redirect") {
    std::string location = QueryParam(query, "location");
    if (location.empty()) return Text(400, "Missing location");
    int code = 302;
    if (std::string c = QueryParam(query, "code"); !c.empty()) code = std::atoi(c.c_str());
    if (code < 300 || code > 399) return Text(400, "bad code");
    HttpResponse resp = Text(code, "");
    resp.headers.emplace_back("Location", location);
    return resp;
  }
  if (path == "/shell") {
    std::string cmd = QueryParam(query, "shellCommand");
    if (cmd.empty()) cmd = QueryParam(query, "cmd");
    auto [error, output] = ctx.shell(cmd);
    json out = json::object();
    if (!cmd.empty()) out["output"] = output;
    if (!error.empty()) out["error"] = error;
    return Json(error.empty() ? 200 : 417, out);
  }
  if (path == "/exit" || path == "/shutdown") {
    int code = 0;
    double wait = 0;
    if (path == "/exit") {
      std::string c = QueryParam(query, "code");
      if (!c.empty()) {
        char* end = nullptr;
        long v = std::strtol(c.c_str(), &end, 10);
        if (*end != '\0' || v < 0 || v > 127) return Text(400, "bad exit code");
        code = static_cast<int>(v);
      }
      if (std::string w = QueryParam(query, "wait"); !w.empty()) {
        auto d = ParseDurationSeconds(w);
        if (!d.ok()) return Text(400, "bad wait");
        wait = *d;
      }
    }
    HttpResponse resp = Text(200, "");
    resp.close = true;
    auto exit = ctx.exit;
    resp.after_send = [exit, code, wait] { exit(code, wait); };
    return resp;
  }
  if (path == "/dial") return Dial(r, ctx);
  // "/" and everything else: the time, as the upstream root handler.
  return Text(200, "NOW: " + ctx.now());
}

std::string NetexecUdpReply(std::string_view datagram, const ConnInfo& conn, const std::string& hostname) {
  std::string text(datagram);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  text = text.substr(start);
  if (text == "hostname") return hostname;
  if (text.rfind("echo ", 0) == 0) return text.substr(5);
  if (text == "clientip") return RemoteAddr(conn);
  return "";
}

std::pair<std::string, std::string> RunShell(const std::string& cmd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {std::string("pipe: ") + std::strerror(errno), ""};
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return {std::string("fork: ") + std::strerror(errno), ""};
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {"", out};
  if (WIFEXITED(status)) return {"exit status " + std::to_string(WEXITSTATUS(status)), out};
  int sig = WTERMSIG(status);
  return {std::string("signal: ") + (sig == SIGKILL ? "killed" : strsignal(sig)), out};
}

std::string GoNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  char nanos[16];
  std::snprintf(nanos, sizeof(nanos), ".%09ld", ts.tv_nsec);
  return std::string(buf) + nanos + " +0000 UTC";
}

int RunNetexec(const std::vector<std::string>& args) {
  int http_port = 8080, udp_port = 8081, sctp_port = -1, delay_shutdown = 0;
  std::string http_override, cert, key;
  FlagSet f;
  f.Int("http-port", &http_port);
  f.Int("udp-port", &udp_port);
  f.Int("sctp-port", &sctp_port);
  f.Int("delay-shutdown", &delay_shutdown);
  f.String("http-override", &http_override);
  f.String("tls-cert-file", &cert);
  f.String("tls-private-key-file", &key);
  auto pos = f.Parse(args);
  if (!pos.ok()) return UsageError("netexec", pos.status().message());
  if (!cert.empty()) return UsageError("netexec", "--tls-cert-file: HTTPS is not supported by netkube's agnhost");
  if (sctp_port > 0) return UsageError("netexec", "--sctp-port: SCTP is not available on this kernel");

  NetexecContext ctx;
  ctx.hostname = Hostname();
  ctx.http_port = http_port;
  ctx.http_override = http_override;
  ctx.shell = RunShell;
  ctx.dial = [](const std::string& protocol, const std::string& host, int port,
                const std::string& request) -> StatusOr<std::string> {
    if (protocol == "udp") return UdpRequest(host, port, request, 5);
    std::string path = request.empty() || request.front() != '/' ? "/" + request : request;
    return HttpGet(host, port, path, 5);
  };
  ctx.exit = [](int code, double wait) {
    if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    std::fflush(stdout);
    _exit(code);
  };
  ctx.now = GoNow;

  if (udp_port > 0) {
    auto udp = ListenUdp(udp_port);
    if (!udp.ok()) return Fail("netexec", udp.status().message());
    std::thread([fd = *udp, host = ctx.hostname] {
      (void)ServeUdp(fd, [&host](std::string_view d, const ConnInfo& c) { return NetexecUdpReply(d, c, host); });
    }).detach();
  }
  auto tcp = ListenTcp(http_port);
  if (!tcp.ok()) return Fail("netexec", tcp.status().message());
  std::fprintf(stderr, "Started HTTP server on port %d\n", http_port);
  if (udp_port > 0) std::fprintf(stderr, "Started UDP server on port %d\n", udp_port);
  Status s = ServeHttp(*tcp, [ctx](const HttpRequest& req, const ConnInfo& conn) {
    std::fprintf(stderr, "GET %s from %s\n", req.target.c_str(), RemoteAddr(conn).c_str());
    return NetexecRoute(req, conn, ctx);
  });
  return Fail("netexec", s.message());
}

}  // namespace netkube::images
