// Test helpers: the upstream netpol e2e world (namespaces x, y, z; pods a, b,
// c in each) as a Snapshot, and a probe that asks the compiled plans of the
// source's and destination's nodes. Header-only; tests only.
#pragma once

#include <string>

#include "policy/compile.h"
#include "policy/judge.h"
#include "policy/model.h"

namespace netkube::policy::testing {

// Pods a and b on node n1, c on n2; IP 10.1.<ns 1..3>.<pod 1..3>; labels
// pod=NAME; namespace labels ns=NAME. Named ports: serve-80-tcp (80/TCP),
// serve-81-udp (81/UDP), and "http" = 80/TCP on a and b, 8080/TCP on c.
inline Snapshot XyzWorld() {
  Snapshot s;
  const char* nss[] = {"x", "y", "z"};
  const char* pods[] = {"a", "b", "c"};
  for (int n = 0; n < 3; ++n) {
    s.namespaces.push_back({nss[n], {{"ns", nss[n]}}});
    for (int p = 0; p < 3; ++p) {
      PodInfo pod;
      pod.ns = nss[n];
      pod.name = pods[p];
      pod.uid = std::string(nss[n]) + "-" + pods[p];
      pod.ips = {"10.1." + std::to_string(n + 1) + "." + std::to_string(p + 1)};
      pod.labels = {{"pod", pods[p]}};
      pod.node_name = p == 2 ? "n2" : "n1";
      pod.named_ports = {{"serve-80-tcp", {80, Protocol::kTcp}},
                         {"serve-81-udp", {81, Protocol::kUdp}},
                         {"http", {p == 2 ? 8080 : 80, Protocol::kTcp}}};
      s.pods.push_back(pod);
    }
  }
  return s;
}

inline const PodInfo* FindPod(const Snapshot& s, const std::string& ns_name) {
  for (const PodInfo& p : s.pods) {
    if (p.ns + "/" + p.name == ns_name) return &p;
  }
  return nullptr;
}

// Whether a new connection src -> dst (both "ns/name") is admitted: the
// egress check on the source's node and the ingress check on the
// destination's node, each from that node's own plan.
inline bool Probe(const Snapshot& s, const std::string& src, const std::string& dst, Protocol proto,
                  int port) {
  const PodInfo* a = FindPod(s, src);
  const PodInfo* b = FindPod(s, dst);
  PolicyPlan src_plan = Compile(s, a->node_name);
  PolicyPlan dst_plan = Compile(s, b->node_name);
  return EgressAllows(src_plan, a->Ipv4(), b->Ipv4(), proto, port) &&
         IngressAllows(dst_plan, a->Ipv4(), b->Ipv4(), proto, port);
}

}  // namespace netkube::policy::testing
