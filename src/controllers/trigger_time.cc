#include "controllers/trigger_time.h"

namespace netkube::controllers {

using client::TimePoint;

namespace {

std::optional<TimePoint> PodTriggerTime(const client::Json& pod) {
  const client::Json* ready = client::FindCondition(pod, "Ready");
  if (ready == nullptr) return std::nullopt;
  return client::ParseTime(ready->value("lastTransitionTime", ""));
}

void KeepMin(std::optional<TimePoint>* min, TimePoint t) {
  if (!*min || t < **min) *min = t;
}

}  // namespace

std::optional<TimePoint> TriggerTimeTracker::Compute(const client::Json& svc,
                                                     const std::vector<client::ObjectPtr>& pods) {
  std::string key = client::KeyOf(svc);
  State previous;
  bool known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = states_.find(key);
    known = it != states_.end();
    if (known) previous = it->second;
  }
  State next;
  std::optional<TimePoint> min_changed;
  for (const client::ObjectPtr& pod : pods) {
    std::optional<TimePoint> t = PodTriggerTime(*pod);
    if (!t) continue;
    std::string name = client::NameOf(*pod);
    next.pods[name] = *t;
    auto old = previous.pods.find(name);
    if (old == previous.pods.end() || *t > old->second) KeepMin(&min_changed, *t);
  }
  next.service = client::ParseTime(client::GetString(svc, {"metadata", "creationTimestamp"}));
  if (next.service && (!previous.service || *next.service > *previous.service)) KeepMin(&min_changed, *next.service);
  {
    std::lock_guard<std::mutex> lock(mu_);
    states_[key] = std::move(next);
  }
  if (!known) return client::ParseTime(client::GetString(svc, {"metadata", "creationTimestamp"}));
  return min_changed;
}

void TriggerTimeTracker::Forget(const std::string& service_key) {
  std::lock_guard<std::mutex> lock(mu_);
  states_.erase(service_key);
}

}  // namespace netkube::controllers
