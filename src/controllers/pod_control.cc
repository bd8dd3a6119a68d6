#include "controllers/pod_control.h"

#include <algorithm>
#include <tuple>

#include "client/meta.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

Json PodFromTemplate(const Json& owner, const Json& pod_template) {
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  Json meta = {{"generateName", client::NameOf(owner) + "-"}, {"namespace", client::NamespaceOf(owner)}};
  const Json* tm = client::Find(pod_template, {"metadata"});
  if (tm != nullptr && tm->is_object()) {
    if (tm->contains("labels")) meta["labels"] = (*tm)["labels"];
    if (tm->contains("annotations")) meta["annotations"] = (*tm)["annotations"];
    if (tm->contains("finalizers")) meta["finalizers"] = (*tm)["finalizers"];
  }
  meta["ownerReferences"] = Json::array({client::MakeOwnerRef(owner, true, true)});
  pod["metadata"] = std::move(meta);
  const Json* spec = client::Find(pod_template, {"spec"});
  pod["spec"] = spec != nullptr ? *spec : Json::object();
  return pod;
}

namespace {

int PhaseRank(const Json& pod) {
  std::string phase = client::GetString(pod, {"status", "phase"});
  if (phase == "Pending" || phase.empty()) return 0;
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 3;
}

int64_t Restarts(const Json& pod) {
  int64_t n = 0;
  const Json* cs = client::Find(pod, {"status", "containerStatuses"});
  if (cs != nullptr && cs->is_array())
    for (const Json& c : *cs) n = std::max<int64_t>(n, c.value("restartCount", 0));
  return n;
}

std::string ReadySince(const Json& pod) {
  const Json* c = client::FindCondition(pod, "Ready");
  return c != nullptr ? c->value("lastTransitionTime", "") : "";
}

}  // namespace

void SortForDeletion(std::vector<ObjectPtr>* pods) {
  auto rank = [](const Json& p) {
    bool assigned = !client::GetString(p, {"spec", "nodeName"}).empty();
    bool ready = client::IsPodReady(p);
    // Later "ready since" / creation first: invert by negating comparisons below.
    return std::make_tuple(assigned, PhaseRank(p), ready);
  };
  std::stable_sort(pods->begin(), pods->end(), [&](const ObjectPtr& a, const ObjectPtr& b) {
    auto ra = rank(*a), rb = rank(*b);
    if (ra != rb) return ra < rb;
    if (client::IsPodReady(*a)) {
      std::string sa = ReadySince(*a), sb = ReadySince(*b);
      if (sa != sb) return sa > sb;  // ready for less time first
    }
    int64_t xa = Restarts(*a), xb = Restarts(*b);
    if (xa != xb) return xa > xb;
    std::string ca = client::GetString(*a, {"metadata", "creationTimestamp"});
    std::string cb = client::GetString(*b, {"metadata", "creationTimestamp"});
    if (ca != cb) return ca > cb;  // newer first
    return client::NameOf(*a) > client::NameOf(*b);
  });
}

// Sets metadata.ownerReferences of `obj` to `refs` (removes it when empty) with
// a merge patch that fails with Conflict if the object changed since cached.
static StatusOr<Json> PatchOwnerRefs(client::Client& client, const api::Kind& kind, const Json& obj, const Json& refs) {
  Json patch = {{"metadata",
                 {{"ownerReferences", refs.empty() ? Json() : refs},
                  {"resourceVersion", client::GetString(obj, {"metadata", "resourceVersion"})}}}};
  return client.Patch(kind, client::NamespaceOf(obj), client::NameOf(obj), client::PatchType::kMerge, patch);
}

StatusOr<std::vector<ObjectPtr>> ClaimPods(client::Client& client, const Json& owner, const Json& selector,
                                           const std::vector<ObjectPtr>& ns_pods) {
  return ClaimObjects(client, client::KindOf("", "Pod"), owner, selector, ns_pods);
}

StatusOr<std::vector<ObjectPtr>> ClaimObjects(client::Client& client, const api::Kind& pods, const Json& owner,
                                              const Json& selector, const std::vector<ObjectPtr>& ns_pods) {
  std::string uid = client::UidOf(owner);
  std::vector<ObjectPtr> out;
  for (const ObjectPtr& p : ns_pods) {
    const Json* ref = client::ControllerRefOf(*p);
    const Json* labels = client::Find(*p, {"metadata", "labels"});
    bool matches = client::SelectorMatches(selector, labels != nullptr ? *labels : Json());
    if (ref != nullptr) {
      if (ref->value("uid", "") != uid) continue;
      if (matches || client::IsBeingDeleted(*p)) {
        out.push_back(p);
        continue;
      }
      // Release: drop our reference. Cached objects may be trimmed (informer
      // transforms), so changes go out as patches guarded by resourceVersion.
      Json keep = Json::array();
      for (const Json& r : (*p)["metadata"]["ownerReferences"])
        if (r.value("uid", "") != uid) keep.push_back(r);
      auto r = PatchOwnerRefs(client, pods, *p, keep);
      if (!r.ok() && !r.status().IsNotFound()) return r.status();
      continue;
    }
    if (!matches || client::IsBeingDeleted(*p) || client::IsBeingDeleted(owner)) continue;
    std::string phase = client::GetString(*p, {"status", "phase"});
    if (phase == "Succeeded" || phase == "Failed") continue;
    Json refs = (*p)["metadata"].value("ownerReferences", Json::array());
    if (!refs.is_array()) refs = Json::array();
    refs.push_back(client::MakeOwnerRef(owner, true, true));
    auto r = PatchOwnerRefs(client, pods, *p, refs);
    if (!r.ok()) {
      if (r.status().IsNotFound()) continue;
      return r.status();
    }
    out.push_back(std::make_shared<const Json>(std::move(*r)));
  }
  return out;
}

}  // namespace netkube::controllers
