#include "nft/diff.h"

namespace netkube::nft {

size_t Delta::Size(const Table& desired) const {
  size_t n = add_sets.size() + delete_sets.size() + delete_maps.size() + delete_chains.size();
  for (const auto* list : {&add_chains, &refill_chains}) {
    for (const auto& c : *list) {
      auto it = desired.chains.find(c);
      n += 1 + (it == desired.chains.end() ? 0 : it->second.rules.size());
    }
  }
  for (const auto& s : set_changes) n += s.add.size() + s.remove.size();
  return n;
}

Delta Diff(const Table& applied, const Table& desired) {
  Delta d;
  auto full = [&d](std::string why) {
    d = Delta{};
    d.full_replace = true;
    d.full_replace_reason = std::move(why);
    return d;
  };
  if (applied.family != desired.family || applied.name != desired.name) {
    return full("table family or name changed");
  }
  // Sets and maps.
  for (const auto& [name, want] : desired.sets) {
    auto it = applied.sets.find(name);
    SetDelta sd{name, {}, {}};
    if (it == applied.sets.end()) {
      d.add_sets.push_back(name);
      for (const auto& [k, v] : want.elements) sd.add.emplace_back(k, v);
    } else {
      const Set& have = it->second;
      if (have.key_type != want.key_type || have.data_type != want.data_type || have.flags != want.flags ||
          have.timeout_seconds != want.timeout_seconds) {
        return full("set " + name + " changed type or flags");
      }
      // Merge walk over two sorted maps.
      auto a = have.elements.begin();
      auto b = want.elements.begin();
      while (a != have.elements.end() || b != want.elements.end()) {
        if (b == want.elements.end() || (a != have.elements.end() && a->first < b->first)) {
          sd.remove.push_back(a->first);
          ++a;
        } else if (a == have.elements.end() || b->first < a->first) {
          sd.add.emplace_back(b->first, b->second);
          ++b;
        } else {
          if (a->second != b->second) {
            sd.remove.push_back(a->first);
            sd.add.emplace_back(b->first, b->second);
          }
          ++a;
          ++b;
        }
      }
    }
    if (!sd.add.empty() || !sd.remove.empty()) d.set_changes.push_back(std::move(sd));
  }
  for (const auto& [name, have] : applied.sets) {
    if (!desired.sets.count(name)) (have.is_map() ? d.delete_maps : d.delete_sets).push_back(name);
  }
  // Chains.
  for (const auto& [name, want] : desired.chains) {
    auto it = applied.chains.find(name);
    if (it == applied.chains.end()) {
      d.add_chains.push_back(name);
      continue;
    }
    if (it->second.base != want.base) return full("base chain " + name + " changed");
    if (it->second.rules != want.rules) d.refill_chains.push_back(name);
  }
  for (const auto& [name, have] : applied.chains) {
    if (!desired.chains.count(name)) d.delete_chains.push_back(name);
  }
  return d;
}

}  // namespace netkube::nft
