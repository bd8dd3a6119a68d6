// netkube: the command-line entry point. The subcommands live in *_cmd.cc
// files beside this one (see commands.h).
#include <signal.h>

#include <cstdio>

#include "cli/commands.h"
#include "util/log.h"

namespace netkube::cli {

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int WaitForStop() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

void AddVersionCommand(CLI::App& app, int* rc) {
  app.add_subcommand("version", "print the version")->callback([rc] {
    std::printf("netkube v0.1.0 (Kubernetes API v1.32)\n");
    *rc = 0;
  });
}

}  // namespace netkube::cli

int main(int argc, char** argv) {
  CLI::App app{"netkube: the Kubernetes networking model on the real Linux kernel"};
  app.require_subcommand(1);
  int verbosity = 0;
  app.add_option("-v,--v", verbosity, "log verbosity");
  app.parse_complete_callback([&verbosity] { netkube::log::SetVerbosity(verbosity); });

  int rc = 2;
  netkube::cli::AddClusterCommands(app, &rc);
  netkube::cli::AddServerCommand(app, &rc);
  netkube::cli::AddAgentCommand(app, &rc);
  netkube::cli::AddDnsCommand(app, &rc);
  netkube::cli::AddIngressCommand(app, &rc);
  netkube::cli::AddServiceCommand(app, &rc);
  netkube::cli::AddNodeCommand(app, &rc);
  netkube::cli::AddImageCommands(app, &rc);
  netkube::cli::AddVersionCommand(app, &rc);
  CLI11_PARSE(app, argc, argv);
  return rc;
}
