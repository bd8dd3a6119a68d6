#include "node/hostports.h"

#include <algorithm>
#include <cctype>

#include "client/meta.h"

namespace netkube::node {

using Json = nlohmann::json;

std::vector<cni::PortMapping> PodPortMappings(const Json& pod) {
  std::vector<cni::PortMapping> out;
  if (!pod.is_object() || !pod.contains("spec") || !pod["spec"].is_object()) return out;
  const Json& spec = pod["spec"];
  if (auto it = spec.find("hostNetwork"); it != spec.end() && it->is_boolean() && it->get<bool>()) return out;
  auto containers = spec.find("containers");
  if (containers == spec.end() || !containers->is_array()) return out;
  for (const Json& c : *containers) {
    auto ports = c.is_object() ? c.find("ports") : c.end();
    if (!c.is_object() || ports == c.end() || !ports->is_array()) continue;
    for (const Json& p : *ports) {
      if (!p.is_object()) continue;
      int64_t host_port = client::GetInt(p, {"hostPort"}, 0);
      int64_t container_port = client::GetInt(p, {"containerPort"}, 0);
      if (host_port <= 0 || host_port > 65535 || container_port <= 0 || container_port > 65535) continue;
      cni::PortMapping m;
      m.host_port = static_cast<int>(host_port);
      m.container_port = static_cast<int>(container_port);
      std::string protocol = client::GetString(p, {"protocol"});
      std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      m.protocol = protocol.empty() ? "tcp" : protocol;
      m.host_ip = client::GetString(p, {"hostIP"});
      if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace netkube::node
