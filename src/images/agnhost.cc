#include "images/agnhost.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "images/agnhost_internal.h"
#include "images/flags.h"
#include "images/pause.h"

extern char** environ;

namespace netkube::images {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Liveness(const std::vector<std::string>& args) {
  if (!args.empty()) return UsageError("liveness", "takes no arguments");
  auto fd = ListenTcp(8080);
  if (!fd.ok()) return Fail("liveness", fd.status().message());
  const auto started = std::chrono::steady_clock::now();
  Status s = ServeHttp(*fd, [started](const HttpRequest& req, const ConnInfo&) {
    HttpResponse r;
    double age = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (req.path == "/healthz") {
      if (age > 10) {
        r.status = 500;
        r.body = "error: " + std::to_string(age);
      } else {
        r.body = "ok";
      }
    } else if (req.path == "/redirect") {
      r.status = 302;
      r.headers.emplace_back("Location", QueryParam(req.query, "loc"));
    } else {
      r.body = "started " + std::to_string(age) + "s ago";
    }
    return r;
  });
  return Fail("liveness", s.message());
}

int Porter(const std::vector<std::string>&) {
  int servers = 0;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    std::string key = kv.substr(0, eq), value = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (key.rfind("SERVE_TLS_PORT_", 0) == 0 || key.rfind("SERVE_SCTP_PORT_", 0) == 0) {
      std::fprintf(stderr, "porter: %s: TLS and SCTP ports are not supported by netkube's agnhost\n", key.c_str());
      continue;
    }
    if (key.rfind("SERVE_PORT_", 0) != 0) continue;
    int port = std::atoi(key.c_str() + 11);
    auto fd = ListenTcp(port);
    if (!fd.ok()) return Fail("porter", fd.status().message());
    ServeHttpInBackground(*fd, [value](const HttpRequest&, const ConnInfo&) {
      HttpResponse r;
      r.body = value;
      return r;
    });
    std::fprintf(stderr, "porter: serving %s on port %d\n", value.c_str(), port);
    ++servers;
  }
  if (servers == 0) return UsageError("porter", "no SERVE_PORT_<N> environment variables");
  while (true) pause();
}

void Help() {
  std::printf(
      "agnhost (netkube): a test program with subcommands\n\n"
      "  netexec [--http-port=8080] [--udp-port=8081] [--http-override=PATH]\n"
      "  serve-hostname [--port=9376] [--http] [--tcp] [--udp] [--close]\n"
      "  connect [--timeout=DURATION] [--protocol=tcp|udp] [--udp-data=hostname] HOST:PORT\n"
      "  pause | liveness | porter | dns-suffix | dns-server-list | etc-hosts | entrypoint-tester ARGS\n");
}

}  // namespace

int UsageError(const std::string& sub, const std::string& message) {
  std::fprintf(stderr, "agnhost %s: %s\n", sub.c_str(), message.c_str());
  return 2;
}

int Fail(const std::string& sub, const std::string& message) {
  std::fprintf(stderr, "agnhost %s: %s\n", sub.c_str(), message.c_str());
  return 1;
}

std::string ResolvConfValues(std::string_view resolv_conf, std::string_view key) {
  std::vector<std::string> values;
  std::stringstream ss{std::string(resolv_conf)};
  std::string line;
  while (std::getline(ss, line)) {
    std::stringstream words(line);
    std::string first;
    if (!(words >> first) || first != key) continue;
    if (key == "search") values.clear();  // the last search line wins
    std::string w;
    while (words >> w) {
      if (w.front() == '#' || w.front() == ';') break;
      values.push_back(w);
    }
  }
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

int RunAgnhost(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    Help();
    return args.empty() ? 1 : 0;
  }
  const std::string& sub = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "netexec") return RunNetexec(rest);
  if (sub == "serve-hostname") return RunServeHostname(rest);
  if (sub == "connect") return RunConnect(rest);
  if (sub == "pause") return RunPause(rest);
  if (sub == "liveness") return Liveness(rest);
  if (sub == "porter") return Porter(rest);
  if (sub == "dns-suffix" || sub == "dns-server-list") {
    std::string v = ResolvConfValues(ReadAll("/etc/resolv.conf"), sub == "dns-suffix" ? "search" : "nameserver");
    std::printf("%s", v.c_str());
    return 0;
  }
  if (sub == "etc-hosts") {
    std::printf("%s", ReadAll("/etc/hosts").c_str());
    return 0;
  }
  if (sub == "entrypoint-tester") {
    std::string line;
    for (const auto& a : rest) line += (line.empty() ? "" : " ") + a;
    std::printf("[%s]\n", line.c_str());
    return 0;
  }
  std::fprintf(stderr, "Error: unknown command \"%s\" for \"agnhost\"\nRun 'agnhost --help' for usage.\n", sub.c_str());
  return 1;
}

}  // namespace netkube::images
