// EndpointSliceMirroringController: mirrors Endpoints that users write for
// Services without a selector into EndpointSlices (managed-by
// endpointslicemirroring-controller.k8s.io), as Kubernetes' mirroring
// controller does (the decisions are in endpointslice_compute.h).
//
// Sync(ns/name): when the Endpoints and the Service both exist, the Service
// has no selector and the Endpoints are mirrorable (no skip-mirror=true label,
// no leader-election annotation), reconciles the mirrored slices; otherwise
// deletes every mirrored slice of that name. No creations while the Endpoints
// are being deleted.
// Triggers: Endpoints add/update/delete; Service add/delete and selector
// changes; mirrored slice changes by anyone (heal).
// Events on the Endpoints: InvalidIPAddress (Warning) when addresses were
// skipped.
//
// Thread-safety: as client::Controller.
#pragma once

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/shared_informers.h"
#include "controllers/endpointslice_tracker.h"

namespace netkube::controllers {

class EndpointSliceMirroringController : public client::Controller {
 public:
  EndpointSliceMirroringController(client::Client& client, client::SharedInformers& informers,
                                   client::EventRecorder& events);
  Status Sync(const std::string& key) override;

 private:
  void OnSlice(const client::ObjectPtr& slice, bool deleted);

  client::Client& client_;
  client::Informer& services_;
  client::Informer& endpoints_;
  client::Informer& slices_;
  client::EventRecorder& events_;
  EndpointSliceTracker written_;
};

}  // namespace netkube::controllers
