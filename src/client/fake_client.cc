#include "client/fake_client.h"

#include <algorithm>

#include "client/meta.h"

namespace netkube::client {

class FakeClient::Stream : public WatchStream {
 public:
  Stream(std::string prefix, std::string ns, std::string labels, std::string fields)
      : prefix_(std::move(prefix)), ns_(std::move(ns)), labels_(std::move(labels)), fields_(std::move(fields)) {}

  bool Next(WatchEvent* event, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; });
    if (!queue_.empty()) {
      *event = std::move(queue_.front());
      queue_.pop_front();
      if (event->type == "ERROR") closed_ = true;
      return true;
    }
    if (closed_) return false;
    event->type.clear();
    event->object = nullptr;
    return true;
  }

  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  bool closed() {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

  bool Matches(const Json& obj) const {
    if (obj.is_null()) return false;
    if (!ns_.empty() && NamespaceOf(obj) != ns_) return false;
    const Json* labels = Find(obj, {"metadata", "labels"});
    auto l = QuerySelectorMatches(labels_, labels != nullptr ? *labels : Json());
    if (!l.ok() || !*l) return false;
    auto f = FieldSelectorMatches(fields_, obj);
    return f.ok() && *f;
  }

  // Translates one store event through this stream's filter.
  void Offer(const std::string& prefix, const std::string& type, const Json& obj, const Json& old) {
    if (prefix != prefix_) return;
    bool now = Matches(obj), before = Matches(old);
    std::string out;
    if (type == "ADDED") {
      if (now) out = "ADDED";
    } else if (type == "MODIFIED") {
      if (now && before) out = "MODIFIED";
      else if (now) out = "ADDED";
      else if (before) out = "DELETED";
    } else if (type == "DELETED") {
      if (now || before) out = "DELETED";
    }
    if (out.empty()) return;
    Push({out, obj});
  }

  void Push(WatchEvent e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    queue_.push_back(std::move(e));
    cv_.notify_all();
  }

 private:
  const std::string prefix_, ns_, labels_, fields_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;
  bool closed_ = false;
};

namespace {

std::string NotFoundMessage(const api::Kind& kind, std::string_view name) {
  std::string res = kind.group.empty() ? kind.plural : kind.plural + "." + kind.group;
  return res + " \"" + std::string(name) + "\" not found";
}

std::string Resource(const api::Kind& kind) {
  return kind.group.empty() ? kind.plural : kind.plural + "." + kind.group;
}

Status NotFoundStatus(const api::Kind& kind, std::string_view name) {
  Status s = Status::NotFound(NotFoundMessage(kind, name));
  s.WithDetails(kind.plural, kind.group, std::string(name));
  return s;
}

Status ConflictStatus(const api::Kind& kind, std::string_view name) {
  return Status::Conflict("Operation cannot be fulfilled on " + Resource(kind) + " \"" + std::string(name) +
                          "\": the object has been modified; please apply your changes to the latest "
                          "version and try again");
}

Json LabelsOf(const Json& obj) {
  const Json* l = Find(obj, {"metadata", "labels"});
  return l ? *l : Json();
}

}  // namespace

FakeClient::FakeClient() = default;

FakeClient::~FakeClient() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : streams_) s->Close();
}

std::string FakeClient::StoreKey(const api::Kind& kind, std::string_view ns, std::string_view name) const {
  return kind.KeyPrefix() + (kind.namespaced ? std::string(ns) + "/" : std::string()) + std::string(name);
}

void FakeClient::Record(std::string verb, const api::Kind& kind, std::string_view ns, std::string_view name,
                        std::string_view sub) {
  actions_.push_back({std::move(verb), kind.plural, std::string(ns), std::string(name), std::string(sub)});
}

void FakeClient::Commit(const api::Kind& kind, const std::string& key, const std::string& type, Json object,
                        Json old) {
  std::string prefix = kind.KeyPrefix();
  if (type == "DELETED") {
    objects_.erase(key);
  } else {
    objects_[key] = object;
  }
  last_rev_[prefix] = rv_;
  for (auto& s : streams_) s->Offer(prefix, type, object, old);
  history_.push_back({rv_, prefix, type, std::move(object), std::move(old)});
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [](auto& s) { return s->closed(); }),
                 streams_.end());
}

bool FakeClient::MaybeFinish(const api::Kind& kind, const std::string& key, Json* obj, const Json& old) {
  if (!IsBeingDeleted(*obj)) return false;
  const Json* f = Find(*obj, {"metadata", "finalizers"});
  if (f != nullptr && f->is_array() && !f->empty()) return false;
  if (kind.kind == "Namespace" && kind.group.empty()) {
    const Json* sf = Find(*obj, {"spec", "finalizers"});
    if (sf != nullptr && sf->is_array() && !sf->empty()) return false;
  }
  (*obj)["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Commit(kind, key, "DELETED", *obj, old);
  return true;
}

StatusOr<Json> FakeClient::Get(const api::Kind& kind, std::string_view ns, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  Record("get", kind, ns, name, "");
  auto it = objects_.find(StoreKey(kind, ns, name));
  if (it == objects_.end()) return NotFoundStatus(kind, name);
  return it->second;
}

StatusOr<Json> FakeClient::List(const api::Kind& kind, std::string_view ns, const ListOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  Record("list", kind, ns, "", "");
  std::string prefix = kind.KeyPrefix();
  if (kind.namespaced && !ns.empty()) prefix += std::string(ns) + "/";
  Json items = Json::array();
  for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    auto l = QuerySelectorMatches(options.label_selector, LabelsOf(it->second));
    if (!l.ok()) return l.status();
    auto f = FieldSelectorMatches(options.field_selector, it->second);
    if (!f.ok()) return f.status();
    if (*l && *f) items.push_back(it->second);
  }
  return Json{{"apiVersion", kind.ApiVersion()},
              {"kind", kind.kind + "List"},
              {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
              {"items", std::move(items)}};
}

StatusOr<Json> FakeClient::Create(const api::Kind& kind, std::string_view ns, const Json& object) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!object.is_object()) return Status::BadRequest("the object must be a JSON object");
  Json obj = object;
  Json& meta = obj["metadata"];
  if (!meta.is_object()) meta = Json::object();
  std::string name = meta.value("name", "");
  if (name.empty()) {
    std::string gen = meta.value("generateName", "");
    if (gen.empty()) return Status::Invalid("name or generateName is required");
    name = gen + RandomSuffix(5);
  }
  Record("create", kind, ns, name, "");
  meta["name"] = name;
  if (kind.namespaced) {
    if (ns.empty()) ns = "default";
    meta["namespace"] = std::string(ns);
    auto nsit = objects_.find("/registry/namespaces/" + std::string(ns));
    if (nsit != objects_.end() && IsBeingDeleted(nsit->second))
      return Status::Forbidden(Resource(kind) + " \"" + name + "\" is forbidden: unable to create new content in namespace " +
                               std::string(ns) + " because it is being terminated");
  } else {
    meta.erase("namespace");
  }
  std::string key = StoreKey(kind, ns, name);
  if (objects_.count(key)) {
    Status s = Status::AlreadyExists(Resource(kind) + " \"" + name + "\" already exists");
    s.WithDetails(kind.plural, kind.group, name);
    return s;
  }
  obj["apiVersion"] = kind.ApiVersion();
  obj["kind"] = kind.kind;
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = FormatTime(Now());
  meta["generation"] = 1;
  meta.erase("deletionTimestamp");
  if (kind.kind == "Namespace" && kind.group.empty()) {
    if (!Find(obj, {"spec", "finalizers"})) obj["spec"]["finalizers"] = Json::array({"kubernetes"});
    obj["status"]["phase"] = "Active";
    meta["labels"]["kubernetes.io/metadata.name"] = name;
  }
  if (kind.kind == "Pod" && kind.group.empty() && !Find(obj, {"status", "phase"})) obj["status"]["phase"] = "Pending";
  meta["resourceVersion"] = std::to_string(++rv_);
  Commit(kind, key, "ADDED", obj, nullptr);
  return obj;
}

StatusOr<Json> FakeClient::Update(const api::Kind& kind, std::string_view ns, const Json& object,
                                  std::string_view subresource) {
  std::lock_guard<std::mutex> lock(mu_);
  Record("update", kind, ns, NameOf(object), subresource);
  return UpdateLocked(kind, ns, object, subresource);
}

StatusOr<Json> FakeClient::UpdateLocked(const api::Kind& kind, std::string_view ns, const Json& object,
                                        std::string_view subresource) {
  if (!object.is_object()) return Status::BadRequest("the object must be a JSON object");
  std::string name = NameOf(object);
  if (kind.namespaced && ns.empty()) ns = NamespaceOf(object);
  std::string key = StoreKey(kind, ns, name);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundStatus(kind, name);
  const Json& cur = it->second;
  std::string rv = ResourceVersionOf(object);
  if (!rv.empty() && rv != ResourceVersionOf(cur)) return ConflictStatus(kind, name);
  Json old = cur;
  Json next;
  if (subresource == "status") {
    next = cur;
    if (object.contains("status")) next["status"] = object["status"];
    else next.erase("status");
  } else if (subresource == "finalize") {
    next = cur;
    next["spec"]["finalizers"] = Find(object, {"spec", "finalizers"}) ? object["spec"]["finalizers"] : Json::array();
  } else if (subresource.empty()) {
    next = object;
    // Immutable and server-owned metadata.
    for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                          "generation", "namespace", "name"}) {
      if (cur["metadata"].contains(f)) next["metadata"][f] = cur["metadata"][f];
      else next["metadata"].erase(f);
    }
    next["apiVersion"] = kind.ApiVersion();
    next["kind"] = kind.kind;
    if (cur.contains("status")) next["status"] = cur["status"];
    else next.erase("status");
    Json cur_spec = cur.contains("spec") ? cur["spec"] : Json();
    Json next_spec = next.contains("spec") ? next["spec"] : Json();
    if (kind.kind == "Namespace" && kind.group.empty()) next["spec"] = cur_spec;
    else if (cur_spec != next_spec) next["metadata"]["generation"] = GetInt(cur, {"metadata", "generation"}, 1) + 1;
    if (IsBeingDeleted(cur)) {
      // Finalizers may only be removed from an object being deleted.
      const Json* nf = Find(next, {"metadata", "finalizers"});
      if (nf != nullptr && nf->is_array())
        for (const Json& f : *nf)
          if (f.is_string() && !HasFinalizer(cur, f.get<std::string>()))
            return Status::Forbidden("no new finalizers can be added if the object is being deleted");
    }
  } else {
    return Status::NotFound("the server could not find the requested resource (subresource " +
                            std::string(subresource) + ")");
  }
  if (next == cur) return next;  // no-op writes keep the resourceVersion
  next["metadata"]["resourceVersion"] = std::to_string(++rv_);
  if (MaybeFinish(kind, key, &next, old)) return next;
  Commit(kind, key, "MODIFIED", next, old);
  return next;
}

StatusOr<Json> FakeClient::Patch(const api::Kind& kind, std::string_view ns, std::string_view name, PatchType type,
                                 const Json& patch, std::string_view subresource) {
  std::lock_guard<std::mutex> lock(mu_);
  Record("patch", kind, ns, name, subresource);
  auto it = objects_.find(StoreKey(kind, ns, name));
  if (it == objects_.end()) return NotFoundStatus(kind, name);
  Json doc = it->second;
  try {
    if (type == PatchType::kJson) {
      doc = doc.patch(patch);
    } else {
      doc.merge_patch(patch);
    }
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("the patch could not be applied: ") + e.what());
  }
  // A resourceVersion in the patch is a precondition; otherwise the patch
  // applies to the current version.
  return UpdateLocked(kind, ns, doc, subresource);
}

StatusOr<Json> FakeClient::Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                                  const DeleteOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  Record("delete", kind, ns, name, "");
  std::string key = StoreKey(kind, ns, name);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFoundStatus(kind, name);
  Json obj = it->second;
  if (!options.precondition_uid.empty() && options.precondition_uid != UidOf(obj))
    return Status::Conflict("Precondition failed: UID in precondition: " + options.precondition_uid +
                            ", UID in object meta: " + UidOf(obj));
  if (!options.precondition_resource_version.empty() &&
      options.precondition_resource_version != ResourceVersionOf(obj))
    return ConflictStatus(kind, name);
  Json old = obj;
  Json& fin = obj["metadata"]["finalizers"];
  if (!fin.is_array()) fin = Json::array();
  auto add_fin = [&](const char* f) {
    if (!HasFinalizer(obj, f)) fin.push_back(f);
  };
  if (options.propagation_policy == "Foreground") add_fin("foregroundDeletion");
  if (options.propagation_policy == "Orphan") add_fin("orphan");
  if (fin.empty()) obj["metadata"].erase("finalizers");
  bool is_ns = kind.kind == "Namespace" && kind.group.empty();
  bool blocked = !fin.is_null() && obj["metadata"].contains("finalizers");
  if (is_ns) {
    const Json* sf = Find(obj, {"spec", "finalizers"});
    blocked = blocked || (sf != nullptr && sf->is_array() && !sf->empty());
  }
  if (!blocked) {
    obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
    Commit(kind, key, "DELETED", obj, old);
    return obj;
  }
  if (!IsBeingDeleted(obj)) {
    obj["metadata"]["deletionTimestamp"] = FormatTime(Now());
    obj["metadata"]["deletionGracePeriodSeconds"] = 0;
  }
  if (is_ns) obj["status"]["phase"] = "Terminating";
  if (obj == old) return obj;
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Commit(kind, key, "MODIFIED", obj, old);
  return obj;
}

StatusOr<Json> FakeClient::CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                             std::string_view subresource, const Json& body) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Record("create", kind, ns, name, subresource);
    if (kind.kind == "Pod" && subresource == "binding") {
      std::string key = StoreKey(kind, ns, name);
      auto it = objects_.find(key);
      if (it == objects_.end()) return NotFoundStatus(kind, name);
      std::string node = GetString(body, {"target", "name"});
      if (node.empty()) return Status::Invalid("Binding.target.name: Required value");
      Json pod = it->second;
      std::string cur = GetString(pod, {"spec", "nodeName"});
      if (!cur.empty())
        return Status::Conflict("Operation cannot be fulfilled on pods/binding \"" + std::string(name) +
                                "\": pod " + std::string(name) + " is already assigned to node \"" + cur + "\"");
      Json old = pod;
      pod["spec"]["nodeName"] = node;
      Json& conds = pod["status"]["conditions"];
      if (!conds.is_array()) conds = Json::array();
      Json cond = {{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                   {"lastTransitionTime", FormatTime(Now())}};
      bool replaced = false;
      for (Json& c : conds)
        if (c.value("type", "") == "PodScheduled") c = cond, replaced = true;
      if (!replaced) conds.push_back(cond);
      pod["metadata"]["resourceVersion"] = std::to_string(++rv_);
      Commit(kind, key, "MODIFIED", pod, old);
      return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}, {"code", 201}};
    }
    if (kind.kind != "Pod" || subresource != "eviction")
      return Status::NotFound("the server could not find the requested resource");
  }
  auto r = Delete(kind, ns, name, {});
  if (!r.ok()) return r.status();
  return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}, {"code", 201}};
}

StatusOr<std::unique_ptr<WatchStream>> FakeClient::Watch(const api::Kind& kind, std::string_view ns,
                                                         const ListOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  Record("watch", kind, ns, "", "");
  std::string prefix = kind.KeyPrefix();
  auto l = QuerySelectorMatches(options.label_selector, Json());
  if (!l.ok()) return l.status();
  auto stream = std::make_shared<Stream>(prefix, kind.namespaced ? std::string(ns) : std::string(),
                                         options.label_selector, options.field_selector);
  const std::string& rvs = options.resource_version;
  if (rvs.empty() || rvs == "0") {
    std::string p = prefix;
    if (kind.namespaced && !ns.empty()) p += std::string(ns) + "/";
    for (auto it = objects_.lower_bound(p); it != objects_.end() && it->first.rfind(p, 0) == 0; ++it)
      stream->Offer(prefix, "ADDED", it->second, nullptr);
  } else {
    int64_t from = 0;
    try {
      from = std::stoll(rvs);
    } catch (...) {
      return Status::BadRequest("invalid resource version \"" + rvs + "\"");
    }
    if (from < history_floor_) return Status::Gone("too old resource version: " + rvs + " (" +
                                                   std::to_string(history_floor_) + ")");
    for (const Event& e : history_)
      if (e.rv > from) stream->Offer(e.prefix, e.type, e.object, e.old);
  }
  streams_.push_back(stream);
  // The caller owns a handle; the shared state stays reachable for Commit.
  struct Handle : WatchStream {
    std::shared_ptr<Stream> s;
    explicit Handle(std::shared_ptr<Stream> st) : s(std::move(st)) {}
    ~Handle() override { s->Close(); }
    bool Next(WatchEvent* e, std::chrono::milliseconds t) override { return s->Next(e, t); }
    void Close() override { s->Close(); }
  };
  return std::unique_ptr<WatchStream>(std::make_unique<Handle>(stream));
}

int64_t FakeClient::LastRevision(const api::Kind& kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_rev_.find(kind.KeyPrefix());
  return it == last_rev_.end() ? 0 : it->second;
}

void FakeClient::CloseAllWatches() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : streams_) s->Close();
  streams_.clear();
}

void FakeClient::ExpireHistory() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  history_floor_ = rv_;
  for (auto& s : streams_)
    s->Push({"ERROR", Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                           {"reason", "Expired"}, {"code", 410}, {"message", "too old resource version"}}});
  streams_.clear();
}

std::vector<Action> FakeClient::actions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return actions_;
}

void FakeClient::ClearActions() {
  std::lock_guard<std::mutex> lock(mu_);
  actions_.clear();
}

std::vector<Json> FakeClient::Objects(const api::Kind& kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  std::string p = kind.KeyPrefix();
  for (auto it = objects_.lower_bound(p); it != objects_.end() && it->first.rfind(p, 0) == 0; ++it)
    out.push_back(it->second);
  return out;
}

}  // namespace netkube::client
