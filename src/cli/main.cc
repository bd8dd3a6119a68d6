// netkube: the command-line entry point.
//   netkube server    the control plane (API server, storage, controllers)
//   netkube version
#include <signal.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "apiserver/server.h"
#include "util/log.h"

namespace {

int RunServer(netkube::apiserver::ServerOptions options) {
  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  netkube::apiserver::Server server(std::move(options));
  netkube::Status st = server.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "netkube server: %s\n", st.message().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  LOG_INFO << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down";
  server.Stop();
  LOG_INFO << "stopped";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"netkube: the Kubernetes networking model on the real Linux kernel"};
  app.require_subcommand(1);
  int verbosity = 0;
  app.add_option("-v,--v", verbosity, "log verbosity");

  netkube::apiserver::ServerOptions so;
  auto* server = app.add_subcommand("server", "run the control plane: API server, storage and controllers");
  server->add_option("--data-dir", so.data_dir, "state and certificates; admin.kubeconfig is written here")->required();
  server->add_option("--listen", so.listen, "ADDR:PORT to serve HTTPS on (repeatable; default 127.0.0.1:6443)");
  server->add_option("--datastore", so.datastore, "sqlite or memory")->capture_default_str();
  server->add_option("--service-cidr", so.service_cidr, "the Service ClusterIP range")->capture_default_str();
  server->add_option("--service-node-port-range", so.node_port_range, "the NodePort range")->capture_default_str();
  bool no_controllers = false;
  server->add_flag("--no-controllers", no_controllers, "do not run the controllers (for tests)");

  auto* version = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);
  netkube::log::SetVerbosity(verbosity);
  if (*version) {
    std::printf("netkube v0.1.0 (Kubernetes API v1.32)\n");
    return 0;
  }
  if (*server) {
    so.run_controllers = !no_controllers;
    return RunServer(std::move(so));
  }
  return 2;
}
