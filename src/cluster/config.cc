#include "cluster/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace netkube::cluster {
namespace {

Status Unknown(const std::string& origin, const std::string& where, const YAML::Node& map,
               const std::set<std::string>& known) {
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    if (!known.count(key)) return Status::BadRequest(origin + ": unknown field \"" + where + key + "\"");
  }
  return Status::OK();
}

Status ParseNode(const YAML::Node& n, const std::string& origin, const std::string& where, NodeConfig* out) {
  if (!n.IsMap()) return Status::BadRequest(origin + ": " + where + " must be a mapping");
  if (Status st = Unknown(origin, where + ".", n, {"name", "role", "labels", "taints"}); !st.ok()) return st;
  if (n["name"]) out->name = n["name"].as<std::string>();
  if (n["role"]) out->role = n["role"].as<std::string>();
  if (const auto& labels = n["labels"]) {
    if (!labels.IsMap()) return Status::BadRequest(origin + ": " + where + ".labels must be a mapping");
    for (const auto& kv : labels) out->labels[kv.first.as<std::string>()] = kv.second.as<std::string>("");
  }
  if (const auto& taints = n["taints"]) {
    if (!taints.IsSequence()) return Status::BadRequest(origin + ": " + where + ".taints must be a list");
    for (const auto& t : taints) out->taints.push_back(t.as<std::string>());
  }
  return Status::OK();
}

}  // namespace

Status ParseConfigYaml(std::string_view yaml, const std::string& base_dir, const std::string& origin,
                       ClusterConfig* config) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return Status::OK();
    if (!root.IsMap()) return Status::BadRequest(origin + ": want a mapping at the top level");
    if (Status st = Unknown(origin, "", root, {"kind", "apiVersion", "name", "nodes", "networking", "images"});
        !st.ok())
      return st;
    if (root["kind"] && root["kind"].as<std::string>() != "Cluster")
      return Status::BadRequest(origin + ": kind must be Cluster, not \"" + root["kind"].as<std::string>() + "\"");
    if (root["name"]) config->name = root["name"].as<std::string>();
    if (const auto& nodes = root["nodes"]) {
      if (!nodes.IsSequence()) return Status::BadRequest(origin + ": nodes must be a list");
      config->nodes.clear();
      for (size_t i = 0; i < nodes.size(); ++i) {
        NodeConfig nc;
        if (Status st = ParseNode(nodes[i], origin, "nodes[" + std::to_string(i) + "]", &nc); !st.ok()) return st;
        config->nodes.push_back(std::move(nc));
      }
    }
    if (const auto& net = root["networking"]) {
      if (!net.IsMap()) return Status::BadRequest(origin + ": networking must be a mapping");
      if (Status st = Unknown(origin, "networking.", net,
                              {"podCIDR", "serviceCIDR", "nodeCIDR", "network", "cni", "dns", "ingress",
                               "apiServerPort", "loadBalancerPool"});
          !st.ok())
        return st;
      if (net["podCIDR"]) config->pod_cidr = net["podCIDR"].as<std::string>();
      if (net["serviceCIDR"]) config->service_cidr = net["serviceCIDR"].as<std::string>();
      if (net["nodeCIDR"]) config->node_cidr = net["nodeCIDR"].as<std::string>();
      if (net["network"]) config->network = net["network"].as<std::string>();
      if (net["cni"]) config->cni = net["cni"].as<std::string>();
      if (net["dns"]) config->dns = net["dns"].as<std::string>();
      if (net["ingress"]) config->ingress = net["ingress"].as<std::string>();
      if (net["apiServerPort"]) config->api_port = net["apiServerPort"].as<int>();
      if (net["loadBalancerPool"]) config->load_balancer_pool = net["loadBalancerPool"].as<std::string>();
    }
    if (root["images"]) {
      std::string images = root["images"].as<std::string>();
      if (!images.empty() && images[0] != '/' && !base_dir.empty()) images = base_dir + "/" + images;
      config->images_file = images;
    }
  } catch (const YAML::Exception& e) {
    return Status::BadRequest(origin + ": " + e.what());
  }
  return Status::OK();
}

}  // namespace netkube::cluster
