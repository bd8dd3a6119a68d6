#include "client/event_recorder.h"

#include <atomic>
#include <cstdio>

#include "client/meta.h"
#include "util/log.h"

namespace netkube::client {

void EventRecorder::Record(const Json& object, std::string_view type, std::string_view reason,
                           std::string_view message) {
  const api::Kind& events = KindOf("", "Event");
  std::string ns = NamespaceOf(object);
  if (ns.empty()) ns = "default";
  std::string now = FormatTime(Now());
  std::string dedup = UidOf(object) + "|" + std::string(type) + "|" + std::string(reason) + "|" + std::string(message);
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = seen_.find(dedup);
    if (it != seen_.end()) {
      Seen s = it->second;
      ++it->second.count;
      lock.unlock();
      Json patch = {{"count", s.count + 1}, {"lastTimestamp", now}};
      auto r = client_.Patch(events, s.ns, s.name, PatchType::kMerge, patch);
      if (r.ok()) return;
      lock.lock();
      seen_.erase(dedup);
    }
  }
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(Now().time_since_epoch()).count();
  static std::atomic<int64_t> seq{0};
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos + seq.fetch_add(1)));
  std::string name = NameOf(object) + "." + hex;
  Json involved = {{"kind", object.value("kind", "")},
                   {"apiVersion", object.value("apiVersion", "")},
                   {"name", NameOf(object)},
                   {"uid", UidOf(object)},
                   {"resourceVersion", ResourceVersionOf(object)}};
  if (!NamespaceOf(object).empty()) involved["namespace"] = NamespaceOf(object);
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"involvedObject", involved},
             {"reason", std::string(reason)},
             {"message", std::string(message)},
             {"type", std::string(type)},
             {"source", {{"component", component_}}},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"count", 1},
             {"eventTime", nullptr},
             {"reportingComponent", component_},
             {"reportingInstance", ""}};
  auto r = client_.Create(events, ns, ev);
  if (!r.ok()) {
    LOG_V(2) << "event " << reason << " on " << KeyOf(object) << ": " << r.status().ToString();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.size() > 4096) seen_.clear();
  seen_[dedup] = {ns, name, 1};
}

}  // namespace netkube::client
