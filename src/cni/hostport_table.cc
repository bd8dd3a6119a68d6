#include "cni/hostport_table.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "cni/types.h"
#include "netlink/ip.h"
#include "nft/readback.h"
#include "nft/rule.h"
#include "util/hash.h"

namespace netkube::cni {

using nft::RuleBuilder;
using nlohmann::json;

namespace {

constexpr const char* kDispatch = "dispatch";

std::string Describe(const std::string& container_id, const PortMapping& m) {
  return "container " + container_id + ": hostPort " + (m.host_ip.empty() ? "" : m.host_ip + ":") +
         std::to_string(m.host_port) + "/" + m.protocol;
}

std::string Goto(const std::string& chain) { return "goto " + chain; }

// The table without any container.
nft::Table Skeleton() {
  nft::Table t;
  t.family = nft::Family::kIp;
  t.name = kHostportTable;
  t.AddSet(kHostportsMap, "inet_proto . inet_service", "verdict");
  t.AddSet(kHostIpHostportsMap, "ipv4_addr . inet_proto . inet_service", "verdict");
  std::string jump = *RuleBuilder().Jump(kDispatch).Build();
  t.AddChain("nat-prerouting", nft::BaseChainSpec{"nat", "prerouting", kHostportDnatPriority, "accept"}).rules = {jump};
  t.AddChain("nat-output", nft::BaseChainSpec{"nat", "output", kHostportDnatPriority, "accept"}).rules = {jump};
  t.AddChain("nat-postrouting", nft::BaseChainSpec{"nat", "postrouting", kHostportSnatPriority, "accept"}).rules = {
      *RuleBuilder().MarkMatch(kHostportHairpinMark).Masquerade().Build()};
  t.AddChain(kDispatch).rules = {
      *RuleBuilder().VmapLookup("ip daddr . meta l4proto . th dport", kHostIpHostportsMap).Build(),
      *RuleBuilder().FibDaddrLocal().DaddrIsNot("127.0.0.0/8").VmapLookup("meta l4proto . th dport", kHostportsMap).Build()};
  return t;
}

std::string ElementText(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  if (j.is_object() && j.contains("concat") && j["concat"].is_array()) {
    std::string out;
    for (const json& part : j["concat"]) out += (out.empty() ? "" : " . ") + ElementText(part);
    return out;
  }
  if (j.is_object() && j.size() == 1) {
    const auto& [verb, arg] = *j.items().begin();
    if (arg.is_object() && arg.contains("target") && arg["target"].is_string())
      return verb + " " + arg["target"].get<std::string>();
    return verb;
  }
  return j.dump();
}

}  // namespace

std::string HostportChain(const std::string& container_id) {
  std::string name = "container-" + container_id;
  if (ValidContainerId(container_id) && name.size() <= 200) return name;
  return "container-h" + Hex16(Fnv1a64(container_id));
}

StatusOr<HostportKey> KeyOf(const PortMapping& m) {
  std::string port = m.protocol + " . " + std::to_string(m.host_port);
  if (m.host_ip.empty() || m.host_ip == "0.0.0.0") return HostportKey{kHostportsMap, port};
  if (m.host_ip.find(':') != std::string::npos) {
    return Status::Invalid("hostIP " + m.host_ip + " is IPv6; pods here are IPv4 only");
  }
  auto ip = netlink::Ipv4::Parse(m.host_ip);
  if (!ip.ok()) return Status::Invalid("hostIP \"" + m.host_ip + "\" is not an IPv4 address");
  if ((ip->value >> 24) == 127) {
    return Status::Invalid("hostIP " + m.host_ip + " is a loopback address (not mapped: it would need route_localnet)");
  }
  return HostportKey{kHostIpHostportsMap, ip->ToString() + " . " + port};
}

Status FindConflict(const HostportEntry& entry, const std::vector<HostportEntry>& others) {
  std::map<HostportKey, std::string> held;
  for (const HostportEntry& o : others) {
    if (o.container_id == entry.container_id) continue;
    for (const PortMapping& m : o.mappings) {
      if (auto k = KeyOf(m); k.ok()) held.emplace(*k, o.container_id);
    }
  }
  for (const PortMapping& m : entry.mappings) {
    auto k = KeyOf(m);
    if (!k.ok()) continue;
    if (auto it = held.find(*k); it != held.end()) {
      return Status::Conflict("hostPort " + (m.host_ip.empty() ? "" : m.host_ip + ":") + std::to_string(m.host_port) +
                              "/" + m.protocol + " is already mapped on this node, to container " + it->second);
    }
  }
  return Status::OK();
}

nft::Table CompileHostportTable(const std::vector<HostportEntry>& entries, std::vector<std::string>* skipped) {
  auto skip = [&](std::string why) {
    if (skipped != nullptr) skipped->push_back(std::move(why));
  };
  nft::Table t = Skeleton();
  std::vector<const HostportEntry*> sorted;
  for (const HostportEntry& e : entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const HostportEntry* a, const HostportEntry* b) { return a->container_id < b->container_id; });

  std::set<HostportKey> taken;
  for (const HostportEntry* e : sorted) {
    if (!netlink::Ipv4::Parse(e->pod_ip).ok()) {
      skip("container " + e->container_id + ": pod IP \"" + e->pod_ip + "\" is not IPv4");
      continue;
    }
    const std::string chain = HostportChain(e->container_id);
    std::vector<std::string> with_ip, any_ip;
    std::map<HostportKey, PortMapping> mine;
    for (const PortMapping& m : e->mappings) {
      auto key = KeyOf(m);
      if (!key.ok()) {
        skip(Describe(e->container_id, m) + ": " + key.status().message());
        continue;
      }
      if (auto it = mine.find(*key); it != mine.end()) {
        if (!(it->second == m)) skip(Describe(e->container_id, m) + ": listed twice (the first is kept)");
        continue;
      }
      if (taken.count(*key)) {
        skip(Describe(e->container_id, m) + ": held by another container");
        continue;
      }
      RuleBuilder b;
      b.ForIpFamily();
      if (key->map == kHostIpHostportsMap) b.DaddrIs(m.host_ip);
      auto rule = b.L4Dport(m.protocol, m.host_port).DnatTo(e->pod_ip, m.container_port).Build();
      if (!rule.ok()) {
        skip(Describe(e->container_id, m) + ": " + rule.status().message());
        continue;
      }
      (key->map == kHostIpHostportsMap ? with_ip : any_ip).push_back(std::move(*rule));
      mine.emplace(*key, m);
    }
    if (mine.empty()) continue;
    nft::Chain& c = t.AddChain(chain);
    c.rules.push_back(*RuleBuilder().SaddrIs(e->pod_ip).MarkSet(kHostportHairpinMark).Build());
    c.rules.insert(c.rules.end(), with_ip.begin(), with_ip.end());
    c.rules.insert(c.rules.end(), any_ip.begin(), any_ip.end());
    for (const auto& [key, m] : mine) {
      t.sets[key.map].elements[key.key] = Goto(chain);
      taken.insert(key);
    }
  }
  return t;
}

StatusOr<std::map<std::string, std::map<std::string, std::string>>> ElementsFromKernelJson(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array()) {
    return Status::BadRequest("nft: cannot parse the kernel's table listing");
  }
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const json& item : doc["nftables"]) {
    if (!item.is_object() || !item.contains("map")) continue;
    const json& m = item["map"];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) continue;
    auto& elements = out[m["name"].get<std::string>()];
    if (!m.contains("elem") || !m["elem"].is_array()) continue;
    for (const json& e : m["elem"]) {
      if (e.is_array() && e.size() == 2) elements[ElementText(e[0])] = ElementText(e[1]);
    }
  }
  return out;
}

Status VerifyContainer(const std::string& kernel_json, const nft::Table& desired, const std::string& container_id) {
  const std::string chain = HostportChain(container_id);
  auto want = desired.chains.find(chain);
  if (want == desired.chains.end()) return Status::OK();  // nothing of it is programmed
  auto kernel = nft::ParseKernelJson(kernel_json);
  if (!kernel.ok()) return kernel.status();
  auto have = kernel->chains.find(chain);
  if (have == kernel->chains.end()) return Status::NotFound("hostport chain " + chain + " is missing");
  if (have->second.rules != want->second.rules.size()) {
    return Status::Conflict("hostport chain " + chain + " has " + std::to_string(have->second.rules) + " rules, want " +
                            std::to_string(want->second.rules.size()));
  }
  auto elements = ElementsFromKernelJson(kernel_json);
  if (!elements.ok()) return elements.status();
  for (const auto& [name, set] : desired.sets) {
    for (const auto& [key, value] : set.elements) {
      if (value != Goto(chain)) continue;
      auto m = elements->find(name);
      if (m == elements->end()) return Status::NotFound("hostport map " + name + " is missing");
      auto e = m->second.find(key);
      if (e == m->second.end()) return Status::NotFound("hostport " + key + " is missing from map " + name);
      if (e->second != value) return Status::Conflict("hostport " + key + " leads to \"" + e->second + "\"");
    }
  }
  return Status::OK();
}

}  // namespace netkube::cni
