// AgentOptions: how one node agent is configured (the `netkube agent` flags).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace netkube::node {

struct AgentOptions {
  std::string node_name;                  // REQUIRED
  std::string kubeconfig;                 // REQUIRED: how to reach the API server
  std::string root_dir;                   // REQUIRED: the node's own directory (pods, CNI config, state)
  std::string node_ip;                    // REQUIRED: the InternalIP
  std::string pod_cidr;                   // this node's pod range, e.g. 10.244.1.0/24
  std::string cluster_pod_cidr = "10.244.0.0/16";
  std::vector<std::string> node_labels;   // "k=v"
  std::vector<std::string> taints;        // "k=v:Effect" or "k:Effect"
  std::string network = "vxlan";          // vxlan | routed (cross-node pod traffic)
  std::string cluster_dns = "10.96.0.10";
  std::string cluster_domain = "cluster.local";
  std::string cni_conf_dir;               // default ROOT/etc/cni/net.d
  std::vector<std::string> cni_bin_dirs;  // default ROOT/opt/cni/bin, the netkube binary's dir, /usr/lib/cni
  std::string images_file;                // extra images catalog (YAML); "" = built-in only
  std::string self_exe;                   // the netkube binary (default /proc/self/exe resolved)
  int node_api_port = 10250;              // logs/exec/attach/portforward
  bool service_proxy = true;              // program Services into nftables (kube-proxy's job)
  int proxy_metrics_port = 10249;         // the service proxy's /metrics (0 = off)
  int proxy_healthz_port = 10256;         // the service proxy's /healthz (0 = off)
  std::chrono::seconds proxy_sync_period{15};  // read back and heal the service table
  std::string announce_interface = "eth0";     // answers ARP for won LoadBalancer IPs ("" = off)
  int max_pods = 110;
  std::chrono::seconds lease_duration{40};
  std::chrono::seconds lease_renew{10};
  std::chrono::seconds status_update{10};
};

}  // namespace netkube::node
