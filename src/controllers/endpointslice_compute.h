// The pure core of the EndpointSlice controller and of the EndpointSlice
// mirroring controller: (service, pods, nodes, existing slices) → the slices
// to create, update and delete, as Kubernetes' endpointslice reconciler does;
// and (Endpoints, existing mirrored slices) → the same for mirroring.
//
// Service slices (managed-by endpointslice-controller.k8s.io):
//  - named by generateName "<service>-", labelled kubernetes.io/service-name,
//    endpointslice.kubernetes.io/managed-by and the service's labels (plus
//    service.kubernetes.io/headless for headless services), owned by the
//    Service (controller, blockOwnerDeletion);
//  - one endpoint per pod that is not terminal and has an IP of the slice's
//    address type, terminating pods included: conditions ready (Ready and not
//    terminating, or publishNotReadyAddresses), serving (Ready), terminating
//    (deletionTimestamp set); nodeName, zone (the node's
//    topology.kubernetes.io/zone), hostname, targetRef;
//  - a pod whose node is not known is skipped (unless the service publishes
//    not-ready addresses), and reported through `skipped_pods`;
//  - endpoints are grouped by their resolved port set; existing slices are
//    kept and updated in place, filled to `max_per_slice` before new ones are
//    created; slices left empty are deleted, and deletions are recycled into
//    updates when a creation is due; a service with no endpoints keeps one
//    placeholder slice without ports or endpoints;
//  - slices that are not owned by the service (uid) or of an address type the
//    service does not use are deleted.
//
// Endpoints inside a slice keep their existing order; new ones are appended in
// a deterministic order (by address). The result is idempotent: applying it
// and reconciling again yields no changes.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/informer.h"
#include "client/meta.h"

namespace netkube::controllers {

inline constexpr char kLabelServiceName[] = "kubernetes.io/service-name";
inline constexpr char kLabelManagedBy[] = "endpointslice.kubernetes.io/managed-by";
inline constexpr char kLabelSkipMirror[] = "endpointslice.kubernetes.io/skip-mirror";
inline constexpr char kLabelTopologyZone[] = "topology.kubernetes.io/zone";
inline constexpr char kEndpointSliceControllerName[] = "endpointslice-controller.k8s.io";
inline constexpr char kMirroringControllerName[] = "endpointslicemirroring-controller.k8s.io";
inline constexpr char kLeaderElectionAnnotation[] = "control-plane.alpha.kubernetes.io/leader";
inline constexpr int kMaxEndpointsPerSlice = 100;
inline constexpr int kMaxEndpointsPerMirroredSubset = 1000;

struct SliceChanges {
  std::vector<client::Json> create;  // new objects (metadata.generateName set)
  std::vector<client::Json> update;  // existing objects with new content (metadata kept)
  std::vector<client::Json> remove;  // existing objects to delete
  bool Empty() const { return create.empty() && update.empty() && remove.empty(); }
};

// A node by name, or nullptr when it is not known.
using NodeLookup = std::function<client::ObjectPtr(const std::string& name)>;

// The endpoint of `pod` in a slice of `address_type` ("IPv4"/"IPv6") for `svc`;
// `node` may be null. Its addresses are empty when the pod has no IP of that type.
client::Json PodToSliceEndpoint(const client::Json& pod, const client::Json* node, const client::Json& svc,
                                const std::string& address_type);
// The slice ports of `pod` for `svc`: every service port that resolves for
// the pod (name always set, "" when unnamed), in service order.
client::Json SliceEndpointPorts(const client::Json& svc, const client::Json& pod);
// The address types a service uses: spec.ipFamilies, else its clusterIP's
// family, else IPv4.
std::vector<std::string> ServiceAddressTypes(const client::Json& svc);

// REQUIRES: ServiceHasSelector(svc); `existing` are the slices labelled with
// the service name and managed by the EndpointSlice controller.
SliceChanges ReconcileServiceSlices(const client::Json& svc, const std::vector<client::ObjectPtr>& pods,
                                    const NodeLookup& nodes, const std::vector<client::ObjectPtr>& existing,
                                    std::optional<client::TimePoint> trigger_time,
                                    int max_per_slice = kMaxEndpointsPerSlice,
                                    std::vector<std::string>* skipped_pods = nullptr);

// Mirroring: one slice per (address type, port set) of the Endpoints'
// subsets, at most `max_per_subset` addresses of each subset (ready ones
// first; notReadyAddresses become endpoints with ready=false); invalid IPs
// are skipped and counted in `invalid`. Slices are named "<endpoints>-" +
// random, carry the Endpoints' labels and annotations (without
// last-applied-configuration and the trigger time), the service-name and
// managed-by (mirroring) labels, and are owned by the Endpoints.
// `existing` are the slices labelled with the name and managed by the
// mirroring controller.
SliceChanges ReconcileMirroredSlices(const client::Json& endpoints, const std::vector<client::ObjectPtr>& existing,
                                     int max_per_subset = kMaxEndpointsPerMirroredSubset, int* invalid = nullptr);

// Whether Endpoints should be mirrored at all: not labelled skip-mirror=true
// and not a leader-election record.
bool ShouldMirror(const client::Json& endpoints);

// The key (ns/service) of a slice that `manager` manages (its
// endpointslice.kubernetes.io/managed-by label), or "" for anyone else's.
std::string ManagedSliceServiceKey(const client::Json& slice, std::string_view manager);

}  // namespace netkube::controllers
