// The nftables ruleset model (IR) netkube programs: one table with base chains,
// regular chains holding ordered rules, and named sets / maps with elements.
//
// Rules are text lines in nft syntax (the part after "add rule FAMILY TABLE
// CHAIN "), built and validated by RuleBuilder (rule.h). Text keeps the model
// small and the golden tests readable; see README.md for why.
//
// Everything here is a plain value: no I/O, copyable, comparable. Distinct
// objects may be used from different threads without locking.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace netkube::nft {

enum class Family { kInet, kIp };
const char* FamilyName(Family f);  // "inet" / "ip"

// What makes a chain a base chain: attached to a netfilter hook.
struct BaseChainSpec {
  std::string type = "filter";  // "filter" | "nat" | "route"
  std::string hook;             // "prerouting" | "input" | "forward" | "output" | "postrouting"
  int priority = 0;             // numeric (nft 1.0.6 refuses "dstnat" on nat output)
  std::string policy = "accept";  // "accept" | "drop"
  bool operator==(const BaseChainSpec&) const = default;
};

struct Chain {
  std::string name;
  std::optional<BaseChainSpec> base;  // empty: a regular chain (jump/goto target)
  std::vector<std::string> rules;     // in order; each a RuleBuilder::Build() result
  bool operator==(const Chain&) const = default;
};

// A named set (data_type empty) or map (data_type set; "verdict" for a verdict
// map). Keys and values are nft text, e.g. key "10.96.0.10 . udp . 53",
// value "goto service-abc".
struct Set {
  std::string name;
  std::string key_type;             // e.g. "ipv4_addr . inet_proto . inet_service"
  std::string data_type;            // "" for a set, e.g. "verdict" for a vmap
  std::vector<std::string> flags;   // e.g. {"interval"}; {"dynamic", "timeout"} for a set
                                    // filled by the data path ("update @SET { ... }")
  int timeout_seconds = 0;          // element lifetime (0: none); needs the "timeout" flag
  std::map<std::string, std::string> elements;  // key -> value ("" for sets)
  bool is_map() const { return !data_type.empty(); }
  // Elements added by packets, not by netkube: never compared or diffed.
  bool is_dynamic() const;
  bool operator==(const Set&) const = default;
};

// One table. Chains and sets are keyed by name, so rendering is deterministic.
struct Table {
  Family family = Family::kInet;
  std::string name;  // e.g. "netkube-proxy"
  std::map<std::string, Chain> chains;
  std::map<std::string, Set> sets;
  bool operator==(const Table&) const = default;

  // Adds (or replaces) a chain / set; returns a reference to it.
  Chain& AddChain(std::string name, std::optional<BaseChainSpec> base = std::nullopt);
  Set& AddSet(std::string name, std::string key_type, std::string data_type = "");
};

// Checks names (table, chains, sets: [A-Za-z_][A-Za-z0-9_./-]*, at most 200
// characters, not an nft keyword), base chain specs and that every chain a
// rule or element jumps to exists. Returns Invalid naming the first problem.
Status Validate(const Table& table);

// Validate for the named chains and sets only (names absent from `table`
// are skipped): the same checks, jump/goto targets of those objects
// included. A chain deleted while an unnamed rule still jumps to it is not
// detected here (the kernel refuses that transaction).
Status ValidateNamed(const Table& table, const std::vector<std::string>& chains,
                     const std::vector<std::string>& sets);

// True when `name` is usable as a table, chain or set name (see Validate).
bool IsValidName(const std::string& name);

}  // namespace netkube::nft
