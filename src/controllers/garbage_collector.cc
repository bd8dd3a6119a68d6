#include "controllers/garbage_collector.h"

#include <algorithm>

#include "client/meta.h"
#include "util/log.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {

constexpr char kForeground[] = "foregroundDeletion";
constexpr char kOrphan[] = "orphan";

std::string MakeKey(const char* role, const Json& obj) {
  return std::string(role) + "|" + obj.value("apiVersion", "") + "|" + obj.value("kind", "") + "|" +
         client::KeyOf(obj);
}

// Parses "role|apiVersion|Kind|key".
bool ParseKey(const std::string& key, std::string* role, const api::Kind** kind, std::string* ns,
              std::string* name) {
  size_t a = key.find('|');
  size_t b = a == std::string::npos ? a : key.find('|', a + 1);
  size_t c = b == std::string::npos ? b : key.find('|', b + 1);
  if (c == std::string::npos) return false;
  *role = key.substr(0, a);
  *kind = api::FindByApiVersionKind(key.substr(a + 1, b - a - 1), key.substr(b + 1, c - b - 1));
  if (*kind == nullptr) return false;
  client::SplitKey(key.substr(c + 1), ns, name);
  return true;
}

const Json& OwnerRefs(const Json& obj) {
  static const Json kEmpty = Json::array();
  const Json* r = client::Find(obj, {"metadata", "ownerReferences"});
  return r != nullptr && r->is_array() ? *r : kEmpty;
}

}  // namespace

std::string GarbageCollector::DependentKey(const Json& obj) { return MakeKey("dep", obj); }
std::string GarbageCollector::OwnerKey(const Json& obj) { return MakeKey("owner", obj); }

GarbageCollector::GarbageCollector(client::Client& client, client::SharedInformers& informers)
    : Controller("garbage-collector"), client_(client), informers_(informers) {
  for (const api::Kind& kind : api::AllKinds()) {
    if (kind.kind == "Event") continue;
    informers_.For(kind).AddHandler({[this](const ObjectPtr& o) { OnChange(o); },
                                     [this](const ObjectPtr&, const ObjectPtr& o) { OnChange(o); },
                                     [this](const ObjectPtr& o) { OnDelete(o); }});
  }
}

void GarbageCollector::OnChange(const ObjectPtr& obj) {
  if (!OwnerRefs(*obj).empty()) queue_.Add(DependentKey(*obj));
  if (client::IsBeingDeleted(*obj) && (client::HasFinalizer(*obj, kForeground) || client::HasFinalizer(*obj, kOrphan)))
    queue_.Add(OwnerKey(*obj));
  // A dependent going away may unblock an owner's foreground deletion.
  if (client::IsBeingDeleted(*obj)) OnDelete(obj);
}

void GarbageCollector::OnDelete(const ObjectPtr& obj) {
  std::string ns = client::NamespaceOf(*obj);
  // Its dependents may now be orphans.
  for (auto& [kind, dep] : Dependents(client::UidOf(*obj), ns)) queue_.Add(DependentKey(*dep));
  // Its owners may be waiting for it.
  for (const Json& ref : OwnerRefs(*obj)) {
    const api::Kind* k = api::FindByApiVersionKind(ref.value("apiVersion", ""), ref.value("kind", ""));
    if (k == nullptr) continue;
    Json owner = {{"apiVersion", ref.value("apiVersion", "")},
                  {"kind", ref.value("kind", "")},
                  {"metadata", {{"name", ref.value("name", "")}}}};
    if (k->namespaced) owner["metadata"]["namespace"] = ns;
    queue_.Add(OwnerKey(owner));
  }
}

std::vector<std::pair<const api::Kind*, ObjectPtr>> GarbageCollector::Dependents(const std::string& uid,
                                                                                const std::string& ns) const {
  std::vector<std::pair<const api::Kind*, ObjectPtr>> out;
  if (uid.empty()) return out;
  for (client::Informer* inf : informers_.All())
    for (const ObjectPtr& o : inf->ByIndex(client::kIndexOwnerUid, uid))
      if (ns.empty() || client::NamespaceOf(*o) == ns || client::NamespaceOf(*o).empty())
        out.emplace_back(&inf->kind(), o);
  return out;
}

Status GarbageCollector::Sync(const std::string& key) {
  std::string role, ns, name;
  const api::Kind* kind = nullptr;
  if (!ParseKey(key, &role, &kind, &ns, &name)) return Status::OK();
  return role == "owner" ? SyncOwner(*kind, ns, name) : SyncDependent(*kind, ns, name);
}

Status GarbageCollector::SyncDependent(const api::Kind& kind, const std::string& ns, const std::string& name) {
  client::Informer* inf = informers_.Find(kind);
  if (inf == nullptr) return Status::OK();
  ObjectPtr dep = inf->Get(ns, name);
  if (!dep || client::IsBeingDeleted(*dep)) return Status::OK();
  const Json& refs = OwnerRefs(*dep);
  if (refs.empty()) return Status::OK();
  std::vector<std::string> absent;
  int solid = 0, waiting = 0;
  for (const Json& ref : refs) {
    std::string uid = ref.value("uid", "");
    const api::Kind* ok = api::FindByApiVersionKind(ref.value("apiVersion", ""), ref.value("kind", ""));
    if (ok == nullptr) {
      ++solid;  // a kind we do not serve: cannot tell, keep the dependent
      continue;
    }
    std::string owner_ns = ok->namespaced ? ns : "";
    if (ok->namespaced && ns.empty()) {
      absent.push_back(uid);  // a cluster-scoped object cannot have a namespaced owner
      continue;
    }
    ObjectPtr owner;
    if (client::Informer* oi = informers_.Find(*ok)) owner = oi->Get(owner_ns, ref.value("name", ""));
    Json live;
    if (!owner || client::UidOf(*owner) != uid) {
      // The cache may lag: ask the API server before acting.
      auto got = client_.Get(*ok, owner_ns, ref.value("name", ""));
      if (!got.ok() && !got.status().IsNotFound()) return got.status();
      if (!got.ok() || client::UidOf(*got) != uid) {
        absent.push_back(uid);
        continue;
      }
      live = std::move(*got);
    } else {
      live = *owner;
    }
    if (client::IsBeingDeleted(live) && client::HasFinalizer(live, kForeground)) {
      ++waiting;
    } else {
      ++solid;
    }
  }
  if (absent.empty() && waiting == 0) return Status::OK();
  if (solid > 0) {
    if (absent.empty()) return Status::OK();
    return RemoveOwnerRefs(kind, ns, name, absent);
  }
  client::DeleteOptions opts;
  opts.precondition_uid = client::UidOf(*dep);
  bool has_dependents = !Dependents(client::UidOf(*dep), ns).empty();
  opts.propagation_policy = waiting > 0 && has_dependents ? "Foreground" : "Background";
  LOG_V(1) << "garbage collector: deleting " << kind.plural << " " << client::KeyOf(*dep) << " ("
           << opts.propagation_policy << ")";
  auto r = client_.Delete(kind, ns, name, opts);
  if (!r.ok() && !r.status().IsNotFound() && !r.status().IsConflict()) return r.status();
  return Status::OK();
}

Status GarbageCollector::SyncOwner(const api::Kind& kind, const std::string& ns, const std::string& name) {
  client::Informer* inf = informers_.Find(kind);
  if (inf == nullptr) return Status::OK();
  ObjectPtr owner = inf->Get(ns, name);
  if (!owner || !client::IsBeingDeleted(*owner)) return Status::OK();
  std::string uid = client::UidOf(*owner);
  auto deps = Dependents(uid, ns);
  if (client::HasFinalizer(*owner, kOrphan)) {
    for (auto& [k, d] : deps) {
      Status s = RemoveOwnerRefs(*k, client::NamespaceOf(*d), client::NameOf(*d), {uid});
      if (!s.ok()) return s;
    }
    return RemoveOwnerFinalizer(kind, ns, name, kOrphan);
  }
  if (!client::HasFinalizer(*owner, kForeground)) return Status::OK();
  int blocking = 0;
  for (auto& [k, d] : deps) {
    for (const Json& ref : OwnerRefs(*d))
      if (ref.value("uid", "") == uid && ref.value("blockOwnerDeletion", false)) ++blocking;
    if (client::IsBeingDeleted(*d)) continue;
    client::DeleteOptions opts;
    opts.precondition_uid = client::UidOf(*d);
    opts.propagation_policy =
        Dependents(client::UidOf(*d), client::NamespaceOf(*d)).empty() ? "Background" : "Foreground";
    auto r = client_.Delete(*k, client::NamespaceOf(*d), client::NameOf(*d), opts);
    if (!r.ok() && !r.status().IsNotFound() && !r.status().IsConflict()) return r.status();
  }
  if (blocking > 0) return Status::OK();  // dependents' deletions requeue this owner
  return RemoveOwnerFinalizer(kind, ns, name, kForeground);
}

Status GarbageCollector::RemoveOwnerFinalizer(const api::Kind& kind, const std::string& ns, const std::string& name,
                                              const std::string& finalizer) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto live = client_.Get(kind, ns, name);
    if (!live.ok()) return live.status().IsNotFound() ? Status::OK() : live.status();
    if (!client::RemoveFinalizer(&*live, finalizer)) return Status::OK();
    auto r = client_.Update(kind, ns, *live);
    if (r.ok() || r.status().IsNotFound()) return Status::OK();
    if (!r.status().IsConflict()) return r.status();
  }
  return Status::Conflict("removing finalizer " + finalizer + " from " + client::KeyOf(ns, name));
}

Status GarbageCollector::RemoveOwnerRefs(const api::Kind& kind, const std::string& ns, const std::string& name,
                                         const std::vector<std::string>& uids) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto live = client_.Get(kind, ns, name);
    if (!live.ok()) return live.status().IsNotFound() ? Status::OK() : live.status();
    Json keep = Json::array();
    for (const Json& ref : OwnerRefs(*live))
      if (std::find(uids.begin(), uids.end(), ref.value("uid", "")) == uids.end()) keep.push_back(ref);
    if (keep.size() == OwnerRefs(*live).size()) return Status::OK();
    if (keep.empty()) (*live)["metadata"].erase("ownerReferences");
    else (*live)["metadata"]["ownerReferences"] = keep;
    auto r = client_.Update(kind, ns, *live);
    if (r.ok() || r.status().IsNotFound()) return Status::OK();
    if (!r.status().IsConflict()) return r.status();
  }
  return Status::Conflict("removing ownerReferences from " + client::KeyOf(ns, name));
}

}  // namespace netkube::controllers
