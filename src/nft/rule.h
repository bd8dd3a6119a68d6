// RuleBuilder: builds one nft rule as validated text, from the shapes a service
// proxy needs. Matches come first, then statements, then at most one verdict,
// in the order they were added (nft evaluates left to right).
//
//   RuleBuilder().DaddrIs("10.96.0.10").L4Dport("udp", 53).Goto("service-x").Build()
//     -> "ip daddr 10.96.0.10 udp dport 53 goto service-x"
//
// Errors (a bad address, port, protocol or name) are remembered and returned by
// Build(); the first one wins. Not thread-safe; a plain value otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::nft {

class RuleBuilder {
 public:
  // --- matches ---
  // "ip daddr ADDR" / "ip saddr ADDR"; ADDR is an IPv4 address or CIDR.
  RuleBuilder& DaddrIs(std::string_view addr);
  RuleBuilder& SaddrIs(std::string_view addr);
  RuleBuilder& SaddrIsNot(std::string_view addr);  // "ip saddr != ADDR"
  RuleBuilder& DaddrIsNot(std::string_view addr);  // "ip daddr != ADDR"
  RuleBuilder& DaddrInSet(std::string_view set);   // "ip daddr @SET"
  RuleBuilder& SaddrInSet(std::string_view set);   // "ip saddr @SET"
  // "meta l4proto PROTO"; PROTO is "tcp", "udp" or "sctp".
  RuleBuilder& L4Proto(std::string_view proto);
  // "PROTO dport PORT" (implies the protocol); PORT 1..65535.
  RuleBuilder& L4Dport(std::string_view proto, int port);
  RuleBuilder& FibDaddrLocal();                        // "fib daddr type local"
  RuleBuilder& FibSaddrLocal();                        // "fib saddr type local"
  RuleBuilder& CtState(std::vector<std::string> states);  // "ct state { new, established }"
  RuleBuilder& MarkMatch(uint32_t bits);   // "meta mark & 0xBITS == 0xBITS"
  // "numgen random mod MOD == EQ"; REQUIRES-ish: MOD >= 1, 0 <= EQ < MOD (else error).
  RuleBuilder& NumgenRandomModEq(int mod, int eq);
  // --- statements ---
  RuleBuilder& Counter();                  // "counter"
  RuleBuilder& MarkSet(uint32_t bits);     // "meta mark set meta mark | 0xBITS"
  // "update @SET { ip saddr }": adds the source address to a dynamic set (or
  // refreshes its timeout).
  RuleBuilder& UpdateSetWithSaddr(std::string_view set);
  // --- verdicts (at most one; last) ---
  RuleBuilder& Accept();
  RuleBuilder& Drop();
  RuleBuilder& Return();
  RuleBuilder& Reject();                   // "reject": ICMP(v6) port unreachable
  RuleBuilder& RejectTcpReset();           // "reject with tcp reset" (needs a tcp match before)
  RuleBuilder& Jump(std::string_view chain);
  RuleBuilder& Goto(std::string_view chain);
  RuleBuilder& DnatTo(std::string_view ip, int port);  // "dnat ip to IP:PORT" (inet) / "dnat to IP:PORT"
  RuleBuilder& Masquerade();
  // "ip daddr . meta l4proto . th dport vmap @MAP" and similar: KEY is an nft
  // key expression made of the selectors below joined by " . ".
  RuleBuilder& VmapLookup(std::string_view key, std::string_view map);

  // Family the rule is rendered for (affects "dnat ip to" vs "dnat to").
  // Default: inet.
  RuleBuilder& ForIpFamily();

  // The rule text, or Invalid naming the first bad input. A rule with no
  // verdict and no statement is refused (it would do nothing).
  StatusOr<std::string> Build() const;

 private:
  RuleBuilder& Add(std::string part);
  RuleBuilder& Verdict(std::string part);
  RuleBuilder& Fail(std::string message);

  std::vector<std::string> parts_;
  bool has_verdict_ = false;
  bool has_action_ = false;
  bool ip_family_ = false;
  Status error_;
};

// Load balancing without anonymous sets: rules that send a packet to one of
// `chains` uniformly at random, as a cascade of
//   "numgen random mod N == 0 goto C0", "numgen random mod N-1 == 0 goto C1", ...
//   "goto C_last"
// (KERNEL-NOTES: per-service anonymous numgen vmaps load superlinearly).
// Each rule is independent: rule i is reached with probability (N-i)/N and
// takes it with 1/(N-i), so every chain gets 1/N. Empty `chains` -> no rules.
StatusOr<std::vector<std::string>> RandomCascade(const std::vector<std::string>& chains);

// True for a dotted-quad IPv4 address, optionally with "/0".."/32".
bool IsIpv4OrCidr(std::string_view s);

}  // namespace netkube::nft
