#include "nft/readback.h"

#include <map>
#include <nlohmann/json.hpp>

namespace netkube::nft {

Status CompareWithKernel(const std::string& kernel_json, const Table& applied) {
  auto doc = nlohmann::json::parse(kernel_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("nftables") || !doc["nftables"].is_array()) {
    return Status::BadRequest("nft: cannot parse the kernel's table listing");
  }
  std::map<std::string, size_t> rules;            // chain -> rule count
  std::map<std::string, nlohmann::json> chains;   // chain -> its object
  std::map<std::string, size_t> elements;         // set -> element count
  for (const auto& item : doc["nftables"]) {
    if (item.contains("chain")) {
      const auto& c = item["chain"];
      std::string n = c.value("name", "");
      chains[n] = c;
      rules.emplace(n, 0);
    } else if (item.contains("rule")) {
      rules[item["rule"].value("chain", "")]++;
    } else if (item.contains("set") || item.contains("map")) {
      const auto& s = item.contains("set") ? item["set"] : item["map"];
      elements[s.value("name", "")] = s.contains("elem") ? s["elem"].size() : 0;
    }
  }
  for (const auto& [name, c] : applied.chains) {
    auto it = chains.find(name);
    if (it == chains.end()) return Status::Conflict("nft: chain " + name + " is missing");
    if (c.base) {
      const auto& k = it->second;
      if (k.value("hook", "") != c.base->hook || k.value("type", "") != c.base->type ||
          k.value("prio", 0) != c.base->priority || k.value("policy", "") != c.base->policy) {
        return Status::Conflict("nft: base chain " + name + " differs");
      }
    } else if (it->second.contains("hook")) {
      return Status::Conflict("nft: chain " + name + " became a base chain");
    }
    if (rules[name] != c.rules.size()) {
      return Status::Conflict("nft: chain " + name + " has " + std::to_string(rules[name]) + " rules, want " +
                              std::to_string(c.rules.size()));
    }
  }
  if (chains.size() != applied.chains.size()) return Status::Conflict("nft: the table has extra chains");
  for (const auto& [name, s] : applied.sets) {
    auto it = elements.find(name);
    if (it == elements.end()) return Status::Conflict("nft: set " + name + " is missing");
    if (!s.is_dynamic() && it->second != s.elements.size()) {
      return Status::Conflict("nft: set " + name + " has " + std::to_string(it->second) + " elements, want " +
                              std::to_string(s.elements.size()));
    }
  }
  if (elements.size() != applied.sets.size()) return Status::Conflict("nft: the table has extra sets");
  return Status::OK();
}

}  // namespace netkube::nft
