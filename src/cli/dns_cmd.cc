// netkube dns: the cluster DNS server, with CoreDNS's flags (-conf FILE,
// -dns.port N, -pidfile F, -quiet, -version) plus -threads N. Flags may be
// written with one dash or two, and as "-flag value" or "-flag=value".
// SIGTERM/SIGINT: lameduck (health { lameduck }) then stop; SIGUSR1: reload.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "dns/server.h"

namespace netkube::cli {
namespace {

constexpr const char* kDnsVersion = "0.1.0";

struct DnsFlags {
  std::string conf = "Corefile";
  int port = 53;
  int threads = 0;
  std::string pidfile;
  bool quiet = false;
  bool version = false;
};

bool ParseInt(const std::string& s, int* out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) return false;
  *out = std::stoi(s);
  return true;
}

// Returns an error message, or "" when the flags are fine.
std::string ParseDnsFlags(const std::vector<std::string>& args, DnsFlags* f) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) == 0) a = a.substr(2);
    else if (a.rfind("-", 0) == 0) a = a.substr(1);
    else return "unexpected argument \"" + args[i] + "\"";
    std::string value;
    bool has_value = false;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    auto need = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      return true;
    };
    auto boolean = [&](bool* out) -> bool {
      if (!has_value || value == "true" || value == "1") {
        *out = true;
        return true;
      }
      if (value == "false" || value == "0") {
        *out = false;
        return true;
      }
      return false;
    };
    if (a == "conf") {
      if (!need()) return "flag needs an argument: -conf";
      f->conf = value;
    } else if (a == "dns.port") {
      if (!need() || !ParseInt(value, &f->port) || f->port > 65535) return "invalid value for -dns.port";
    } else if (a == "threads") {
      if (!need() || !ParseInt(value, &f->threads)) return "invalid value for -threads";
    } else if (a == "pidfile") {
      if (!need()) return "flag needs an argument: -pidfile";
      f->pidfile = value;
    } else if (a == "quiet") {
      if (!boolean(&f->quiet)) return "invalid value for -quiet";
    } else if (a == "version") {
      if (!boolean(&f->version)) return "invalid value for -version";
    } else {
      return "flag provided but not defined: -" + a;
    }
  }
  return "";
}

int RunDns(const std::vector<std::string>& args) {
  DnsFlags flags;
  if (std::string err = ParseDnsFlags(args, &flags); !err.empty()) {
    std::fprintf(stderr, "netkube dns: %s\n", err.c_str());
    return 2;
  }
  if (flags.version) {
    std::printf("netkube dns %s\n", kDnsVersion);
    return 0;
  }
  std::ifstream in(flags.conf, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "netkube dns: cannot read the Corefile \"%s\": %s (give one with -conf FILE)\n",
                 flags.conf.c_str(), std::strerror(errno));
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();

  // Every thread inherits the mask; this one waits for the signals.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  dns::ServerOptions options;
  options.corefile_path = flags.conf;
  options.default_port = flags.port;
  options.threads = flags.threads;
  options.quiet = flags.quiet;
  options.version = kDnsVersion;
  dns::Server server(options);
  Status st = server.Start(text.str());
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  if (!flags.pidfile.empty()) {
    std::ofstream pid(flags.pidfile);
    pid << getpid() << "\n";
    if (!pid) std::fprintf(stderr, "[ERROR] cannot write pidfile %s\n", flags.pidfile.c_str());
  }
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGUSR1) {
      std::ifstream again(flags.conf, std::ios::binary);
      std::stringstream t;
      t << again.rdbuf();
      if (again) server.Reload(t.str()).ok();
      continue;
    }
    std::printf("[INFO] %s: Shutting down servers then terminating\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    std::fflush(stdout);
    break;
  }
  server.Shutdown();
  if (!flags.pidfile.empty()) unlink(flags.pidfile.c_str());
  return 0;
}

}  // namespace

void AddDnsCommand(CLI::App& app, int* rc) {
  auto* cmd = app.add_subcommand(
      "dns", "run the cluster DNS server (CoreDNS's Corefile and flags: -conf FILE -dns.port N -threads N "
             "-pidfile F -quiet -version)");
  cmd->prefix_command();  // the flags are CoreDNS's single-dash ones: parsed here
  cmd->callback([cmd, rc] { *rc = RunDns(cmd->remaining()); });
}

}  // namespace netkube::cli
