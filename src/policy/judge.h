// Judge: how a node's enforcement decides a NEW connection's first packet,
// evaluated straight on a PolicyPlan (the rendered nft table decides the
// same way; see README.md "How a packet is judged"). Used by tests and by
// tools that explain a verdict; the data path is the kernel.
//
// On the forward path a packet first passes the source's egress check when
// the source is a local egress-isolated pod, then the destination's ingress
// check when the destination is a local ingress-isolated pod. A pod is never
// blocked from itself. Node-originated traffic (output hook) is not judged.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "policy/compile.h"

namespace netkube::policy {

// True when `allow` covers a packet to/from `remote` with proto/port.
bool AllowMatches(const PolicyPlan& plan, const Allow& allow, const std::string& remote, Protocol proto,
                  int port);

// The egress check of local pod `src` (true when src is not egress-isolated).
bool EgressAllows(const PolicyPlan& plan, const std::string& src, const std::string& dst, Protocol proto,
                  int port);
// The ingress check of local pod `dst` (true when dst is not ingress-isolated).
bool IngressAllows(const PolicyPlan& plan, const std::string& src, const std::string& dst, Protocol proto,
                   int port);
// Both checks, as the forward hook runs them.
bool ForwardAllows(const PolicyPlan& plan, const std::string& src, const std::string& dst, Protocol proto,
                   int port);

}  // namespace netkube::policy
