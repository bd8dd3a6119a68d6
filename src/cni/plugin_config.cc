#include "cni/plugin_config.h"

#include <nlohmann/json.hpp>

namespace netkube::cni {

using netlink::Ipv4;
using netlink::Ipv4Prefix;
using netlink::Mac;
using nlohmann::json;

namespace {

StatusOr<std::string> OptString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Status::Invalid(std::string("field ") + key + " must be a string");
  return it->get<std::string>();
}

}  // namespace

StatusOr<PluginConfig> PluginConfig::Parse(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::UnsupportedMediaType("network config is not a JSON object");
  PluginConfig c;
  try {
    c.cni_version = j.value("cniVersion", std::string());
    c.name = j.value("name", std::string());
    c.type = j.value("type", std::string());
    if (c.cni_version.empty()) c.cni_version = kSpecVersion;
    std::string mode = j.value("mode", std::string("bridge"));
    if (mode == "bridge") {
      c.mode = Mode::kBridge;
    } else if (mode == "routed") {
      c.mode = Mode::kRouted;
    } else {
      return Status::Invalid("unsupported field mode: \"" + mode + "\" (bridge or routed)");
    }
    c.bridge = j.value("bridge", std::string("cni0"));
    c.hairpin = j.value("hairpinMode", true);
    c.mtu = j.value("mtu", 1500);
    if (c.mtu < 68 || c.mtu > 65535) return Status::Invalid("mtu " + std::to_string(c.mtu) + " out of range");

    json ipam = j.value("ipam", json::object());
    if (!ipam.is_object()) return Status::Invalid("ipam must be an object");
    std::string subnet;
    for (const json* src : {&ipam, &j}) {
      for (const char* key : {"subnet", "podCIDR"}) {
        if (!subnet.empty()) break;
        auto v = OptString(*src, key);
        if (!v.ok()) return v.status();
        subnet = *v;
      }
    }
    if (subnet.empty()) return Status::Invalid("ipam.subnet (or podCIDR) is required");
    auto prefix = Ipv4Prefix::Parse(subnet);
    if (!prefix.ok()) return Status::Invalid("ipam.subnet: " + prefix.status().message());
    c.range.subnet = Ipv4Prefix{prefix->Network(), prefix->length};
    c.range.gateway = Ipv4{c.range.subnet.addr.value + 1};
    auto gw = OptString(ipam, "gateway");
    if (!gw.ok()) return gw.status();
    if (!gw->empty()) {
      auto ip = Ipv4::Parse(*gw);
      if (!ip.ok() || !c.range.subnet.Contains(*ip)) return Status::Invalid("ipam.gateway \"" + *gw + "\" invalid");
      c.range.gateway = *ip;
    }
    for (auto [key, field] : {std::pair{"rangeStart", &c.range.range_start}, std::pair{"rangeEnd", &c.range.range_end}}) {
      auto v = OptString(ipam, key);
      if (!v.ok()) return v.status();
      if (v->empty()) continue;
      auto ip = Ipv4::Parse(*v);
      if (!ip.ok()) return Status::Invalid(std::string("ipam.") + key + ": " + ip.status().message());
      *field = *ip;
    }
    auto dir = OptString(ipam, "dataDir");
    if (!dir.ok()) return dir.status();
    if (!dir->empty()) c.data_dir = *dir;

    auto mac = OptString(j, "bridgeMac");
    if (!mac.ok()) return mac.status();
    if (mac->empty()) {
      c.bridge_mac = Mac::FromIpv4(c.range.gateway);
    } else {
      auto m = Mac::Parse(*mac);
      if (!m.ok()) return Status::Invalid("bridgeMac: " + m.status().message());
      c.bridge_mac = *m;
    }

    if (auto it = j.find("dns"); it != j.end() && it->is_object()) {
      c.dns.nameservers = it->value("nameservers", std::vector<std::string>{});
      c.dns.search = it->value("search", std::vector<std::string>{});
      c.dns.options = it->value("options", std::vector<std::string>{});
      c.dns.domain = it->value("domain", std::string());
    }
    if (auto it = j.find("prevResult"); it != j.end() && it->is_object()) {
      auto r = Result::Parse(it->dump());
      if (!r.ok()) return r.status();
      c.prev_result = std::move(*r);
    }
    if (auto rt = j.find("runtimeConfig"); rt != j.end() && rt->is_object()) {
      if (auto it = rt->find("portMappings"); it != rt->end() && !it->is_null()) {
        auto mappings = ParsePortMappings(it->dump());
        if (!mappings.ok()) return Status::Invalid("runtimeConfig." + mappings.status().message());
        c.port_mappings = std::move(*mappings);
      }
    }
    if (auto it = j.find("cni.dev/valid-attachments"); it != j.end() && it->is_array()) {
      std::vector<Attachment> valid;
      for (const auto& a : *it) {
        valid.push_back({a.value("containerID", std::string()), a.value("ifname", std::string())});
      }
      c.valid_attachments = std::move(valid);
    }
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("network config: ") + e.what());
  }
  if (!ValidNetworkName(c.name)) return Status::Invalid("invalid network name \"" + c.name + "\"");
  return c;
}

}  // namespace netkube::cni
