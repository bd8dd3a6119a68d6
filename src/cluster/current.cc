#include "cluster/current.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "cluster/kubeconfig_merge.h"
#include "cluster/state.h"
#include "util/file.h"

namespace netkube::cluster {

std::string CurrentContextOf(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsMap() && root["current-context"] && root["current-context"].IsScalar())
      return root["current-context"].as<std::string>();
  } catch (const YAML::Exception&) {
  }
  return "";
}

std::string ChooseCluster(std::string_view current_context, const std::vector<std::string>& clusters,
                          std::string* note) {
  auto exists = [&](std::string_view n) { return std::find(clusters.begin(), clusters.end(), n) != clusters.end(); };
  constexpr std::string_view kPrefix = "netkube-";
  if (current_context.substr(0, kPrefix.size()) == kPrefix) {
    std::string_view name = current_context.substr(kPrefix.size());
    if (exists(name)) return std::string(name);
  }
  std::string chosen;
  if (exists("netkube")) chosen = "netkube";
  else if (clusters.size() == 1) chosen = clusters[0];
  else chosen = "netkube";
  if (note && clusters.size() > 1) {
    std::string all;
    for (const auto& c : clusters) all += (all.empty() ? "" : ", ") + c;
    *note = "using cluster \"" + chosen + "\" (clusters: " + all + "; kubectl's current context \"" +
            std::string(current_context) + "\" is none of them); choose one with --name";
  }
  return chosen;
}

std::string DefaultClusterName(std::string* note) {
  auto text = ReadFileToString(DefaultKubeconfigPath());
  std::string context = text.ok() ? CurrentContextOf(*text) : "";
  return ChooseCluster(context, ListClusters(StateDir()), note);
}

}  // namespace netkube::cluster
