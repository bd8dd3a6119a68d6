// The pure core of the Endpoints controller, and the pod/service helpers the
// EndpointSlice controllers share with it. Everything here is a function of
// plain JSON values (Kubernetes' versioned form): no client, no clock, no I/O.
//
// Behaviour follows Kubernetes' endpoints controller:
//  - a Service is managed when it has a non-empty spec.selector and is not of
//    type ExternalName;
//  - a pod counts when it is not terminal (Succeeded/Failed), has a pod IP,
//    and (unless terminating pods are included) has no deletionTimestamp;
//  - every service port resolves per pod: a numeric targetPort is used as is,
//    a named one is looked up among the pod's container ports (and sidecar
//    init containers) with the same name and protocol; a pod without that
//    name gets no entry for that port;
//  - addresses of Ready pods (or all, with publishNotReadyAddresses) go to
//    `addresses`, the others to `notReadyAddresses`; subsets are then repacked
//    so that each subset holds the addresses that share one exact port set.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/informer.h"
#include "client/meta.h"

namespace netkube::controllers {

inline constexpr char kLastChangeTriggerTime[] = "endpoints.kubernetes.io/last-change-trigger-time";
inline constexpr char kOverCapacity[] = "endpoints.kubernetes.io/over-capacity";
inline constexpr char kHeadlessLabel[] = "service.kubernetes.io/headless";
// The most addresses an Endpoints object carries; beyond it, it is truncated
// and annotated over-capacity: truncated.
inline constexpr int kMaxEndpointsCapacity = 1000;

// True when the endpoints controllers manage the service: a non-empty
// spec.selector and a type other than ExternalName.
bool ServiceHasSelector(const client::Json& svc);
// True when every spec.selector pair is among `labels`. REQUIRES: a selector.
bool ServiceSelects(const client::Json& svc, const client::Json& labels);
// The keys (ns/name) of the cached services that manage endpoints and select
// `pod` by its labels: the services a pod change concerns.
std::vector<std::string> SelectingServiceKeys(const client::Lister& services, const client::Json& pod);
// spec.clusterIP is set and not "None".
bool IsServiceIPSet(const client::Json& svc);

// Pod IPs (status.podIPs, else status.podIP), in order.
std::vector<std::string> PodIPs(const client::Json& pod);
// Whether the pod belongs in an endpoints object at all (see above).
bool ShouldPodBeInEndpoints(const client::Json& pod, bool include_terminating);
// The pod's spec.hostname when its spec.subdomain names the service (same namespace).
bool ShouldSetHostname(const client::Json& pod, const client::Json& svc);
// The container port `service_port` (an element of spec.ports) resolves to for
// this pod, or nullopt when a named targetPort is not defined by the pod.
std::optional<int64_t> FindPort(const client::Json& pod, const client::Json& service_port);
// "IPv4" or "IPv6": the service's primary family (spec.ipFamilies[0], else the
// clusterIP's family, else IPv4).
std::string ServiceAddressFamily(const client::Json& svc);

// The subsets of the Endpoints of `svc` for the pods its selector matched,
// repacked and sorted (addresses by ip then uid, ports by name/port/protocol,
// subsets by content). An empty array when nothing is ready or not ready.
client::Json EndpointSubsets(const client::Json& svc, const std::vector<client::ObjectPtr>& pods);

// Regroups subsets so that each holds exactly the addresses sharing one set of
// ports (a ready address wins over the same address not ready), then sorts.
client::Json RepackSubsets(const client::Json& subsets);

// The Endpoints object `svc` should have, given the current one (nullptr when
// none exists): name, namespace, the service's labels (plus
// service.kubernetes.io/headless for headless services), the subsets
// (truncated to kMaxEndpointsCapacity with the over-capacity annotation), and
// the last-change-trigger-time annotation when `trigger_time` is set.
// Returns nullopt when `current` already has these subsets and labels (no
// write needed); otherwise the object to create (no resourceVersion) or to
// update (built on `current`, keeping its other metadata).
std::optional<client::Json> DesiredEndpoints(const client::Json& svc, const client::Json& subsets,
                                             const client::Json* current,
                                             std::optional<client::TimePoint> trigger_time);

}  // namespace netkube::controllers
