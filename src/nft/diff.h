// Diff: the changes that move an applied table to a desired one, computed
// from the two values alone (no kernel reads). Never "delete everything":
// changed chains are flushed and refilled, map/set elements are added and
// deleted one by one. Only a change the kernel cannot apply in place (a
// different family/name, a base chain's hook/type/priority/policy, a set's
// key/data type or flags) asks for a full replace.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nft/ruleset.h"

namespace netkube::nft {

struct SetDelta {
  std::string set;
  std::vector<std::pair<std::string, std::string>> add;  // key, value (replaced ones appear in
  std::vector<std::string> remove;                        // both remove and add)
  bool operator==(const SetDelta&) const = default;
};

struct Delta {
  bool full_replace = false;
  std::string full_replace_reason;     // why, for logs
  std::vector<std::string> add_sets;      // new sets/maps (created empty; elements in set_changes)
  std::vector<std::string> delete_sets;     // sets
  std::vector<std::string> delete_maps;     // maps
  std::vector<std::string> add_chains;    // new chains (their rules are added)
  std::vector<std::string> refill_chains; // existing chains whose rules changed: flush + add
  std::vector<std::string> delete_chains;
  std::vector<SetDelta> set_changes;      // element changes, new sets included
  bool empty() const {
    return !full_replace && add_sets.empty() && delete_sets.empty() && delete_maps.empty() && add_chains.empty() &&
           refill_chains.empty() && delete_chains.empty() && set_changes.empty();
  }
  // Number of chains + rules + elements touched, for logs and metrics.
  size_t Size(const Table& desired) const;
};

// REQUIRES: both tables valid (Validate).
Delta Diff(const Table& applied, const Table& desired);

// Diff over the named chains and sets/maps only (each may be new, changed or
// gone); every other object is taken to be equal and is not looked at, so
// the cost is O(named objects + their elements), not O(table). Unknown names
// are ignored. Same Delta semantics as Diff for the objects it looks at.
// REQUIRES: the named objects valid in `desired` (ValidateNamed).
Delta DiffNamed(const Table& applied, const Table& desired, const std::vector<std::string>& chains,
                const std::vector<std::string>& sets);

}  // namespace netkube::nft
