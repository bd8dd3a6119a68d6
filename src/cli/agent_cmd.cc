// netkube agent: one node's agent (src/node/agent.h); and
// netkube container-init: the first step of every container it starts.
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "node/agent.h"
#include "node/container_spec.h"
#include "util/log.h"

namespace netkube::cli {
namespace {

int RunAgent(node::AgentOptions options) {
  // The node's own hostname, seen by hostNetwork pods, in a UTS namespace of
  // the agent's (made before any thread starts, so every thread has it).
  if (unshare(CLONE_NEWUTS) == 0) {
    sethostname(options.node_name.data(), options.node_name.size());
  }
  BlockStopSignals();
  node::Agent agent(std::move(options));
  Status st = agent.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "netkube agent: %s\n", st.message().c_str());
    return 1;
  }
  int sig = WaitForStop();
  LOG_INFO << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", stopping (containers keep running)";
  agent.Stop();
  return 0;
}

}  // namespace

void AddAgentCommand(CLI::App& app, int* rc) {
  auto o = std::make_shared<node::AgentOptions>();
  auto* cmd = app.add_subcommand("agent", "run one node's agent (pods, containers, node status)");
  cmd->add_option("--node", o->node_name, "the node's name")->required();
  cmd->add_option("--kubeconfig", o->kubeconfig, "how to reach the API server")->required();
  cmd->add_option("--root-dir", o->root_dir, "the node's own directory")->required();
  cmd->add_option("--node-ip", o->node_ip, "the node's InternalIP")->required();
  cmd->add_option("--pod-cidr", o->pod_cidr, "this node's pod range");
  cmd->add_option("--cluster-pod-cidr", o->cluster_pod_cidr, "the cluster's pod range")->capture_default_str();
  cmd->add_option("--node-labels", o->node_labels, "k=v labels of the node")->delimiter(',');
  cmd->add_option("--register-with-taints", o->taints, "k=v:Effect taints of the node")->delimiter(',');
  cmd->add_option("--network", o->network, "cross-node pod traffic: vxlan or routed")->capture_default_str();
  cmd->add_option("--cluster-dns", o->cluster_dns, "the cluster DNS Service IP")->capture_default_str();
  cmd->add_option("--cluster-domain", o->cluster_domain, "the cluster domain")->capture_default_str();
  cmd->add_option("--cni-conf-dir", o->cni_conf_dir, "CNI configuration directory (default ROOT/etc/cni/net.d)");
  cmd->add_option("--cni-bin-dir", o->cni_bin_dirs, "CNI plugin directories (repeatable)");
  cmd->add_option("--images", o->images_file, "extra images catalog (YAML)");
  cmd->add_option("--node-api-port", o->node_api_port, "port of the node API (logs, exec)")->capture_default_str();
  cmd->add_option("--service-proxy", o->service_proxy, "program Services into nftables (true/false)")
      ->capture_default_str();
  cmd->add_option("--proxy-metrics-port", o->proxy_metrics_port, "port of the service proxy's /metrics (0: off)")
      ->capture_default_str();
  cmd->add_option("--proxy-healthz-port", o->proxy_healthz_port, "port of the service proxy's /healthz (0: off)")
      ->capture_default_str();
  cmd->add_option("--announce-interface", o->announce_interface,
                  "interface answering ARP for the LoadBalancer IPs this node wins (\"\": off)")
      ->capture_default_str();
  cmd->add_option_function<int>(
         "--proxy-sync-period", [o](int s) { o->proxy_sync_period = std::chrono::seconds(s); },
         "seconds between read-backs that heal the service table (default 15)");
  cmd->callback([o, rc] { *rc = RunAgent(*o); });

  auto spec = std::make_shared<std::string>();
  auto* init = app.add_subcommand("container-init", "(internal) become a container's main process");
  init->group("");  // hidden from --help
  init->add_option("spec", *spec, "the container spec file")->required();
  init->callback([spec, rc] { *rc = node::ContainerInitMain(*spec); });
}

}  // namespace netkube::cli
