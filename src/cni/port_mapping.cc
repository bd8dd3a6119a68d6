#include "cni/port_mapping.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace netkube::cni {

using nlohmann::json;

namespace {

json ToJson(const PortMapping& m) {
  json j = {{"hostPort", m.host_port}, {"containerPort", m.container_port}, {"protocol", m.protocol}};
  if (!m.host_ip.empty()) j["hostIP"] = m.host_ip;
  return j;
}

}  // namespace

StatusOr<std::vector<PortMapping>> ParsePortMappings(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Status::Invalid("portMappings must be a JSON array");
  std::vector<PortMapping> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& e = j[i];
    std::string where = "portMappings[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::Invalid(where + " must be an object");
    PortMapping m;
    for (auto [key, field] : {std::pair{"hostPort", &m.host_port}, std::pair{"containerPort", &m.container_port}}) {
      auto it = e.find(key);
      if (it == e.end() || !it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 65535) {
        return Status::Invalid(where + "." + key + " must be a port number (1-65535)");
      }
      *field = it->get<int>();
    }
    if (auto it = e.find("protocol"); it != e.end() && !it->is_null()) {
      if (!it->is_string()) return Status::Invalid(where + ".protocol must be a string");
      m.protocol = it->get<std::string>();
      std::transform(m.protocol.begin(), m.protocol.end(), m.protocol.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (m.protocol.empty()) m.protocol = "tcp";
    }
    if (m.protocol != "tcp" && m.protocol != "udp" && m.protocol != "sctp") {
      return Status::Invalid(where + ".protocol \"" + m.protocol + "\" is not tcp, udp or sctp");
    }
    if (auto it = e.find("hostIP"); it != e.end() && !it->is_null()) {
      if (!it->is_string()) return Status::Invalid(where + ".hostIP must be a string");
      m.host_ip = it->get<std::string>();
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::string PortMappingsToJson(const std::vector<PortMapping>& mappings) {
  json a = json::array();
  for (const PortMapping& m : mappings) a.push_back(ToJson(m));
  return a.dump();
}

std::string PortMappingsCapabilityArgs(const std::vector<PortMapping>& mappings) {
  if (mappings.empty()) return "";
  json a = json::array();
  for (const PortMapping& m : mappings) a.push_back(ToJson(m));
  return json{{"portMappings", a}}.dump();
}

}  // namespace netkube::cni
