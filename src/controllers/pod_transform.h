// TrimPodForControllers: the informer transform of the Pod cache inside
// `netkube server`. The controllers read a pod's metadata, its scheduling and
// networking facts and its readiness, never its process details, so the cache
// keeps only those: tens of thousands of pods then fit in a few dozen MB.
//
// Kept: metadata (less managedFields and the last-applied annotation); spec
// nodeName, nodeSelector, affinity, tolerations, schedulerName, priority,
// hostname, subdomain, hostNetwork, readinessGates, topologySpreadConstraints,
// overhead, and per container name, ports, resources and restartPolicy; status
// less per-container details beyond name, ready, started and restartCount.
//
// Pure; thread-safe.
#pragma once

#include "client/client.h"

namespace netkube::controllers {

void TrimPodForControllers(client::Json& pod);

}  // namespace netkube::controllers
