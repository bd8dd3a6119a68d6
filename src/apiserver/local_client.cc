#include "apiserver/local_client.h"

#include "apiserver/objects.h"

namespace netkube::apiserver {

using client::Json;

namespace {

class LocalWatch : public client::WatchStream {
 public:
  LocalWatch(Registry& registry, const api::Kind& kind, ListParams params, std::unique_ptr<store::Watcher> w,
             std::vector<client::WatchEvent> initial)
      : registry_(registry), kind_(kind), params_(std::move(params)), w_(std::move(w)) {
    for (auto& e : initial) pending_.push_back(std::move(e));
  }
  ~LocalWatch() override { Close(); }

  bool Next(client::WatchEvent* event, std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.empty()) {
      if (done_) return false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        event->type.clear();
        return true;
      }
      std::vector<store::Event> evs;
      if (!w_->Next(&evs, left)) {
        Status s = w_->status();
        done_ = true;
        if (!s.ok()) {
          client::WatchEvent err;
          err.type = "ERROR";
          err.object = StatusObject(s);
          pending_.push_back(std::move(err));
        }
      }
      for (const auto& ev : evs) Convert(ev);
    }
    *event = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return true;
  }

  void Close() override {
    if (w_) w_->Close();
    done_ = true;
  }

 private:
  void Convert(const store::Event& ev) {
    auto sel = registry_.Select(kind_, ev, params_);
    if (!sel) return;
    client::WatchEvent out;
    out.type = sel->type;
    out.object = Json::parse(*sel->json);
    if (sel->revision_override != 0) out.object["metadata"]["resourceVersion"] = std::to_string(sel->revision_override);
    pending_.push_back(std::move(out));
  }

  Registry& registry_;
  const api::Kind& kind_;
  ListParams params_;
  std::unique_ptr<store::Watcher> w_;
  std::vector<client::WatchEvent> pending_;
  bool done_ = false;
};

client::Json ToJson(const std::shared_ptr<const Json>& p) { return *p; }

}  // namespace

StatusOr<ListParams> LocalClient::Params(const api::Kind& kind, const client::ListOptions& o) {
  ListParams p;
  if (!o.label_selector.empty()) {
    auto ls = api::LabelSelector::Parse(o.label_selector);
    if (!ls.ok()) return ls.status();
    p.labels = std::move(*ls);
  }
  if (!o.field_selector.empty()) {
    auto fs = api::FieldSelector::Parse(o.field_selector);
    if (!fs.ok()) return fs.status();
    for (const auto& r : fs->requirements())
      if (!api::IsSelectableField(kind, r.key)) return Status::BadRequest("field label not supported: " + r.key);
    p.fields = std::move(*fs);
  }
  p.limit = o.limit;
  p.continue_token = o.continue_token;
  return p;
}

StatusOr<Json> LocalClient::Get(const api::Kind& kind, std::string_view ns, std::string_view name) {
  auto r = registry_.Get(kind, ns, name);
  if (!r.ok()) return r.status();
  return Json::parse(*r->json);
}

StatusOr<Json> LocalClient::List(const api::Kind& kind, std::string_view ns, const client::ListOptions& options) {
  auto p = Params(kind, options);
  if (!p.ok()) return p.status();
  auto r = registry_.List(kind, ns, *p);
  if (!r.ok()) return r.status();
  Json items = Json::array();
  for (const auto& it : r->items) items.push_back(Json::parse(*it.json));
  Json md = {{"resourceVersion", std::to_string(r->revision)}};
  if (!r->continue_token.empty()) md["continue"] = r->continue_token;
  return Json{{"kind", kind.kind + "List"}, {"apiVersion", kind.ApiVersion()}, {"metadata", md}, {"items", items}};
}

StatusOr<Json> LocalClient::Create(const api::Kind& kind, std::string_view ns, const Json& object) {
  auto r = registry_.Create(kind, ns, object, {});
  if (!r.ok()) return r.status();
  return ToJson(r->object);
}

StatusOr<Json> LocalClient::Update(const api::Kind& kind, std::string_view ns, const Json& object,
                                   std::string_view subresource) {
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  auto r = registry_.Update(kind, ns, name, object, subresource, {});
  if (!r.ok()) return r.status();
  return ToJson(r->object);
}

StatusOr<Json> LocalClient::Patch(const api::Kind& kind, std::string_view ns, std::string_view name,
                                  client::PatchType type, const Json& patch, std::string_view subresource) {
  PatchKind pk = type == client::PatchType::kJson    ? PatchKind::kJson
                 : type == client::PatchType::kMerge ? PatchKind::kMerge
                                                     : PatchKind::kStrategicMerge;
  auto r = registry_.Patch(kind, ns, name, pk, patch, subresource, {});
  if (!r.ok()) return r.status();
  return ToJson(r->object);
}

StatusOr<Json> LocalClient::Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                                   const client::DeleteOptions& o) {
  DeleteParams d;
  d.propagation_policy = o.propagation_policy;
  d.grace_period_seconds = o.grace_period_seconds;
  d.precondition_uid = o.precondition_uid;
  d.precondition_resource_version = o.precondition_resource_version;
  auto r = registry_.Delete(kind, ns, name, d);
  if (!r.ok()) return r.status();
  return ToJson(r->object);
}

StatusOr<Json> LocalClient::CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                              std::string_view subresource, const Json& body) {
  auto r = registry_.CreateSubresource(kind, ns, name, subresource, body);
  if (!r.ok()) return r.status();
  return ToJson(r->object);
}

StatusOr<std::unique_ptr<client::WatchStream>> LocalClient::Watch(const api::Kind& kind, std::string_view ns,
                                                                  const client::ListOptions& options) {
  auto p = Params(kind, options);
  if (!p.ok()) return p.status();
  std::string prefix = kind.KeyPrefix();
  if (kind.namespaced && !ns.empty()) prefix += std::string(ns) + "/";
  int64_t after = 0;
  std::vector<client::WatchEvent> initial;
  if (options.resource_version.empty() || options.resource_version == "0") {
    ListParams all = *p;
    all.limit = 0;
    all.continue_token.clear();
    auto list = registry_.List(kind, ns, all);
    if (!list.ok()) return list.status();
    after = list->revision;
    for (const auto& it : list->items) initial.push_back({"ADDED", Json::parse(*it.json)});
  } else {
    try {
      after = std::stoll(options.resource_version);
    } catch (...) {
      return Status::BadRequest("invalid resource version: " + options.resource_version);
    }
  }
  auto w = registry_.store().Watch(prefix, store::PrefixEnd(prefix), after);
  if (!w.ok()) return w.status();
  return std::unique_ptr<client::WatchStream>(
      new LocalWatch(registry_, kind, std::move(*p), std::move(*w), std::move(initial)));
}

}  // namespace netkube::apiserver
