#include "cluster/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

namespace netkube::cluster {

using nlohmann::json;

std::string StateDir() {
  if (const char* s = std::getenv("NETKUBE_STATE_DIR"); s && *s) return s;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.netkube";
  return "/root/.netkube";
}

std::string ClusterJsonPath(const std::string& d) { return d + "/cluster.json"; }
std::string SupervisorPidPath(const std::string& d) { return d + "/supervisor.pid"; }
std::string ChildPidDir(const std::string& d) { return d + "/run"; }
std::string UserKubeconfigPath(const std::string& d) { return d + "/kubeconfig"; }

std::string PlanToJson(const ClusterPlan& p) {
  json nodes = json::array();
  for (const auto& n : p.nodes) {
    nodes.push_back({{"index", n.index},
                     {"name", n.name},
                     {"role", n.role},
                     {"ip", n.ip},
                     {"podCIDR", n.pod_cidr},
                     {"worldVeth", n.world_veth},
                     {"labels", n.labels},
                     {"taints", n.taints},
                     {"rootDir", n.root_dir},
                     {"kubeconfig", n.kubeconfig},
                     {"logFile", n.log_file}});
  }
  json j = {{"name", p.name},
            {"dir", p.dir},
            {"serverDir", p.server_dir},
            {"worldNetns", p.world_netns},
            {"hostVeth", p.host_veth},
            {"nodeCIDR", p.node_cidr},
            {"nodePrefixLength", p.node_prefix_length},
            {"gatewayIP", p.gateway_ip},
            {"podCIDR", p.pod_cidr},
            {"serviceCIDR", p.service_cidr},
            {"clusterDNS", p.cluster_dns},
            {"loadBalancerPool", p.load_balancer_pool},
            {"network", p.network},
            {"cni", p.cni},
            {"dns", p.dns},
            {"ingress", p.ingress},
            {"imagesFile", p.images_file},
            {"apiPort", p.api_port},
            {"apiURL", p.api_url},
            {"nodeAPIURL", p.node_api_url},
            {"userKubeconfig", p.user_kubeconfig},
            {"nodes", nodes}};
  return j.dump(2) + "\n";
}

StatusOr<ClusterPlan> ParsePlanJson(const std::string& text, const std::string& origin) {
  try {
    json j = json::parse(text);
    ClusterPlan p;
    p.name = j.at("name").get<std::string>();
    p.dir = j.at("dir").get<std::string>();
    p.server_dir = j.value("serverDir", p.dir + "/server");
    p.world_netns = j.value("worldNetns", p.name + "-world");
    p.host_veth = j.value("hostVeth", "nk-" + p.name);
    p.node_cidr = j.value("nodeCIDR", "");
    p.node_prefix_length = j.value("nodePrefixLength", 16);
    p.gateway_ip = j.value("gatewayIP", "");
    p.pod_cidr = j.value("podCIDR", "");
    p.service_cidr = j.value("serviceCIDR", "");
    p.cluster_dns = j.value("clusterDNS", "");
    p.load_balancer_pool = j.value("loadBalancerPool", "");  // "" (older clusters): the server's default
    p.network = j.value("network", "vxlan");
    p.cni = j.value("cni", "netkube");
    p.dns = j.value("dns", "netkube");
    p.ingress = j.value("ingress", "none");  // absent: a cluster made before netkube deployed ingress
    p.images_file = j.value("imagesFile", "");
    p.api_port = j.value("apiPort", 6443);
    p.api_url = j.value("apiURL", "");
    p.node_api_url = j.value("nodeAPIURL", "");
    p.user_kubeconfig = j.value("userKubeconfig", "");
    for (const auto& n : j.value("nodes", json::array())) {
      NodePlan np;
      np.index = n.value("index", 0);
      np.name = n.at("name").get<std::string>();
      np.role = n.value("role", "worker");
      np.ip = n.value("ip", "");
      np.pod_cidr = n.value("podCIDR", "");
      np.world_veth = n.value("worldVeth", "");
      np.labels = n.value("labels", std::map<std::string, std::string>{});
      np.taints = n.value("taints", std::vector<std::string>{});
      np.root_dir = n.value("rootDir", p.dir + "/nodes/" + np.name);
      np.kubeconfig = n.value("kubeconfig", np.root_dir + "/kubeconfig");
      np.log_file = n.value("logFile", p.dir + "/" + np.name + ".log");
      p.nodes.push_back(std::move(np));
    }
    return p;
  } catch (const std::exception& e) {
    return Status::BadRequest(origin + ": " + e.what());
  }
}

Status SavePlan(const ClusterPlan& plan) {
  if (Status st = MakeDirs(plan.dir, 0700); !st.ok()) return st;
  return WriteFileAtomic(ClusterJsonPath(plan.dir), PlanToJson(plan), 0600);
}

StatusOr<ClusterPlan> LoadPlan(const std::string& cluster_dir) {
  auto text = ReadFileToString(ClusterJsonPath(cluster_dir));
  if (!text.ok()) return text.status();
  return ParsePlanJson(*text, ClusterJsonPath(cluster_dir));
}

std::vector<std::string> ListClusters(const std::string& state_dir) {
  std::vector<std::string> out;
  std::string dir = state_dir + "/clusters";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (::stat((dir + "/" + n).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace netkube::cluster
