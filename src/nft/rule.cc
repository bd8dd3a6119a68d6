#include "nft/rule.h"

#include <arpa/inet.h>

#include <cstdio>

#include "nft/ruleset.h"

namespace netkube::nft {
namespace {

bool ValidProto(std::string_view p) { return p == "tcp" || p == "udp" || p == "sctp"; }

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

const char* kCtStates[] = {"new", "established", "related", "invalid", "untracked"};

}  // namespace

bool IsIpv4OrCidr(std::string_view s) {
  std::string addr(s);
  auto slash = addr.find('/');
  if (slash != std::string::npos) {
    std::string len = addr.substr(slash + 1);
    addr.resize(slash);
    if (len.empty() || len.size() > 2) return false;
    for (char c : len) {
      if (c < '0' || c > '9') return false;
    }
    if (std::stoi(len) > 32) return false;
  }
  in_addr a{};
  return inet_pton(AF_INET, addr.c_str(), &a) == 1;
}

RuleBuilder& RuleBuilder::Add(std::string part) {
  if (has_verdict_) return Fail("nft rule: \"" + part + "\" after the verdict");
  parts_.push_back(std::move(part));
  return *this;
}

RuleBuilder& RuleBuilder::Verdict(std::string part) {
  Add(std::move(part));
  has_verdict_ = true;
  has_action_ = true;
  return *this;
}

RuleBuilder& RuleBuilder::Fail(std::string message) {
  if (error_.ok()) error_ = Status::Invalid(std::move(message));
  return *this;
}

RuleBuilder& RuleBuilder::DaddrIs(std::string_view a) {
  if (!IsIpv4OrCidr(a)) return Fail("nft rule: invalid IPv4 address \"" + std::string(a) + "\"");
  return Add("ip daddr " + std::string(a));
}
RuleBuilder& RuleBuilder::SaddrIs(std::string_view a) {
  if (!IsIpv4OrCidr(a)) return Fail("nft rule: invalid IPv4 address \"" + std::string(a) + "\"");
  return Add("ip saddr " + std::string(a));
}
RuleBuilder& RuleBuilder::SaddrIsNot(std::string_view a) {
  if (!IsIpv4OrCidr(a)) return Fail("nft rule: invalid IPv4 address \"" + std::string(a) + "\"");
  return Add("ip saddr != " + std::string(a));
}
RuleBuilder& RuleBuilder::DaddrIsNot(std::string_view a) {
  if (!IsIpv4OrCidr(a)) return Fail("nft rule: invalid IPv4 address \"" + std::string(a) + "\"");
  return Add("ip daddr != " + std::string(a));
}
RuleBuilder& RuleBuilder::DaddrInSet(std::string_view set) {
  if (!IsValidName(std::string(set))) return Fail("nft rule: invalid set name \"" + std::string(set) + "\"");
  return Add("ip daddr @" + std::string(set));
}
RuleBuilder& RuleBuilder::SaddrInSet(std::string_view set) {
  if (!IsValidName(std::string(set))) return Fail("nft rule: invalid set name \"" + std::string(set) + "\"");
  return Add("ip saddr @" + std::string(set));
}
RuleBuilder& RuleBuilder::L4Proto(std::string_view p) {
  if (!ValidProto(p)) return Fail("nft rule: unsupported protocol \"" + std::string(p) + "\"");
  return Add("meta l4proto " + std::string(p));
}
RuleBuilder& RuleBuilder::L4Dport(std::string_view p, int port) {
  if (!ValidProto(p)) return Fail("nft rule: unsupported protocol \"" + std::string(p) + "\"");
  if (port < 1 || port > 65535) return Fail("nft rule: invalid port " + std::to_string(port));
  return Add(std::string(p) + " dport " + std::to_string(port));
}
RuleBuilder& RuleBuilder::FibDaddrLocal() { return Add("fib daddr type local"); }
RuleBuilder& RuleBuilder::FibSaddrLocal() { return Add("fib saddr type local"); }
RuleBuilder& RuleBuilder::CtState(std::vector<std::string> states) {
  if (states.empty()) return Fail("nft rule: ct state needs at least one state");
  std::string s;
  for (const auto& st : states) {
    bool ok = false;
    for (const char* k : kCtStates) ok |= (st == k);
    if (!ok) return Fail("nft rule: invalid ct state \"" + st + "\"");
    if (!s.empty()) s += ",";
    s += st;
  }
  return Add("ct state " + s);
}
RuleBuilder& RuleBuilder::MarkMatch(uint32_t bits) {
  if (bits == 0) return Fail("nft rule: mark match needs non-zero bits");
  return Add("meta mark & " + Hex(bits) + " == " + Hex(bits));
}
RuleBuilder& RuleBuilder::NumgenRandomModEq(int mod, int eq) {
  if (mod < 1 || eq < 0 || eq >= mod) {
    return Fail("nft rule: invalid numgen mod " + std::to_string(mod) + " == " + std::to_string(eq));
  }
  return Add("numgen random mod " + std::to_string(mod) + " == " + std::to_string(eq));
}
RuleBuilder& RuleBuilder::Counter() {
  has_action_ = true;
  return Add("counter");
}
RuleBuilder& RuleBuilder::MarkSet(uint32_t bits) {
  if (bits == 0) return Fail("nft rule: mark set needs non-zero bits");
  has_action_ = true;
  return Add("meta mark set meta mark | " + Hex(bits));
}
RuleBuilder& RuleBuilder::UpdateSetWithSaddr(std::string_view set) {
  if (!IsValidName(std::string(set))) return Fail("nft rule: invalid set name \"" + std::string(set) + "\"");
  has_action_ = true;
  return Add("update @" + std::string(set) + " { ip saddr }");
}
RuleBuilder& RuleBuilder::Accept() { return Verdict("accept"); }
RuleBuilder& RuleBuilder::Drop() { return Verdict("drop"); }
RuleBuilder& RuleBuilder::Return() { return Verdict("return"); }
RuleBuilder& RuleBuilder::Reject() { return Verdict("reject"); }
RuleBuilder& RuleBuilder::RejectTcpReset() { return Verdict("reject with tcp reset"); }
RuleBuilder& RuleBuilder::Jump(std::string_view c) {
  if (!IsValidName(std::string(c))) return Fail("nft rule: invalid chain name \"" + std::string(c) + "\"");
  return Verdict("jump " + std::string(c));
}
RuleBuilder& RuleBuilder::Goto(std::string_view c) {
  if (!IsValidName(std::string(c))) return Fail("nft rule: invalid chain name \"" + std::string(c) + "\"");
  return Verdict("goto " + std::string(c));
}
RuleBuilder& RuleBuilder::DnatTo(std::string_view ip, int port) {
  if (!IsIpv4OrCidr(ip) || ip.find('/') != std::string_view::npos) {
    return Fail("nft rule: invalid DNAT address \"" + std::string(ip) + "\"");
  }
  if (port < 1 || port > 65535) return Fail("nft rule: invalid port " + std::to_string(port));
  return Verdict(std::string(ip_family_ ? "dnat to " : "dnat ip to ") + std::string(ip) + ":" +
                 std::to_string(port));
}
RuleBuilder& RuleBuilder::Masquerade() { return Verdict("masquerade"); }
RuleBuilder& RuleBuilder::VmapLookup(std::string_view key, std::string_view map) {
  static const char* kSelectors[] = {"ip daddr", "ip saddr", "meta l4proto", "th dport", "th sport",
                                     "tcp dport", "udp dport", "fib daddr type"};
  // Check each " . "-separated selector.
  std::string k(key);
  size_t pos = 0;
  while (true) {
    size_t next = k.find(" . ", pos);
    std::string sel = k.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    bool ok = false;
    for (const char* s : kSelectors) ok |= (sel == s);
    if (!ok) return Fail("nft rule: unsupported vmap key selector \"" + sel + "\"");
    if (next == std::string::npos) break;
    pos = next + 3;
  }
  if (!IsValidName(std::string(map))) return Fail("nft rule: invalid map name \"" + std::string(map) + "\"");
  return Verdict(k + " vmap @" + std::string(map));
}
RuleBuilder& RuleBuilder::ForIpFamily() {
  ip_family_ = true;
  return *this;
}

StatusOr<std::string> RuleBuilder::Build() const {
  if (!error_.ok()) return error_;
  if (!has_action_) return Status::Invalid("nft rule: no statement or verdict (the rule would do nothing)");
  std::string out;
  for (const auto& p : parts_) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

StatusOr<std::vector<std::string>> RandomCascade(const std::vector<std::string>& chains) {
  std::vector<std::string> rules;
  const int n = static_cast<int>(chains.size());
  for (int i = 0; i < n; ++i) {
    RuleBuilder b;
    if (i < n - 1) b.NumgenRandomModEq(n - i, 0);
    b.Goto(chains[i]);
    auto r = b.Build();
    if (!r.ok()) return r.status();
    rules.push_back(std::move(*r));
  }
  return rules;
}

}  // namespace netkube::nft
