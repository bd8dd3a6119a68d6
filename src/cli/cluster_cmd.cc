// netkube up / down / status / ip / kubeconfig, and the hidden supervise
// (src/cluster/lifecycle.h).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cluster/config.h"
#include "cluster/current.h"
#include "cluster/lifecycle.h"
#include "cluster/state.h"

namespace netkube::cli {
namespace {

struct UpFlags {
  cluster::UpOptions options;
  std::string name, config_file, pod_cidr, service_cidr, node_cidr, network, cni, dns, ingress, images,
      load_balancer_pool;
  int nodes = 0;
  const CLI::Option* nodes_option = nullptr;  // to tell --nodes 0 from no --nodes
  double wait_seconds = 300;
};

int RunUp(UpFlags& f) {
  cluster::ClusterConfig& c = f.options.config;
  if (!f.config_file.empty()) {
    auto text = ReadFileToString(f.config_file);
    if (!text.ok()) {
      std::fprintf(stderr, "ERROR: --config: %s\n", text.status().message().c_str());
      return 1;
    }
    auto slash = f.config_file.rfind('/');
    std::string base = slash == std::string::npos ? "." : f.config_file.substr(0, slash);
    if (Status st = cluster::ParseConfigYaml(*text, base, f.config_file, &c); !st.ok()) {
      std::fprintf(stderr, "ERROR: %s\n", st.message().c_str());
      return 1;
    }
  }
  // Flags win over the file.
  if (!f.name.empty()) c.name = f.name;
  if (f.nodes_option != nullptr && f.nodes_option->count() > 0) {
    if (f.nodes < 1) {
      std::fprintf(stderr, "ERROR: invalid --nodes %d: a cluster has at least one node (its control plane)\n",
                   f.nodes);
      return 1;
    }
    c.node_count = f.nodes;
  }
  if (!f.pod_cidr.empty()) c.pod_cidr = f.pod_cidr;
  if (!f.service_cidr.empty()) c.service_cidr = f.service_cidr;
  if (!f.node_cidr.empty()) c.node_cidr = f.node_cidr;
  if (!f.network.empty()) c.network = f.network;
  if (!f.cni.empty()) c.cni = f.cni;
  if (!f.dns.empty()) c.dns = f.dns;
  if (!f.ingress.empty()) c.ingress = f.ingress;
  if (!f.images.empty()) c.images_file = f.images;
  if (!f.load_balancer_pool.empty()) c.load_balancer_pool = f.load_balancer_pool;
  f.options.wait = std::chrono::milliseconds(static_cast<int64_t>(f.wait_seconds * 1000));
  return cluster::Up(f.options);
}

}  // namespace

std::string ClusterName(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string note;
  std::string name = cluster::DefaultClusterName(&note);
  if (!note.empty()) std::fprintf(stderr, "netkube: %s\n", note.c_str());
  return name;
}

void AddClusterCommands(CLI::App& app, int* rc) {
  auto f = std::make_shared<UpFlags>();
  auto* up = app.add_subcommand("up", "create a cluster: node namespaces, control plane, agents, CNI");
  up->add_option("--name", f->name, "cluster name (default netkube)");
  f->nodes_option = up->add_option("--nodes", f->nodes, "number of nodes, the control plane included (default 1)");
  up->add_option("--network", f->network, "cross-node pod traffic: vxlan (default) or routed");
  up->add_option("--cni", f->cni, "netkube (default), bridge (the reference plugins) or none");
  up->add_option("--dns", f->dns, "netkube (default: the coredns Deployment, kube-dns Service) or none");
  up->add_option("--ingress", f->ingress,
                 "netkube (default: the ingress-nginx controller, IngressClass nginx, in namespace ingress-nginx) "
                 "or none");
  up->add_option("--pod-cidr", f->pod_cidr, "pod range, a /24 per node (default 10.244.0.0/16)");
  up->add_option("--service-cidr", f->service_cidr, "Service ClusterIP range (default 10.96.0.0/12)");
  up->add_option("--node-cidr", f->node_cidr, "node network (default 172.18.0.0/16, or the next free 172.N.0.0/16)");
  up->add_option("--load-balancer-pool", f->load_balancer_pool,
                 "FIRST-LAST addresses for LoadBalancer Services, inside the node network (default "
                 "172.18.255.200-172.18.255.250, the same offsets in a moved node network)");
  up->add_option("--images", f->images, "an extra images catalog (YAML)");
  up->add_option("--config", f->config_file, "a YAML cluster description");
  up->add_option("--wait", f->wait_seconds, "seconds to wait for Ready nodes (default 300)");
  up->callback([f, rc] { *rc = RunUp(*f); });

  auto down_name = std::make_shared<std::string>();
  auto* down = app.add_subcommand("down", "delete a cluster and everything it made");
  down->add_option("--name", *down_name, kNameHelp);
  down->callback([down_name, rc] { *rc = cluster::Down(ClusterName(*down_name)); });

  app.add_subcommand("status", "list clusters")->callback([rc] { *rc = cluster::PrintStatus(); });

  auto ip_name = std::make_shared<std::string>();
  auto* ip = app.add_subcommand("ip", "print the control-plane node's IP");
  ip->add_option("--name", *ip_name, kNameHelp);
  ip->callback([ip_name, rc] { *rc = cluster::PrintIp(ClusterName(*ip_name)); });

  auto kc_name = std::make_shared<std::string>();
  auto* kc = app.add_subcommand("kubeconfig", "print a cluster's kubeconfig");
  kc->add_option("--name", *kc_name, kNameHelp);
  kc->callback([kc_name, rc] { *rc = cluster::PrintKubeconfig(ClusterName(*kc_name)); });

  auto dir = std::make_shared<std::string>();
  auto* sup = app.add_subcommand("supervise", "(internal) run a cluster's processes");
  sup->group("");
  sup->add_option("--dir", *dir, "the cluster directory")->required();
  sup->callback([dir, rc] { *rc = cluster::Supervise(*dir); });
}

}  // namespace netkube::cli
