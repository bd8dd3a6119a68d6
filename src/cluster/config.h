// ClusterConfig: what the user asked for, from `netkube up` flags and/or a
// `--config FILE` YAML cluster description. Nothing here is validated beyond
// its shape; MakePlan (plan.h) turns a config into a checked ClusterPlan.
//
// The YAML file:
//   kind: Cluster                      # optional
//   apiVersion: netkube.io/v1alpha1    # optional
//   name: dev
//   nodes:
//   - role: control-plane              # exactly one, first
//   - role: worker
//     name: dev-gpu                    # optional (default NAME-worker, NAME-worker2, ...)
//     labels: {disk: ssd}
//     taints: ["gpu=true:NoSchedule"]
//   networking:
//     podCIDR: 10.244.0.0/16
//     serviceCIDR: 10.96.0.0/12
//     nodeCIDR: 172.18.0.0/16
//     network: vxlan                   # or routed
//     cni: netkube                     # or bridge, none
//     dns: netkube                     # or none (no coredns Deployment / kube-dns Service)
//     ingress: netkube                 # or none (no ingress-nginx controller)
//     loadBalancerPool: 172.18.255.200-172.18.255.250   # FIRST-LAST, inside nodeCIDR
//   images: ./catalog.yaml             # an extra images catalog (relative to the file)
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::cluster {

struct NodeConfig {
  std::string name;                          // "" = the default name for its role and position
  std::string role = "worker";               // "control-plane" or "worker"
  std::map<std::string, std::string> labels;
  std::vector<std::string> taints;           // "key=value:Effect" or "key:Effect"
};

struct ClusterConfig {
  std::string name = "netkube";
  int node_count = 0;             // --nodes; 0 = not given (1 unless `nodes` lists them)
  std::vector<NodeConfig> nodes;  // from the file; empty = node_count default nodes
  std::string pod_cidr = "10.244.0.0/16";
  std::string service_cidr = "10.96.0.0/12";
  std::string node_cidr;          // "" = 172.18.0.0/16, or the next free 172.N.0.0/16
  std::string network = "vxlan";  // vxlan | routed
  std::string cni = "netkube";    // netkube | bridge | none
  std::string dns = "netkube";    // netkube (the coredns Deployment) | none
  std::string ingress = "netkube";  // netkube (the ingress-nginx controller) | none
  std::string images_file;        // "" = built-in catalog only
  int api_port = 0;               // host loopback port of the API; 0 = 6443 or the next free
  // --load-balancer-pool FIRST-LAST: the addresses LoadBalancer Services get,
  // on the node network. "" = offsets .255.200-.255.250 of the node /16
  // (generally: the network's last address - 55 ... - 5).
  std::string load_balancer_pool;
};

// Parses the YAML text of a config file into `config` (fields present in the
// file overwrite it). `base_dir` resolves a relative images path; `origin`
// names the file in errors. BadRequest on unknown keys or wrong shapes.
Status ParseConfigYaml(std::string_view yaml, const std::string& base_dir, const std::string& origin,
                       ClusterConfig* config);

}  // namespace netkube::cluster
