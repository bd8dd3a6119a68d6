// Helpers the workload controllers (ReplicaSet, DaemonSet) share: making a pod
// from a controller's pod template, ranking pods for deletion as Kubernetes
// does, and adopting/releasing pods by ownerReference.
//
// Pure except AdoptOrRelease, which writes through the Client.
#pragma once

#include <vector>

#include "client/client.h"
#include "client/informer.h"

namespace netkube::controllers {

// A pod from `owner`'s spec.template: generateName "<owner name>-", labels and
// annotations from the template, a controller ownerReference
// (blockOwnerDeletion true), the template's spec.
client::Json PodFromTemplate(const client::Json& owner, const client::Json& pod_template);

// Sorts pods so the ones to delete first come first (as Kubernetes'
// ActivePods ordering): unscheduled < scheduled; Pending < Unknown < Running;
// not ready < ready; ready for less time first; more restarts first; newer
// first.
void SortForDeletion(std::vector<client::ObjectPtr>* pods);

// The pods of `owner` among the pods of its namespace: those whose controller
// ref names owner's uid, plus orphans matching `selector` (adopted through the
// Client), minus owned pods that no longer match (released). Adoption is
// skipped when the owner is being deleted. Returns the owned pods (live copies
// for the adopted ones).
StatusOr<std::vector<client::ObjectPtr>> ClaimPods(client::Client& client, const client::Json& owner,
                                                   const client::Json& selector,
                                                   const std::vector<client::ObjectPtr>& ns_pods);
// The same for objects of any kind (a Deployment claiming ReplicaSets).
StatusOr<std::vector<client::ObjectPtr>> ClaimObjects(client::Client& client, const api::Kind& kind,
                                                      const client::Json& owner, const client::Json& selector,
                                                      const std::vector<client::ObjectPtr>& candidates);

}  // namespace netkube::controllers
