// TriggerTimeTracker: the value of the endpoints.kubernetes.io/last-change-
// trigger-time annotation, as Kubernetes' TriggerTimeTracker computes it.
//
// The trigger time of a pod is the lastTransitionTime of its Ready condition;
// that of a service is its creationTimestamp. For a service seen for the first
// time, Compute returns the service's creationTimestamp; afterwards it returns
// the earliest trigger time that changed since the previous Compute for that
// service (nullopt when none did). Forget drops a deleted service's state.
//
// Thread-safety: safe for concurrent use (one mutex); calls for one service
// are expected from one worker at a time (the work queue guarantees it).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/informer.h"
#include "client/meta.h"

namespace netkube::controllers {

class TriggerTimeTracker {
 public:
  std::optional<client::TimePoint> Compute(const client::Json& svc, const std::vector<client::ObjectPtr>& pods);
  void Forget(const std::string& service_key);

 private:
  struct State {
    std::map<std::string, client::TimePoint> pods;  // pod name -> trigger time
    std::optional<client::TimePoint> service;
  };
  std::mutex mu_;
  std::map<std::string, State> states_;  // service key -> state
};

}  // namespace netkube::controllers
