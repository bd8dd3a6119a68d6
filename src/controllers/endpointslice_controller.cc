#include "controllers/endpointslice_controller.h"

#include "client/meta.h"
#include "controllers/endpoints_compute.h"
#include "controllers/endpoints_controller.h"
#include "controllers/endpointslice_compute.h"
#include "util/log.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

EndpointSliceController::EndpointSliceController(client::Client& client, client::SharedInformers& informers,
                                                 client::EventRecorder& events, int max_endpoints_per_slice)
    : Controller("endpointslice-controller"),
      client_(client),
      services_(informers.For(client::KindOf("", "Service"))),
      pods_(informers.For(client::KindOf("", "Pod"))),
      nodes_(informers.For(client::KindOf("", "Node"))),
      slices_(informers.For(client::KindOf("discovery.k8s.io", "EndpointSlice"))),
      events_(events),
      max_per_slice_(max_endpoints_per_slice) {
  services_.AddHandler(EnqueueKeys());
  pods_.AddHandler({[this](const ObjectPtr& p) { EnqueueServicesOf(*p); },
                    [this](const ObjectPtr& old, const ObjectPtr& p) {
                      if (!PodEndpointChanged(*old, *p)) return;
                      EnqueueServicesOf(*old);
                      EnqueueServicesOf(*p);
                    },
                    [this](const ObjectPtr& p) { EnqueueServicesOf(*p); }});
  nodes_.AddHandler({[this](const ObjectPtr& n) { OnNode(*n); },
                     [this](const ObjectPtr& old, const ObjectPtr& n) {
                       if (client::GetString(*old, {"metadata", "labels", kLabelTopologyZone}) !=
                           client::GetString(*n, {"metadata", "labels", kLabelTopologyZone}))
                         OnNode(*n);
                     },
                     [this](const ObjectPtr& n) { OnNode(*n); }});
  slices_.AddHandler({[this](const ObjectPtr& s) { OnSlice(s, false); },
                      [this](const ObjectPtr&, const ObjectPtr& s) { OnSlice(s, false); },
                      [this](const ObjectPtr& s) { OnSlice(s, true); }});
}

void EndpointSliceController::EnqueueServicesOf(const Json& pod) {
  for (const std::string& key : SelectingServiceKeys(services_, pod)) queue_.Add(key);
}

void EndpointSliceController::OnNode(const Json& node) {
  for (const ObjectPtr& pod : pods_.ByIndex(client::kIndexNodeName, client::NameOf(node))) EnqueueServicesOf(*pod);
}

void EndpointSliceController::OnSlice(const ObjectPtr& slice, bool deleted) {
  std::string key = ManagedSliceServiceKey(*slice, kEndpointSliceControllerName);
  if (key.empty()) return;
  written_.Observe(key, *slice, deleted);
  queue_.Add(key);
}

Status EndpointSliceController::Sync(const std::string& key) {
  std::string ns, name;
  client::SplitKey(key, &ns, &name);
  const api::Kind& kind = client::KindOf("discovery.k8s.io", "EndpointSlice");
  ObjectPtr svc = services_.Get(ns, name);
  if (!svc) {
    trigger_times_.Forget(key);
    written_.Forget(key);
    return Status::OK();
  }
  if (!ServiceHasSelector(*svc)) return Status::OK();

  std::vector<ObjectPtr> pods = pods_.List(ns, [&](const Json& p) {
    const Json* labels = client::Find(p, {"metadata", "labels"});
    return labels != nullptr && ServiceSelects(*svc, *labels);
  });
  std::vector<ObjectPtr> existing = slices_.List(ns, [&](const Json& s) {
    return client::GetString(s, {"metadata", "labels", kLabelServiceName}) == name &&
           client::GetString(s, {"metadata", "labels", kLabelManagedBy}) == kEndpointSliceControllerName;
  });
  if (written_.Stale(key, existing))
    return Status(Reason::kConflict, "EndpointSlice informer cache is out of date for " + key);
  std::optional<client::TimePoint> trigger = trigger_times_.Compute(*svc, pods);
  std::vector<std::string> skipped;
  SliceChanges changes = ReconcileServiceSlices(
      *svc, pods, [this](const std::string& node) { return nodes_.Get("", node); }, existing, trigger,
      max_per_slice_, &skipped);
  if (!skipped.empty()) LOG_V(1) << "endpointslice: " << key << ": skipped " << skipped.size() << " pod(s) on unknown nodes";

  if (!client::IsBeingDeleted(*svc)) {
    for (const Json& s : changes.create) {
      auto r = client_.Create(kind, ns, s);
      if (!r.ok()) {
        if (r.status().message().find("because it is being terminated") != std::string::npos) return Status::OK();
        events_.Warning(*svc, "FailedToUpdateEndpointSlices",
                        "Error updating Endpoint Slices for Service " + key + ": " + r.status().message());
        return r.status();
      }
      written_.Wrote(key, *r);
    }
  }
  for (const Json& s : changes.update) {
    auto r = client_.Update(kind, ns, s);
    if (!r.ok()) {
      if (!r.status().IsConflict() && !r.status().IsNotFound())
        events_.Warning(*svc, "FailedToUpdateEndpointSlices",
                        "Error updating Endpoint Slices for Service " + key + ": " + r.status().message());
      return r.status();
    }
    written_.Wrote(key, *r);
  }
  for (const Json& s : changes.remove) {
    client::DeleteOptions opts;
    opts.precondition_uid = client::UidOf(s);
    auto r = client_.Delete(kind, ns, client::NameOf(s), opts);
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
    written_.Deleted(key, client::NameOf(s));
  }
  return Status::OK();
}

}  // namespace netkube::controllers
