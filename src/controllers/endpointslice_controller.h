// EndpointSliceController: keeps the discovery.k8s.io/v1 EndpointSlices of
// every Service with a selector, as Kubernetes' endpointslice controller does
// (the decisions are in endpointslice_compute.h; at most 100 endpoints per
// slice).
//
// Sync(ns/name):
//  - Service gone: nothing to do (its slices are owned by it; the garbage
//    collector removes them);
//  - no selector, or ExternalName: leaves slices alone (mirroring or users);
//  - otherwise reconciles the selected pods (from the cache) with the slices
//    labelled kubernetes.io/service-name=<name> and managed by this
//    controller: creates, updates in place, deletes; no creations while the
//    Service is being deleted.
// Triggers: Service add/update/delete; pod changes that alter an endpoint,
// for the Services selecting the old or new pod; Node add/delete/zone change
// for the Services of its pods; slice changes by anyone (heal).
// A sync that sees a cache older than its own writes fails and is retried.
//
// Thread-safety: as client::Controller.
#pragma once

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/shared_informers.h"
#include "controllers/endpointslice_tracker.h"
#include "controllers/trigger_time.h"

namespace netkube::controllers {

class EndpointSliceController : public client::Controller {
 public:
  EndpointSliceController(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events,
                          int max_endpoints_per_slice = 100);
  Status Sync(const std::string& key) override;

 private:
  void EnqueueServicesOf(const client::Json& pod);
  void OnNode(const client::Json& node);
  void OnSlice(const client::ObjectPtr& slice, bool deleted);

  client::Client& client_;
  client::Informer& services_;
  client::Informer& pods_;
  client::Informer& nodes_;
  client::Informer& slices_;
  client::EventRecorder& events_;
  const int max_per_slice_;
  TriggerTimeTracker trigger_times_;
  EndpointSliceTracker written_;
};

}  // namespace netkube::controllers
