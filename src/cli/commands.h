// The subcommands of the `netkube` binary. Each Add* function registers its
// subcommand(s) on `app`; when one of them is chosen on the command line, its
// callback runs the command and stores the process exit code in *rc.
// main.cc calls them in the order they appear in `netkube --help`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace netkube::cli {

void AddClusterCommands(CLI::App& app, int* rc);  // up, down, status, kubeconfig, ip (cluster_cmd.cc)
void AddServerCommand(CLI::App& app, int* rc);    // server (server_cmd.cc)
void AddAgentCommand(CLI::App& app, int* rc);     // agent (agent_cmd.cc)
void AddDnsCommand(CLI::App& app, int* rc);       // dns: the cluster DNS server (dns_cmd.cc)
void AddIngressCommand(CLI::App& app, int* rc);   // ingress: the ingress controller (ingress_cmd.cc)
void AddServiceCommand(CLI::App& app, int* rc);   // service NAME --url (service_cmd.cc)
void AddNodeCommand(CLI::App& app, int* rc);      // node exec NODE [-- CMD] (node_cmd.cc)
void AddImageCommands(CLI::App& app, int* rc);    // the built-in images' programs (image_cmd.cc)
void AddVersionCommand(CLI::App& app, int* rc);   // version (main.cc)

// The cluster a command means: `flag` (its --name) when given, else the
// cluster of kubectl's current context (cluster/current.h), saying on stderr
// which one it took when that was not obvious.
std::string ClusterName(const std::string& flag);
inline constexpr char kNameHelp[] = "cluster name (default: the current kubectl context's netkube cluster, else netkube)";

// Blocks SIGTERM and SIGINT in the calling thread (call before starting any
// thread, so every thread inherits the mask) and ignores SIGPIPE. WaitForStop
// then returns the signal that arrived.
void BlockStopSignals();
int WaitForStop();

}  // namespace netkube::cli
