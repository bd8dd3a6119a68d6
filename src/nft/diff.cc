#include "nft/diff.h"

#include <algorithm>

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

namespace {

Delta Full(std::string why) {
  Delta d;
  d.full_replace = true;
  d.full_replace_reason = std::move(why);
  return d;
}

// One desired set against the applied table. False: a full replace is needed.
bool DiffSet(const Table& applied, const std::string& name, const Set& want, Delta* d) {
  {
    auto it = applied.sets.find(name);
    SetDelta sd{name, {}, {}};
    if (it == applied.sets.end()) {
      d->add_sets.push_back(name);
      for (const auto& [k, v] : want.elements) sd.add.emplace_back(k, v);
    } else {
      const Set& have = it->second;
      if (have.key_type != want.key_type || have.data_type != want.data_type || have.flags != want.flags ||
          have.timeout_seconds != want.timeout_seconds) {
        return false;
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
    if (!sd.add.empty() || !sd.remove.empty()) d->set_changes.push_back(std::move(sd));
  }
  return true;
}

// One desired chain against the applied table. False: a full replace is needed.
bool DiffChain(const Table& applied, const std::string& name, const Chain& want, Delta* d) {
  auto it = applied.chains.find(name);
  if (it == applied.chains.end()) {
    d->add_chains.push_back(name);
    return true;
  }
  if (it->second.base != want.base) return false;
  if (it->second.rules != want.rules) d->refill_chains.push_back(name);
  return true;
}

}  // namespace

Delta Diff(const Table& applied, const Table& desired) {
  Delta d;
  if (applied.family != desired.family || applied.name != desired.name) {
    return Full("table family or name changed");
  }
  // Sets and maps.
  for (const auto& [name, want] : desired.sets) {
    if (!DiffSet(applied, name, want, &d)) return Full("set " + name + " changed type or flags");
  }
  for (const auto& [name, have] : applied.sets) {
    if (!desired.sets.count(name)) (have.is_map() ? d.delete_maps : d.delete_sets).push_back(name);
  }
  // Chains.
  for (const auto& [name, want] : desired.chains) {
    if (!DiffChain(applied, name, want, &d)) return Full("base chain " + name + " changed");
  }
  for (const auto& [name, have] : applied.chains) {
    if (!desired.chains.count(name)) d.delete_chains.push_back(name);
  }
  return d;
}

Delta DiffNamed(const Table& applied, const Table& desired, const std::vector<std::string>& chains,
                const std::vector<std::string>& sets) {
  Delta d;
  if (applied.family != desired.family || applied.name != desired.name) {
    return Full("table family or name changed");
  }
  std::vector<std::string> set_names = sets, chain_names = chains;
  std::sort(set_names.begin(), set_names.end());
  set_names.erase(std::unique(set_names.begin(), set_names.end()), set_names.end());
  std::sort(chain_names.begin(), chain_names.end());
  chain_names.erase(std::unique(chain_names.begin(), chain_names.end()), chain_names.end());
  for (const auto& name : set_names) {
    auto want = desired.sets.find(name);
    if (want != desired.sets.end()) {
      if (!DiffSet(applied, name, want->second, &d)) return Full("set " + name + " changed type or flags");
    } else if (auto have = applied.sets.find(name); have != applied.sets.end()) {
      (have->second.is_map() ? d.delete_maps : d.delete_sets).push_back(name);
    }
  }
  for (const auto& name : chain_names) {
    auto want = desired.chains.find(name);
    if (want != desired.chains.end()) {
      if (!DiffChain(applied, name, want->second, &d)) return Full("base chain " + name + " changed");
    } else if (applied.chains.count(name)) {
      d.delete_chains.push_back(name);
    }
  }
  return d;
}

}  // namespace netkube::nft
