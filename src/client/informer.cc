#include "client/informer.h"

#include "client/meta.h"
#include "util/log.h"

namespace netkube::client {
namespace {

std::vector<std::string> OwnerUids(const Json& obj) {
  std::vector<std::string> out;
  const Json* refs = Find(obj, {"metadata", "ownerReferences"});
  if (refs != nullptr && refs->is_array())
    for (const Json& r : *refs)
      if (r.is_object() && r.contains("uid") && r["uid"].is_string()) out.push_back(r["uid"].get<std::string>());
  return out;
}

std::vector<std::string> NodeNames(const Json& obj) {
  std::string n = GetString(obj, {"spec", "nodeName"});
  if (n.empty()) return {};
  return {n};
}

int64_t ParseRv(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (...) {
    return 0;
  }
}

constexpr std::chrono::milliseconds kPoll{100};

}  // namespace

Informer::Informer(Client& client, const api::Kind& kind, InformerOptions options)
    : client_(client), kind_(kind), options_(std::move(options)) {
  index_fns_[kIndexOwnerUid] = OwnerUids;
  index_fns_[kIndexNodeName] = NodeNames;
}

Informer::~Informer() { Stop(); }

void Informer::AddHandler(EventHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::AddIndex(std::string name, IndexFunc fn) { index_fns_[std::move(name)] = std::move(fn); }

void Informer::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool Informer::Sleep(std::chrono::milliseconds d) {
  auto deadline = std::chrono::steady_clock::now() + d;
  while (!stop_.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return !stop_.load();
}

void Informer::Run() {
  std::chrono::milliseconds backoff{100};
  auto next_resync = std::chrono::steady_clock::now() + options_.resync;
  while (!stop_.load()) {
    std::string rv = ListAndReplace();
    if (rv.empty()) {
      if (!Sleep(backoff)) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    // Watch until the stream ends; rewatch from the last seen version while we can.
    bool relist = false;
    while (!stop_.load() && !relist) {
      ListOptions lo;
      lo.label_selector = options_.label_selector;
      lo.field_selector = options_.field_selector;
      lo.resource_version = rv;
      lo.allow_bookmarks = true;
      auto w = client_.Watch(kind_, options_.ns, lo);
      if (!w.ok()) {
        LOG_V(2) << "watch " << kind_.plural << ": " << w.status().ToString();
        relist = true;
        if (!w.status().IsGone()) Sleep(backoff);
        break;
      }
      std::unique_ptr<WatchStream> stream = std::move(*w);
      WatchEvent ev;
      auto opened = std::chrono::steady_clock::now();
      bool got_event = false;
      while (!stop_.load()) {
        if (options_.resync.count() > 0 && std::chrono::steady_clock::now() >= next_resync) {
          Resync();
          next_resync = std::chrono::steady_clock::now() + options_.resync;
        }
        if (!stream->Next(&ev, kPoll)) {
          // Ended: rewatch from rv, but not in a hot loop if streams end at once.
          if (!got_event && std::chrono::steady_clock::now() - opened < std::chrono::milliseconds(50))
            Sleep(std::chrono::milliseconds(100));
          break;
        }
        if (ev.type.empty()) continue;
        got_event = true;
        if (ev.type == "ERROR") {
          LOG_V(2) << "watch " << kind_.plural << " error: " << ev.object.dump();
          relist = true;
          break;
        }
        std::string erv = GetString(ev.object, {"metadata", "resourceVersion"});
        if (!erv.empty()) rv = erv;
        if (ev.type == "BOOKMARK") {
          last_rv_ = ParseRv(rv);
          continue;
        }
        Apply(ev.type, std::move(ev.object));
        last_rv_ = ParseRv(rv);
      }
      stream->Close();
    }
  }
}

std::string Informer::ListAndReplace() {
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.field_selector = options_.field_selector;
  auto list = client_.List(kind_, options_.ns, lo);
  if (!list.ok()) {
    LOG_WARN << "list " << kind_.plural << ": " << list.status().ToString();
    return "";
  }
  std::string rv = GetString(*list, {"metadata", "resourceVersion"});
  if (rv.empty()) rv = "0";
  std::map<std::string, ObjectPtr> fresh;
  if (auto it = list->find("items"); it != list->end() && it->is_array()) {
    for (Json& item : *it) {
      if (!item.contains("kind")) {
        item["kind"] = kind_.kind;
        item["apiVersion"] = kind_.ApiVersion();
      }
      if (options_.transform) options_.transform(item);
      std::string key = KeyOf(item);
      fresh[key] = std::make_shared<const Json>(std::move(item));
    }
  }
  std::vector<std::string> gone;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (const auto& [k, v] : items_)
      if (!fresh.count(k)) gone.push_back(k);
  }
  for (const std::string& k : gone) {
    ObjectPtr old = Get(k.find('/') == std::string::npos ? "" : k.substr(0, k.find('/')),
                        k.find('/') == std::string::npos ? k : k.substr(k.find('/') + 1));
    Erase(k);
    if (old) Notify("DELETED", old, old);
  }
  for (auto& [k, obj] : fresh) {
    ObjectPtr old;
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      auto it = items_.find(k);
      if (it != items_.end()) old = it->second;
    }
    if (old && ResourceVersionOf(*old) == ResourceVersionOf(*obj)) continue;
    Upsert(k, obj);
    Notify(old ? "MODIFIED" : "ADDED", old, obj);
  }
  last_rv_ = ParseRv(rv);
  synced_ = true;
  return rv;
}

void Informer::Apply(const std::string& type, Json object) {
  if (options_.transform) options_.transform(object);
  std::string key = KeyOf(object);
  ObjectPtr old;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = items_.find(key);
    if (it != items_.end()) old = it->second;
  }
  auto obj = std::make_shared<const Json>(std::move(object));
  if (type == "DELETED") {
    Erase(key);
    Notify("DELETED", old ? old : obj, obj);
    return;
  }
  Upsert(key, obj);
  Notify(old ? "MODIFIED" : "ADDED", old, obj);
}

void Informer::Upsert(const std::string& key, ObjectPtr obj) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto it = items_.find(key);
  if (it != items_.end()) {
    for (auto& [name, fn] : index_fns_)
      for (const std::string& v : fn(*it->second)) {
        auto& keys = indexes_[name][v];
        keys.erase(key);
        if (keys.empty()) indexes_[name].erase(v);
      }
  }
  for (auto& [name, fn] : index_fns_)
    for (const std::string& v : fn(*obj)) indexes_[name][v].insert(key);
  items_[key] = std::move(obj);
}

void Informer::Erase(const std::string& key) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return;
  for (auto& [name, fn] : index_fns_)
    for (const std::string& v : fn(*it->second)) {
      auto& keys = indexes_[name][v];
      keys.erase(key);
      if (keys.empty()) indexes_[name].erase(v);
    }
  items_.erase(it);
}

void Informer::Notify(const std::string& type, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
  if (stop_.load()) return;
  for (const EventHandler& h : handlers_) {
    try {
      if (type == "ADDED" && h.on_add) h.on_add(new_obj);
      if (type == "MODIFIED" && h.on_update) h.on_update(old_obj, new_obj);
      if (type == "DELETED" && h.on_delete) h.on_delete(new_obj);
    } catch (const std::exception& e) {
      LOG_WARN << "informer " << kind_.plural << ": handler failed: " << e.what();
    }
  }
}

void Informer::Resync() {
  for (const ObjectPtr& o : List("")) Notify("MODIFIED", o, o);
}

ObjectPtr Informer::Get(std::string_view ns, std::string_view name) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = items_.find(kind_.namespaced ? KeyOf(ns, name) : std::string(name));
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::List(std::string_view ns, const std::function<bool(const Json&)>& pred) const {
  std::vector<ObjectPtr> out;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (ns.empty() || !kind_.namespaced) {
    for (const auto& [k, v] : items_)
      if (!pred || pred(*v)) out.push_back(v);
    return out;
  }
  std::string prefix = std::string(ns) + "/";
  for (auto it = items_.lower_bound(prefix); it != items_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    if (!pred || pred(*it->second)) out.push_back(it->second);
  return out;
}

std::vector<ObjectPtr> Informer::ByIndex(std::string_view index, std::string_view value) const {
  std::vector<ObjectPtr> out;
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto idx = indexes_.find(std::string(index));
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(std::string(value));
  if (keys == idx->second.end()) return out;
  for (const std::string& k : keys->second) {
    auto it = items_.find(k);
    if (it != items_.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace netkube::client
