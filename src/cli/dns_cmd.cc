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
#include <string>
#include <vector>

#include "cli/commands.h"
#include "dns/server.h"
#include "images/flags.h"
#include "util/file.h"

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

// Returns an error message, or "" when the flags are fine.
std::string ParseDnsFlags(const std::vector<std::string>& args, DnsFlags* f) {
  images::FlagSet flags;
  flags.String("conf", &f->conf);
  flags.Int("dns.port", &f->port);
  flags.Int("threads", &f->threads);
  flags.String("pidfile", &f->pidfile);
  flags.Bool("quiet", &f->quiet);
  flags.Bool("version", &f->version);
  auto positional = flags.Parse(args);
  if (!positional.ok()) return positional.status().message();
  if (!positional->empty()) return "unexpected argument \"" + positional->front() + "\"";
  if (f->port < 0 || f->port > 65535) return "invalid value for -dns.port";
  if (f->threads < 0) return "invalid value for -threads";
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
  auto text = ReadFileToString(flags.conf);
  if (!text.ok()) {
    std::fprintf(stderr, "netkube dns: cannot read the Corefile \"%s\": %s (give one with -conf FILE)\n",
                 flags.conf.c_str(), std::strerror(errno));
    return 1;
  }

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
  Status st = server.Start(*text);
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
      if (auto again = ReadFileToString(flags.conf); again.ok()) server.Reload(*again).ok();
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
