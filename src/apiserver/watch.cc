#include "apiserver/watch.h"

#include <chrono>
#include <random>

#include <nlohmann/json.hpp>

#include "apiserver/objects.h"
#include "apiserver/table.h"

namespace netkube::apiserver {

using nlohmann::json;

namespace {

std::string StatusEvent(const Status& s) {
  return json{{"type", "ERROR"}, {"object", StatusObject(s)}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

class Encoder {
 public:
  Encoder(const api::Kind& kind, const WatchParams& p) : kind_(kind), p_(p) {}

  // `raw` is the object's stored JSON.
  std::string Event(const char* type, const std::string& raw) {
    if (!p_.table) return std::string("{\"type\":\"") + type + "\",\"object\":" + raw + "}\n";
    json obj = json::parse(raw);
    return EventJson(type, obj);
  }
  std::string EventJson(const char* type, const json& obj) {
    if (!p_.table) return json{{"type", type}, {"object", obj}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::vector<const json*> one = {&obj};
    json t = ToTable(kind_, one, p_.include_object, obj["metadata"].value("resourceVersion", ""), "", true);
    return json{{"type", type}, {"object", t}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  std::string Bookmark(int64_t rev, bool initial_end) {
    json md = {{"resourceVersion", std::to_string(rev)}};
    if (initial_end) md["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    json obj = {{"kind", kind_.kind}, {"apiVersion", kind_.ApiVersion()}, {"metadata", md}};
    return json{{"type", "BOOKMARK"}, {"object", obj}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }

 private:
  const api::Kind& kind_;
  const WatchParams& p_;
};

}  // namespace

void ServeWatch(Registry& registry, Metrics& metrics, const api::Kind& kind, const std::string& ns,
                const WatchParams& params, ResponseWriter& w) {
  std::string prefix = kind.KeyPrefix();
  if (kind.namespaced && !ns.empty()) prefix += ns + "/";
  Encoder enc(kind, params);
  int64_t after = 0;
  std::string initial;
  bool initial_events = params.resource_version.empty() || params.resource_version == "0" || params.send_initial_events;
  if (!initial_events) {
    try {
      after = std::stoll(params.resource_version);
    } catch (...) {
      w.Send({400, "application/json", {},
              StatusObject(Status::BadRequest("invalid resource version: " + params.resource_version))
                  .dump(-1, ' ', false, json::error_handler_t::replace)});
      return;
    }
  } else {
    ListParams all = params.list;
    all.limit = 0;
    all.continue_token.clear();
    auto list = registry.List(kind, ns, all);
    if (!list.ok()) {
      w.Send({list.status().HttpCode(), "application/json", {}, StatusEvent(list.status())});
      return;
    }
    after = list->revision;
    for (const auto& item : list->items) initial += enc.Event("ADDED", *item.json);
    if (params.send_initial_events && params.bookmarks) initial += enc.Bookmark(after, true);
  }
  auto watcher = registry.store().Watch(prefix, store::PrefixEnd(prefix), after);
  if (!w.StartStream(200, "application/json")) return;
  metrics.WatchStarted(kind.plural);
  struct Done {
    Metrics& m;
    const std::string& r;
    ~Done() { m.WatchEnded(r); }
  } done{metrics, kind.plural};
  if (!watcher.ok()) {
    w.Write(StatusEvent(watcher.status()));
    return;
  }
  if (!initial.empty() && !w.Write(initial)) return;

  using Clock = std::chrono::steady_clock;
  // Streams end after timeoutSeconds, or after 30–60 minutes as kube-apiserver's do.
  int timeout = params.timeout_seconds;
  if (timeout <= 0) timeout = 1800 + static_cast<int>(std::random_device{}() % 1800);
  const auto deadline = Clock::now() + std::chrono::seconds(timeout);
  auto next_bookmark = Clock::now() + std::chrono::seconds(10);
  int64_t last_rev = after;
  std::vector<store::Event> events;
  while (w.Alive() && Clock::now() < deadline) {
    events.clear();
    bool open = (*watcher)->Next(&events, std::chrono::milliseconds(500));
    std::string out;
    for (const auto& ev : events) {
      last_rev = ev.kv.mod_revision;
      auto sel = registry.Select(kind, ev, params.list);
      if (!sel) continue;
      if (sel->revision_override == 0) {
        out += enc.Event(sel->type, *sel->json);
        continue;
      }
      json obj = json::parse(*sel->json, nullptr, false);
      if (!obj.is_object()) continue;
      obj["metadata"]["resourceVersion"] = std::to_string(sel->revision_override);
      out += enc.EventJson(sel->type, obj);
    }
    if (!out.empty() && !w.Write(out)) return;
    if (!open) {
      Status s = (*watcher)->status();
      if (!s.ok()) w.Write(StatusEvent(s));
      return;
    }
    if (params.bookmarks && Clock::now() >= next_bookmark) {
      if (!w.Write(enc.Bookmark(last_rev, false))) return;
      next_bookmark = Clock::now() + std::chrono::seconds(10);
    }
  }
}

}  // namespace netkube::apiserver
