#include "controllers/endpointslicemirroring_controller.h"

#include "client/meta.h"
#include "controllers/endpoints_compute.h"
#include "controllers/endpointslice_compute.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

EndpointSliceMirroringController::EndpointSliceMirroringController(client::Client& client,
                                                                   client::SharedInformers& informers,
                                                                   client::EventRecorder& events)
    : Controller("endpointslicemirroring-controller"),
      client_(client),
      services_(informers.For(client::KindOf("", "Service"))),
      endpoints_(informers.For(client::KindOf("", "Endpoints"))),
      slices_(informers.For(client::KindOf("discovery.k8s.io", "EndpointSlice"))),
      events_(events) {
  auto enqueue = [this](const ObjectPtr& o) { queue_.Add(client::KeyOf(*o)); };
  endpoints_.AddHandler(EnqueueKeys());
  services_.AddHandler({enqueue,
                        [enqueue](const ObjectPtr& old, const ObjectPtr& o) {
                          if (ServiceHasSelector(*old) != ServiceHasSelector(*o)) enqueue(o);
                        },
                        enqueue});
  slices_.AddHandler({[this](const ObjectPtr& s) { OnSlice(s, false); },
                      [this](const ObjectPtr&, const ObjectPtr& s) { OnSlice(s, false); },
                      [this](const ObjectPtr& s) { OnSlice(s, true); }});
}

void EndpointSliceMirroringController::OnSlice(const ObjectPtr& slice, bool deleted) {
  std::string key = ManagedSliceServiceKey(*slice, kMirroringControllerName);
  if (key.empty()) return;
  written_.Observe(key, *slice, deleted);
  queue_.Add(key);
}

Status EndpointSliceMirroringController::Sync(const std::string& key) {
  std::string ns, name;
  client::SplitKey(key, &ns, &name);
  const api::Kind& kind = client::KindOf("discovery.k8s.io", "EndpointSlice");
  std::vector<ObjectPtr> existing = slices_.List(ns, [&](const Json& s) {
    return client::GetString(s, {"metadata", "labels", kLabelServiceName}) == name &&
           client::GetString(s, {"metadata", "labels", kLabelManagedBy}) == kMirroringControllerName;
  });
  if (written_.Stale(key, existing))
    return Status(Reason::kConflict, "EndpointSlice informer cache is out of date for " + key);
  ObjectPtr ep = endpoints_.Get(ns, name);
  ObjectPtr svc = services_.Get(ns, name);
  SliceChanges changes;
  int invalid = 0;
  const Json* selector = svc ? client::Find(*svc, {"spec", "selector"}) : nullptr;
  bool has_selector = selector != nullptr && selector->is_object() && !selector->empty();
  if (!ep || !svc || has_selector || !ShouldMirror(*ep)) {
    for (const ObjectPtr& s : existing) changes.remove.push_back(*s);
  } else {
    changes = ReconcileMirroredSlices(*ep, existing, kMaxEndpointsPerMirroredSubset, &invalid);
    if (invalid > 0)
      events_.Warning(*ep, "InvalidIPAddress",
                      "Skipped " + std::to_string(invalid) + " invalid IP addresses when mirroring to EndpointSlices");
  }
  if (ep && !client::IsBeingDeleted(*ep)) {
    for (const Json& s : changes.create) {
      auto r = client_.Create(kind, ns, s);
      if (!r.ok()) {
        if (r.status().message().find("because it is being terminated") != std::string::npos) return Status::OK();
        return r.status();
      }
      written_.Wrote(key, *r);
    }
  }
  for (const Json& s : changes.update) {
    auto r = client_.Update(kind, ns, s);
    if (!r.ok()) return r.status();
    written_.Wrote(key, *r);
  }
  for (const Json& s : changes.remove) {
    client::DeleteOptions opts;
    opts.precondition_uid = client::UidOf(s);
    auto r = client_.Delete(kind, ns, client::NameOf(s), opts);
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
    written_.Deleted(key, client::NameOf(s));
  }
  if (!svc && !ep) written_.Forget(key);
  return Status::OK();
}

}  // namespace netkube::controllers
