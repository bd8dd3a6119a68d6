#include "nft/ruleset.h"

#include <array>
#include <string_view>

namespace netkube::nft {
namespace {

// Words the nft lexer turns into keywords; a chain with such a name cannot be
// referenced unquoted. Not the full list: the ones a proxy might pick.
constexpr std::array<std::string_view, 24> kKeywords = {
    "accept", "drop", "reject", "counter", "filter", "nat", "route", "jump", "goto",
    "return", "continue", "queue", "table", "chain", "set", "map", "element", "rule",
    "ip", "ip6", "inet", "tcp", "udp", "meta"};

// Chain names a rule or element value refers to via "jump X" / "goto X".
void CollectTargets(std::string_view text, std::vector<std::string>* out) {
  bool want = false;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '{' || text[i] == '}' || text[i] == ',')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '}' && text[j] != ',') ++j;
    std::string_view tok = text.substr(i, j - i);
    if (want && !tok.empty()) out->emplace_back(tok);
    want = (tok == "jump" || tok == "goto");
    i = j;
  }
}

}  // namespace

const char* FamilyName(Family f) { return f == Family::kInet ? "inet" : "ip"; }

Chain& Table::AddChain(std::string n, std::optional<BaseChainSpec> base) {
  Chain& c = chains[n];
  c.name = std::move(n);
  c.base = std::move(base);
  return c;
}

bool Set::is_dynamic() const {
  for (const auto& f : flags) {
    if (f == "dynamic") return true;
  }
  return false;
}

Set& Table::AddSet(std::string n, std::string key_type, std::string data_type) {
  Set& s = sets[n];
  s.name = std::move(n);
  s.key_type = std::move(key_type);
  s.data_type = std::move(data_type);
  return s;
}

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > 200) return false;
  char c0 = name[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '/' || c == '-';
    if (!ok) return false;
  }
  for (auto k : kKeywords) {
    if (name == k) return false;
  }
  return true;
}

namespace {

Status ValidateChain(const std::string& name, const Chain& c, std::vector<std::string>* targets) {
  static const std::array<std::string_view, 5> kHooks = {"prerouting", "input", "forward", "output",
                                                         "postrouting"};
  if (name != c.name) return Status::Invalid("nft: chain key \"" + name + "\" != name \"" + c.name + "\"");
  if (!IsValidName(name)) return Status::Invalid("nft: invalid chain name \"" + name + "\"");
  if (c.base) {
    const auto& b = *c.base;
    if (b.type != "filter" && b.type != "nat" && b.type != "route") {
      return Status::Invalid("nft: chain " + name + ": invalid type \"" + b.type + "\"");
    }
    bool hook_ok = false;
    for (auto h : kHooks) hook_ok |= (b.hook == h);
    if (!hook_ok) return Status::Invalid("nft: chain " + name + ": invalid hook \"" + b.hook + "\"");
    if (b.policy != "accept" && b.policy != "drop") {
      return Status::Invalid("nft: chain " + name + ": invalid policy \"" + b.policy + "\"");
    }
  }
  for (const auto& r : c.rules) {
    if (r.empty() || r.find_first_of("\n;#") != std::string::npos) {
      return Status::Invalid("nft: chain " + name + ": invalid rule \"" + r + "\"");
    }
    CollectTargets(r, targets);
  }
  return Status::OK();
}

Status ValidateSet(const Table& t, const std::string& name, const Set& s, std::vector<std::string>* targets) {
  if (name != s.name) return Status::Invalid("nft: set key \"" + name + "\" != name \"" + s.name + "\"");
  if (!IsValidName(name)) return Status::Invalid("nft: invalid set name \"" + name + "\"");
  if (t.chains.count(name)) return Status::Invalid("nft: \"" + name + "\" is both a chain and a set");
  if (s.key_type.empty()) return Status::Invalid("nft: set " + name + ": key type required");
  if (s.is_dynamic() && !s.elements.empty()) {
    return Status::Invalid("nft: set " + name + ": a dynamic set is filled by packets, not elements");
  }
  if (s.timeout_seconds < 0) return Status::Invalid("nft: set " + name + ": negative timeout");
  for (const auto& [k, v] : s.elements) {
    if (k.empty() || k.find_first_of("\n;{},#") != std::string::npos ||
        v.find_first_of("\n;{},#") != std::string::npos) {
      return Status::Invalid("nft: set " + name + ": invalid element \"" + k + "\"");
    }
    if (s.is_map() && v.empty()) return Status::Invalid("nft: map " + name + ": element \"" + k + "\" has no value");
    if (!s.is_map() && !v.empty()) return Status::Invalid("nft: set " + name + ": element \"" + k + "\" has a value");
    CollectTargets(v, targets);
  }
  return Status::OK();
}

Status CheckTargets(const Table& t, const std::vector<std::string>& targets) {
  for (const auto& target : targets) {
    auto it = t.chains.find(target);
    if (it == t.chains.end()) return Status::Invalid("nft: jump/goto to unknown chain \"" + target + "\"");
    if (it->second.base) return Status::Invalid("nft: jump/goto to base chain \"" + target + "\"");
  }
  return Status::OK();
}

}  // namespace

Status Validate(const Table& t) {
  if (!IsValidName(t.name)) return Status::Invalid("nft: invalid table name \"" + t.name + "\"");
  std::vector<std::string> targets;
  for (const auto& [name, c] : t.chains) {
    if (Status s = ValidateChain(name, c, &targets); !s.ok()) return s;
  }
  for (const auto& [name, s] : t.sets) {
    if (Status st = ValidateSet(t, name, s, &targets); !st.ok()) return st;
  }
  return CheckTargets(t, targets);
}

Status ValidateNamed(const Table& t, const std::vector<std::string>& chains, const std::vector<std::string>& sets) {
  if (!IsValidName(t.name)) return Status::Invalid("nft: invalid table name \"" + t.name + "\"");
  std::vector<std::string> targets;
  for (const auto& name : chains) {
    auto it = t.chains.find(name);
    if (it == t.chains.end()) continue;
    if (Status s = ValidateChain(name, it->second, &targets); !s.ok()) return s;
  }
  for (const auto& name : sets) {
    auto it = t.sets.find(name);
    if (it == t.sets.end()) continue;
    if (Status s = ValidateSet(t, name, it->second, &targets); !s.ok()) return s;
  }
  return CheckTargets(t, targets);
}

}  // namespace netkube::nft
