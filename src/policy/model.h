// NetworkPolicy enforcement inputs as plain values: the parts of
// NetworkPolicies (networking/v1), Pods and Namespaces that decide what a
// node must enforce. No JSON here: the agent converts API objects into these.
//
// Selector semantics are metav1.LabelSelector's (as api::LabelSelector in
// src/api/selector.h, mirrored here without JSON): matchLabels and every
// matchExpression must hold; an empty selector matches everything. An ABSENT
// selector (a peer without podSelector) is std::nullopt, not an empty one.
//
// Pure; plain copyable values; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace netkube::policy {

using Labels = std::map<std::string, std::string>;

// The label a namespace always carries (the API server sets it on create).
inline constexpr char kNamespaceNameLabel[] = "kubernetes.io/metadata.name";

struct SelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kIn;
  std::vector<std::string> values;  // In / NotIn only
  bool operator==(const SelectorRequirement&) const = default;
};

struct LabelSelector {
  Labels match_labels;
  std::vector<SelectorRequirement> match_expressions;
  bool operator==(const LabelSelector&) const = default;

  // metav1 semantics: In = key present with a listed value; NotIn = key
  // absent or value not listed; Exists / DoesNotExist on the key alone.
  bool Matches(const Labels& labels) const;
  // Canonical text, equal for equal selectors whatever the order of
  // expressions and values ("" for the empty selector).
  std::string Canonical() const;
};

enum class Protocol { kTcp, kUdp, kSctp };
const char* ProtocolName(Protocol p);  // "tcp" / "udp" / "sctp" (nft spelling)

// NetworkPolicyPort. No port: every port of `protocol`. A named port is
// resolved on destination pods' container ports (name and protocol).
// end_port (with a numeric port) makes the inclusive range port..end_port.
struct PortSpec {
  Protocol protocol = Protocol::kTcp;
  std::optional<int> port;
  std::string port_name;  // non-empty: a named port (port is then unset)
  std::optional<int> end_port;
};

struct IpBlock {
  std::string cidr;                 // IPv4 "a.b.c.d/n"
  std::vector<std::string> except;  // CIDRs inside cidr
};

// NetworkPolicyPeer: pod_selector / namespace_selector (either or both, ANDed)
// or ip_block alone. pod_selector alone selects in the policy's namespace.
struct Peer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
};

// An ingress rule (peers = from) or an egress rule (peers = to). Empty ports:
// every port and protocol; empty peers: every peer.
struct PolicyRule {
  std::vector<PortSpec> ports;
  std::vector<Peer> peers;
};

enum class PolicyType { kIngress, kEgress };

struct PolicyInfo {
  std::string ns;
  std::string name;
  LabelSelector pod_selector;  // {} = every pod of ns
  // As written; empty = not set, defaulted by EffectivePolicyTypes.
  std::vector<PolicyType> policy_types;
  std::vector<PolicyRule> ingress;
  std::vector<PolicyRule> egress;

  // kube-apiserver's defaulting: the listed types, or when none are listed
  // Ingress, plus Egress when the spec has at least one egress rule.
  std::vector<PolicyType> EffectivePolicyTypes() const;
  bool Isolates(PolicyType t) const;
};

struct ContainerPort {
  int port = 0;
  Protocol protocol = Protocol::kTcp;
};

// The agent leaves out pods in phase Succeeded or Failed: their IPs may
// already belong to new pods.
struct PodInfo {
  std::string ns;
  std::string name;
  std::string uid;
  std::vector<std::string> ips;  // the first IPv4 one is used
  Labels labels;
  std::string node_name;
  bool host_network = false;
  std::map<std::string, ContainerPort> named_ports;  // container port name -> port

  // The pod's IPv4 address, "" when it has none yet.
  std::string Ipv4() const;
};

struct NamespaceInfo {
  std::string name;
  Labels labels;
};

struct Snapshot {
  std::vector<PolicyInfo> policies;
  std::vector<PodInfo> pods;
  std::vector<NamespaceInfo> namespaces;
};

// IPv4 helpers (host byte order).
std::optional<uint32_t> ParseIpv4(const std::string& text);
std::string FormatIpv4(uint32_t addr);
// "a.b.c.d/n" (or a bare address = /32) as the inclusive range [first, last].
std::optional<std::pair<uint32_t, uint32_t>> ParseCidr(const std::string& text);

// cidr minus every except, as a minimal sorted list of CIDRs ("a.b.c.d/n").
// An unparsable cidr gives an empty list; unparsable excepts are ignored.
std::vector<std::string> CidrsOf(const IpBlock& block);
// True when addr lies in the block (in cidr and in no except).
bool IpBlockContains(const IpBlock& block, uint32_t addr);

}  // namespace netkube::policy
