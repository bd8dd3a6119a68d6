#include "controllers/replicaset_controller.h"

#include <algorithm>

#include "client/meta.h"
#include "controllers/pod_control.h"
#include "util/log.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {
constexpr int kBurst = 500;

const Json& Labels(const Json& obj) {
  static const Json kNull;
  const Json* l = client::Find(obj, {"metadata", "labels"});
  return l != nullptr ? *l : kNull;
}
}  // namespace

Json ReplicaSetStatus(const Json& rs, const std::vector<ObjectPtr>& active, client::TimePoint now) {
  int64_t min_ready = client::GetInt(rs, {"spec", "minReadySeconds"}, 0);
  const Json* tl = client::Find(rs, {"spec", "template", "metadata", "labels"});
  int fully = 0, ready = 0, available = 0;
  for (const ObjectPtr& p : active) {
    bool all = true;
    if (tl != nullptr && tl->is_object())
      for (auto it = tl->begin(); it != tl->end(); ++it) {
        const Json& l = Labels(*p);
        if (!l.is_object() || !l.contains(it.key()) || l[it.key()] != it.value()) all = false;
      }
    if (all) ++fully;
    if (client::IsPodReady(*p)) ++ready;
    if (client::IsPodAvailable(*p, min_ready, now)) ++available;
  }
  Json status = rs.contains("status") && rs["status"].is_object() ? rs["status"] : Json::object();
  status["replicas"] = static_cast<int>(active.size());
  status["fullyLabeledReplicas"] = fully;
  status["readyReplicas"] = ready;
  status["availableReplicas"] = available;
  status["observedGeneration"] = client::GetInt(rs, {"metadata", "generation"}, 1);
  // Kubernetes omits zero counts.
  for (const char* f : {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"})
    if (status[f] == 0) status.erase(f);
  return status;
}

ReplicaSetController::ReplicaSetController(client::Client& client, client::SharedInformers& informers,
                                           client::EventRecorder& events)
    : Controller("replicaset-controller"),
      client_(client),
      rss_(informers.For(client::KindOf("apps", "ReplicaSet"))),
      pods_(informers.For(client::KindOf("", "Pod"))),
      events_(events) {
  rss_.AddHandler(EnqueueKeys());
  pods_.AddHandler({[this](const ObjectPtr& p) {
                      expectations_.ObserveCreation(client::KeyOf(*p));
                      OnPod(p);
                    },
                    [this](const ObjectPtr& old, const ObjectPtr& p) {
                      if (Labels(*old) != Labels(*p)) OnPod(old);
                      if (client::IsBeingDeleted(*p) && !client::IsBeingDeleted(*old))
                        expectations_.ObserveDeletion(client::KeyOf(*p));
                      OnPod(p);
                    },
                    [this](const ObjectPtr& p) {
                      expectations_.ObserveDeletion(client::KeyOf(*p));
                      OnPod(p);
                    }});
}

void ReplicaSetController::OnPod(const ObjectPtr& pod) {
  std::string ns = client::NamespaceOf(*pod);
  if (const Json* ref = client::ControllerRefOf(*pod)) {
    if (ref->value("kind", "") == "ReplicaSet") queue_.Add(client::KeyOf(ns, ref->value("name", "")));
    return;
  }
  // An orphan: every ReplicaSet that would adopt it.
  for (const ObjectPtr& rs : rss_.List(ns))
    if (const Json* sel = client::Find(*rs, {"spec", "selector"}); sel && client::SelectorMatches(*sel, Labels(*pod)))
      queue_.Add(client::KeyOf(*rs));
}

Status ReplicaSetController::Sync(const std::string& key) {
  std::string ns, name;
  client::SplitKey(key, &ns, &name);
  ObjectPtr rs = rss_.Get(ns, name);
  if (!rs) {
    expectations_.Clear(key);
    return Status::OK();
  }
  const Json* selector = client::Find(*rs, {"spec", "selector"});
  if (selector == nullptr) return Status::OK();
  auto claimed = ClaimPods(client_, *rs, *selector, pods_.List(ns));
  if (!claimed.ok()) return claimed.status();
  std::vector<ObjectPtr> active;
  for (const ObjectPtr& p : *claimed)
    if (client::IsPodActive(*p)) active.push_back(p);

  Status manage;
  if (expectations_.Satisfied(key) && !client::IsBeingDeleted(*rs)) manage = ManageReplicas(*rs, key, active);

  client::TimePoint now = client::Now();
  Json status = ReplicaSetStatus(*rs, active, now);
  if (status != (*rs).value("status", Json::object())) {
    Json next = *rs;
    next["status"] = status;
    auto r = client_.Update(client::KindOf("apps", "ReplicaSet"), ns, next, "status");
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
  }
  // Pods that are ready but not yet available become available later.
  int64_t min_ready = client::GetInt(*rs, {"spec", "minReadySeconds"}, 0);
  if (min_ready > 0 && status.value("readyReplicas", 0) > status.value("availableReplicas", 0))
    queue_.AddAfter(key, std::chrono::seconds(min_ready));
  return manage;
}

Status ReplicaSetController::ManageReplicas(const Json& rs, const std::string& key, std::vector<ObjectPtr> active) {
  const api::Kind& pods = client::KindOf("", "Pod");
  int64_t want = client::GetInt(rs, {"spec", "replicas"}, 1);
  int64_t diff = static_cast<int64_t>(active.size()) - want;
  std::string ns = client::NamespaceOf(rs);
  if (diff < 0) {
    int64_t n = std::min<int64_t>(-diff, kBurst);
    const Json* tmpl = client::Find(rs, {"spec", "template"});
    Json pod = PodFromTemplate(rs, tmpl != nullptr ? *tmpl : Json::object());
    for (int64_t i = 0; i < n; ++i) {
      auto r = client_.Create(pods, ns, pod);
      if (!r.ok()) {
        events_.Warning(rs, "FailedCreate", "Error creating: " + r.status().message());
        return r.status();
      }
      std::string pk = client::KeyOf(*r);
      expectations_.ExpectCreation(key, pk);
      if (pods_.Get(ns, client::NameOf(*r))) expectations_.ObserveCreation(pk);
      events_.Normal(rs, "SuccessfulCreate", "Created pod: " + client::NameOf(*r));
    }
  } else if (diff > 0) {
    SortForDeletion(&active);
    for (int64_t i = 0; i < diff && i < static_cast<int64_t>(active.size()); ++i) {
      const Json& p = *active[i];
      std::string pk = client::KeyOf(p);
      expectations_.ExpectDeletion(key, pk);
      client::DeleteOptions opts;
      opts.precondition_uid = client::UidOf(p);
      auto r = client_.Delete(pods, ns, client::NameOf(p), opts);
      if (!r.ok()) {
        expectations_.ObserveDeletion(pk);
        if (r.status().IsNotFound()) continue;
        events_.Warning(rs, "FailedDelete", "Error deleting: " + r.status().message());
        return r.status();
      }
      if (!pods_.Get(ns, client::NameOf(p)) || client::IsBeingDeleted(*pods_.Get(ns, client::NameOf(p))))
        expectations_.ObserveDeletion(pk);
      events_.Normal(rs, "SuccessfulDelete", "Deleted pod: " + client::NameOf(p));
    }
  }
  return Status::OK();
}

}  // namespace netkube::controllers
