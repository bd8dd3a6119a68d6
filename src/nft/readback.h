// Comparing a table read back from the kernel with the table netkube last
// applied, to detect a table flushed or edited by hand.
//
// The kernel's side is a KernelTable: its structure only (chains with their
// base chain spec and rule count, sets with their element count). It comes
// either from `nft -j list table` (ParseKernelJson) or from a netlink dump
// (the batch executor, nftnl_executor.h).
//
// The comparison is structural: the same chains (with the same base chain
// hook/type/priority/policy), the same number of rules in each chain, the same
// sets/maps with the same number of elements (elements of dynamic sets, added
// by packets, are not compared). It does not compare rule text (nft prints
// rules in its own canonical form), so an edit that keeps every count is not
// detected; a periodic full replace covers that. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "nft/ruleset.h"
#include "util/status.h"

namespace netkube::nft {

struct KernelChain {
  std::optional<BaseChainSpec> base;  // set for a base chain
  size_t rules = 0;
};

struct KernelTable {
  std::map<std::string, KernelChain> chains;
  std::map<std::string, size_t> sets;  // set/map name -> element count (intervals count once)
};

// Parses `nft -j list table` output. BadRequest when it cannot be parsed.
StatusOr<KernelTable> ParseKernelJson(const std::string& kernel_json);

// OK when `kernel` matches `applied` structurally; otherwise a Conflict whose
// message names the first difference.
Status CompareKernelTable(const KernelTable& kernel, const Table& applied);

// ParseKernelJson + CompareKernelTable.
Status CompareWithKernel(const std::string& kernel_json, const Table& applied);

}  // namespace netkube::nft
