#include "controllers/namespace_controller.h"

#include "client/meta.h"
#include "util/log.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {
constexpr char kFinalizer[] = "kubernetes";
}  // namespace

NamespaceController::NamespaceController(client::Client& client, client::SharedInformers& informers,
                                         std::chrono::milliseconds recheck)
    : Controller("namespace-controller"),
      client_(client),
      namespaces_(informers.For(client::KindOf("", "Namespace"))),
      recheck_(recheck) {
  auto enqueue = [this](const ObjectPtr& o) {
    if (client::IsBeingDeleted(*o)) queue_.Add(client::NameOf(*o));
  };
  namespaces_.AddHandler({enqueue, [enqueue](const ObjectPtr&, const ObjectPtr& o) { enqueue(o); }, nullptr});
}

StatusOr<int> NamespaceController::DeleteContent(const std::string& ns) {
  int remaining = 0;
  for (const api::Kind& kind : api::AllKinds()) {
    if (!kind.namespaced) continue;
    auto list = client_.List(kind, ns, {});
    if (!list.ok()) {
      if (list.status().IsNotFound()) continue;
      return list.status();
    }
    for (const Json& item : (*list)["items"]) {
      ++remaining;
      if (client::IsBeingDeleted(item)) continue;
      client::DeleteOptions opts;
      opts.propagation_policy = "Background";
      auto r = client_.Delete(kind, ns, client::NameOf(item), opts);
      if (!r.ok()) {
        if (r.status().IsNotFound()) {
          --remaining;
          continue;
        }
        return r.status();
      }
      // Deleted at once (no finalizers, no grace): nothing remains of it.
      if (!client::IsBeingDeleted(*r)) --remaining;
    }
  }
  return remaining;
}

Status NamespaceController::Sync(const std::string& key) {
  ObjectPtr cached = namespaces_.Get("", key);
  if (!cached || !client::IsBeingDeleted(*cached)) return Status::OK();
  const api::Kind& kind = client::KindOf("", "Namespace");
  auto fresh = client_.Get(kind, "", key);
  if (!fresh.ok()) return fresh.status().IsNotFound() ? Status::OK() : fresh.status();
  Json ns = std::move(*fresh);
  if (client::GetString(ns, {"status", "phase"}) != "Terminating") {
    ns["status"]["phase"] = "Terminating";
    auto r = client_.Update(kind, "", ns, "status");
    if (!r.ok()) return r.status();
    ns = std::move(*r);
  }
  auto remaining = DeleteContent(key);
  if (!remaining.ok()) return remaining.status();
  if (*remaining > 0) {
    LOG_V(2) << "namespace " << key << ": " << *remaining << " objects remain";
    queue_.AddAfter(key, recheck_);
    return Status::OK();
  }
  const Json* fins = client::Find(ns, {"spec", "finalizers"});
  if (fins == nullptr || !fins->is_array()) return Status::OK();
  Json keep = Json::array();
  for (const Json& f : *fins)
    if (!(f.is_string() && f.get<std::string>() == kFinalizer)) keep.push_back(f);
  if (keep.size() == fins->size()) return Status::OK();
  ns["spec"]["finalizers"] = keep;
  auto r = client_.Update(kind, "", ns, "finalize");
  if (!r.ok() && !r.status().IsNotFound()) return r.status();
  return Status::OK();
}

}  // namespace netkube::controllers
