// ClusterPlan: every name, address and path of a cluster, computed from a
// ClusterConfig and a snapshot of the machine (Environment) before anything
// is created. MakePlan is pure: `up` gathers the Environment, plans, and only
// then touches the kernel, so every user error is reported while the machine
// is still untouched.
//
// Layout (defaults; see shared/ARCHITECTURE.md):
//   world netns NAME-world with bridge nk0; host veth nk-NAME 172.18.0.1/16
//   (peer "nk-host" in the world, enslaved to nk0); node i: netns NODE with
//   eth0 172.18.0.(i+2)/16 (peer "veth<i>" in the world, enslaved to nk0),
//   podCIDR 10.244.i.0/24; node names NAME-control-plane, NAME-worker,
//   NAME-worker2, ...; LoadBalancer pool 172.18.255.200-172.18.255.250 (the
//   same offsets in a moved 172.N.0.0/16), on the node network so the host
//   reaches LB IPs through nk-NAME with no route (a node answers ARP).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/config.h"
#include "util/status.h"

namespace netkube::cluster {

// Well-known names inside a cluster.
inline constexpr const char* kBridge = "nk0";        // the node network, in the world netns
inline constexpr const char* kHostPeer = "nk-host";  // the world end of the host's veth
inline constexpr const char* kNodeDevice = "eth0";   // each node's interface
inline constexpr int kApiPort = 6443;                // the API port on the control-plane node
inline constexpr size_t kMaxNameLength = 12;         // "nk-" + name fits IFNAMSIZ-1 (15)

struct NodePlan {
  int index = 0;                  // 0 = the control plane
  std::string name;               // "dev-worker"; also its netns name
  std::string role;               // "control-plane" or "worker"
  std::string ip;                 // "172.18.0.3"
  std::string pod_cidr;           // "10.244.1.0/24"
  std::string world_veth;         // its eth0's peer in the world netns: "veth1"
  std::map<std::string, std::string> labels;  // incl. node-role.kubernetes.io/...
  std::vector<std::string> taints;            // "key=value:Effect"
  std::string root_dir;           // the agent's --root-dir: DIR/nodes/NODE
  std::string kubeconfig;         // ROOT/kubeconfig (CN=system:node:NODE)
  std::string log_file;           // DIR/NODE.log
};

struct ClusterPlan {
  std::string name;
  std::string dir;                // STATE/clusters/NAME
  std::string server_dir;         // DIR/server (the server's --data-dir)
  std::string world_netns;        // "NAME-world"
  std::string host_veth;          // "nk-NAME"
  std::string node_cidr;          // "172.18.0.0/16"
  int node_prefix_length = 16;
  std::string gateway_ip;         // the host's address on the node network: "172.18.0.1"
  std::string pod_cidr, service_cidr;
  std::string cluster_dns;        // service network + 10: "10.96.0.10"
  std::string load_balancer_pool; // the server's --load-balancer-pool: "172.18.255.200-172.18.255.250"
  std::string network, cni, images_file;
  std::string dns = "netkube";    // netkube: the coredns Deployment and kube-dns Service; none
  std::string ingress = "netkube";  // netkube: manifests/ingress-nginx.yaml (namespace ingress-nginx); none
  int api_port = 6443;            // host loopback port
  std::string api_url;            // "https://127.0.0.1:6443" (the user's kubeconfig)
  std::string node_api_url;       // "https://172.18.0.2:6443" (the agents' kubeconfig)
  std::vector<NodePlan> nodes;    // nodes[0] is the control plane
  std::vector<std::string> notes; // decisions worth telling the user (e.g. a moved node CIDR)
  std::string user_kubeconfig;    // the kubeconfig file `up` merged the context into

  const NodePlan& control_plane() const { return nodes.front(); }
  std::string context() const { return "netkube-" + name; }  // kubeconfig cluster/user/context
};

// Another netkube cluster on this machine (from its cluster.json).
struct OtherCluster {
  std::string name;
  std::string node_cidr;
  int api_port = 0;
};

// What `up` found on the machine.
struct Environment {
  bool is_root = true;
  std::string state_dir;                // $NETKUBE_STATE_DIR or $HOME/.netkube
  std::set<std::string> cluster_dirs;   // names under STATE/clusters/
  std::set<std::string> netns;          // names under /run/netns
  std::set<std::string> host_links;     // link names in the host's namespace
  std::vector<OtherCluster> clusters;
  std::set<int> busy_ports;             // loopback TCP ports that cannot be bound
};

// Validates `config` against `env` and computes the plan. Errors (nothing is
// created yet): Forbidden when not root; Invalid for bad names, CIDRs,
// overlapping ranges, too many nodes for a range, bad roles, labels or
// taints, a LoadBalancer pool that is malformed, reversed, outside the node
// network or overlapping its network/gateway/broadcast/node addresses
// (messages name --load-balancer-pool); AlreadyExists when the name, a netns or a link is in use.
StatusOr<ClusterPlan> MakePlan(const ClusterConfig& config, const Environment& env);

// Checks "key=value:Effect" / "key:Effect" (Effect NoSchedule,
// PreferNoSchedule or NoExecute); "" when fine, else the reason.
std::string TaintError(const std::string& taint);

}  // namespace netkube::cluster
