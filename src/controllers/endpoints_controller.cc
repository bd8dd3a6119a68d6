#include "controllers/endpoints_controller.h"

#include "client/meta.h"
#include "controllers/endpoints_compute.h"
#include "util/log.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {

Json EndpointView(const Json& pod) {
  const Json* ready = client::FindCondition(pod, "Ready");
  return {{"labels", pod.value("metadata", Json::object()).value("labels", Json())},
          {"ips", PodIPs(pod)},
          {"ready", ready != nullptr ? *ready : Json()},
          {"deleting", client::IsBeingDeleted(pod)},
          {"phase", client::GetString(pod, {"status", "phase"})},
          {"node", client::GetString(pod, {"spec", "nodeName"})},
          {"hostname", client::GetString(pod, {"spec", "hostname"})},
          {"subdomain", client::GetString(pod, {"spec", "subdomain"})},
          {"containers", pod.value("spec", Json::object()).value("containers", Json())},
          {"initContainers", pod.value("spec", Json::object()).value("initContainers", Json())}};
}

}  // namespace

bool PodEndpointChanged(const Json& old_pod, const Json& new_pod) {
  return EndpointView(old_pod) != EndpointView(new_pod);
}

EndpointsController::EndpointsController(client::Client& client, client::SharedInformers& informers,
                                         client::EventRecorder& events)
    : Controller("endpoint-controller"),
      client_(client),
      services_(informers.For(client::KindOf("", "Service"))),
      pods_(informers.For(client::KindOf("", "Pod"))),
      endpoints_(informers.For(client::KindOf("", "Endpoints"))),
      events_(events) {
  services_.AddHandler(EnqueueKeys());
  pods_.AddHandler({[this](const ObjectPtr& p) { EnqueueServicesOf(*p); },
                    [this](const ObjectPtr& old, const ObjectPtr& p) {
                      if (!PodEndpointChanged(*old, *p)) return;
                      EnqueueServicesOf(*old);
                      EnqueueServicesOf(*p);
                    },
                    [this](const ObjectPtr& p) { EnqueueServicesOf(*p); }});
  endpoints_.AddHandler({[this](const ObjectPtr& e) { OnEndpoints(e, false); },
                         [this](const ObjectPtr&, const ObjectPtr& e) { OnEndpoints(e, false); },
                         [this](const ObjectPtr& e) { OnEndpoints(e, true); }});
}

void EndpointsController::EnqueueServicesOf(const Json& pod) {
  for (const std::string& key : SelectingServiceKeys(services_, pod)) queue_.Add(key);
}

void EndpointsController::OnEndpoints(const ObjectPtr& ep, bool deleted) {
  std::string key = client::KeyOf(*ep);
  written_.Observe(key, *ep, deleted);
  // Heal Endpoints of managed services that someone else changed or deleted.
  ObjectPtr svc = services_.Get(client::NamespaceOf(*ep), client::NameOf(*ep));
  if (svc && ServiceHasSelector(*svc)) queue_.Add(key);
}

Status EndpointsController::Sync(const std::string& key) {
  std::string ns, name;
  client::SplitKey(key, &ns, &name);
  const api::Kind& kind = client::KindOf("", "Endpoints");
  ObjectPtr svc = services_.Get(ns, name);
  if (!svc) {
    trigger_times_.Forget(key);
    if (!endpoints_.Get(ns, name)) return Status::OK();
    auto r = client_.Delete(kind, ns, name);
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
    written_.Deleted(key, name);
    return Status::OK();
  }
  if (!ServiceHasSelector(*svc)) return Status::OK();

  std::vector<ObjectPtr> pods = pods_.List(ns, [&](const Json& p) {
    const Json* labels = client::Find(p, {"metadata", "labels"});
    return labels != nullptr && ServiceSelects(*svc, *labels);
  });
  std::optional<client::TimePoint> trigger = trigger_times_.Compute(*svc, pods);
  Json subsets = EndpointSubsets(*svc, pods);

  ObjectPtr current = endpoints_.Get(ns, name);
  std::vector<ObjectPtr> cached;
  if (current) cached.push_back(current);
  if (written_.Stale(key, cached))
    return Status(Reason::kConflict, "endpoints informer cache is out of date for " + key);
  std::optional<Json> desired = DesiredEndpoints(*svc, subsets, current.get(), trigger);
  if (!desired) return Status::OK();

  StatusOr<Json> r = current ? client_.Update(kind, ns, *desired) : client_.Create(kind, ns, *desired);
  if (!r.ok()) {
    const Status& s = r.status();
    // Creates fail while the namespace terminates; nothing to do then.
    if (!current && s.message().find("because it is being terminated") != std::string::npos) return Status::OK();
    if (!s.IsConflict() && !s.IsAlreadyExists())
      events_.Warning(*desired, current ? "FailedToUpdateEndpoint" : "FailedToCreateEndpoint",
                      (current ? "Failed to update endpoint " : "Failed to create endpoint for service ") + ns +
                          "/" + name + ": " + s.message());
    return s;
  }
  written_.Wrote(key, *r);
  return Status::OK();
}

}  // namespace netkube::controllers
