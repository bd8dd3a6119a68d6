// Pure predicates over a Pod spec and a Node, shared by the scheduler and the
// DaemonSet controller: readiness, taints vs tolerations, nodeSelector and
// required node affinity (matchExpressions In/NotIn/Exists/DoesNotExist/Gt/Lt,
// matchFields metadata.name), preferred affinity weight, host ports.
//
// Pure; thread-safe.
#pragma once

#include <set>
#include <string>
#include <tuple>

#include "client/meta.h"

namespace netkube::controllers {

using client::Json;

// Condition Ready is "True".
bool NodeReady(const Json& node);

// Whether one toleration tolerates a taint (key/operator Equal|Exists/value/
// effect; an empty key with Exists tolerates every taint; an empty effect
// matches every effect).
bool Tolerates(const Json& toleration, const Json& taint);
bool TolerationsTolerate(const Json& tolerations, const Json& taint);

// The node's taints, plus the implicit node.kubernetes.io/not-ready:NoSchedule
// of a node that is not Ready (as the node lifecycle controller would add).
Json EffectiveTaints(const Json& node);
// The first taint with effect NoSchedule or NoExecute that `tolerations` does
// not tolerate, or nullptr.
const Json* FirstUntoleratedTaint(const Json& taints, const Json& tolerations);

// nodeSelectorTerms are ORed; a term's expressions and fields are ANDed.
bool MatchNodeSelectorTerms(const Json& terms, const Json& node);
// spec.nodeSelector and spec.affinity.nodeAffinity.requiredDuringScheduling...
bool MatchesNodeSelectorAndAffinity(const Json& pod_spec, const Json& node);
// Sum of weights of the preferredDuringScheduling terms the node matches.
int64_t PreferredAffinityScore(const Json& pod_spec, const Json& node);

// (hostIP or "0.0.0.0", protocol, hostPort) of every container port with a hostPort.
using HostPort = std::tuple<std::string, std::string, int64_t>;
std::set<HostPort> HostPorts(const Json& pod_spec);
// Whether any of `want` conflicts with `used` (same protocol and port, and the
// same IP or either is 0.0.0.0).
bool HostPortsConflict(const std::set<HostPort>& want, const std::set<HostPort>& used);

}  // namespace netkube::controllers
