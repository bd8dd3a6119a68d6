// EndpointsController: keeps one core/v1 Endpoints object per Service with a
// selector, as Kubernetes' endpoints controller does (the decisions are in
// endpoints_compute.h).
//
// Sync(ns/name):
//  - Service gone: deletes the Endpoints of that name (NotFound is fine);
//  - no selector, or ExternalName: leaves Endpoints alone (users write them);
//  - otherwise computes the subsets from the selected pods in the cache and
//    creates or updates the Endpoints only when subsets or labels differ,
//    stamping endpoints.kubernetes.io/last-change-trigger-time.
// Triggers: Service add/update/delete; pod add/delete and updates that change
// what an endpoint shows (labels, IPs, readiness, deletion, node, hostname,
// ports, phase) for every Service selecting the old or the new pod; Endpoints
// changed or deleted by someone else for a Service with a selector (heal).
// A sync that sees a cache older than its own last write fails (retried).
// Events: FailedToCreateEndpoint / FailedToUpdateEndpoint (Warning).
//
// Thread-safety: as client::Controller.
#pragma once

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/shared_informers.h"
#include "controllers/endpointslice_tracker.h"
#include "controllers/trigger_time.h"

namespace netkube::controllers {

// Whether a pod update can change an endpoint built from it.
bool PodEndpointChanged(const client::Json& old_pod, const client::Json& new_pod);

class EndpointsController : public client::Controller {
 public:
  EndpointsController(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events);
  Status Sync(const std::string& key) override;

 private:
  // Queues every service of the pod's namespace whose selector matches it.
  void EnqueueServicesOf(const client::Json& pod);
  void OnEndpoints(const client::ObjectPtr& ep, bool deleted);

  client::Client& client_;
  client::Informer& services_;
  client::Informer& pods_;
  client::Informer& endpoints_;
  client::EventRecorder& events_;
  TriggerTimeTracker trigger_times_;
  EndpointSliceTracker written_;
};

}  // namespace netkube::controllers
