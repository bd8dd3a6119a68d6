#include "nft/readback.h"

#include <nlohmann/json.hpp>

namespace netkube::nft {

StatusOr<KernelTable> ParseKernelJson(const std::string& kernel_json) {
  auto doc = nlohmann::json::parse(kernel_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("nftables") || !doc["nftables"].is_array()) {
    return Status::BadRequest("nft: cannot parse the kernel's table listing");
  }
  KernelTable k;
  for (const auto& item : doc["nftables"]) {
    if (item.contains("chain")) {
      const auto& c = item["chain"];
      KernelChain& kc = k.chains[c.value("name", "")];
      if (c.contains("hook")) {
        kc.base = BaseChainSpec{c.value("type", ""), c.value("hook", ""), c.value("prio", 0), c.value("policy", "")};
      }
    } else if (item.contains("rule")) {
      k.chains[item["rule"].value("chain", "")].rules++;
    } else if (item.contains("set") || item.contains("map")) {
      const auto& s = item.contains("set") ? item["set"] : item["map"];
      k.sets[s.value("name", "")] = s.contains("elem") ? s["elem"].size() : 0;
    }
  }
  return k;
}

Status CompareKernelTable(const KernelTable& kernel, const Table& applied) {
  for (const auto& [name, c] : applied.chains) {
    auto it = kernel.chains.find(name);
    if (it == kernel.chains.end()) return Status::Conflict("nft: chain " + name + " is missing");
    const KernelChain& k = it->second;
    if (c.base) {
      if (!k.base || k.base->hook != c.base->hook || k.base->type != c.base->type ||
          k.base->priority != c.base->priority || k.base->policy != c.base->policy) {
        return Status::Conflict("nft: base chain " + name + " differs");
      }
    } else if (k.base) {
      return Status::Conflict("nft: chain " + name + " became a base chain");
    }
    if (k.rules != c.rules.size()) {
      return Status::Conflict("nft: chain " + name + " has " + std::to_string(k.rules) + " rules, want " +
                              std::to_string(c.rules.size()));
    }
  }
  if (kernel.chains.size() != applied.chains.size()) return Status::Conflict("nft: the table has extra chains");
  for (const auto& [name, s] : applied.sets) {
    auto it = kernel.sets.find(name);
    if (it == kernel.sets.end()) return Status::Conflict("nft: set " + name + " is missing");
    if (!s.is_dynamic() && it->second != s.elements.size()) {
      return Status::Conflict("nft: set " + name + " has " + std::to_string(it->second) + " elements, want " +
                              std::to_string(s.elements.size()));
    }
  }
  if (kernel.sets.size() != applied.sets.size()) return Status::Conflict("nft: the table has extra sets");
  return Status::OK();
}

Status CompareWithKernel(const std::string& kernel_json, const Table& applied) {
  auto k = ParseKernelJson(kernel_json);
  if (!k.ok()) return k.status();
  return CompareKernelTable(*k, applied);
}

}  // namespace netkube::nft
