// Scheduler: binds pending pods to nodes, as kube-scheduler does.
//
// A pod is pending when it has no spec.nodeName, its schedulerName is
// "default-scheduler" (or unset), and it is neither terminal nor being
// deleted. Sync(ns/name) runs SchedulePod (scheduling.h) over the cached nodes
// and pods; on success it creates the pods/{name}/binding subresource and an
// Event Scheduled "Successfully assigned <ns>/<name> to <node>"; on failure it
// sets the pod condition PodScheduled=False reason Unschedulable with the
// scheduler's message (status subresource) and an Event FailedScheduling
// (Warning). Pending pods are retried when nodes change or a bound pod goes
// away, and every minute.
//
// Bindings this scheduler made but the cache does not show yet are "assumed",
// so pods scheduled in a burst spread over the nodes.
//
// Thread-safety: as client::Controller; run it with one worker, as
// kube-scheduler schedules one pod at a time.
#pragma once

#include <map>
#include <mutex>

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/shared_informers.h"

namespace netkube::controllers {

inline constexpr char kDefaultScheduler[] = "default-scheduler";

class Scheduler : public client::Controller {
 public:
  // `events` should carry the component "default-scheduler".
  Scheduler(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events);
  Status Sync(const std::string& key) override;

  static bool IsPending(const client::Json& pod);

 private:
  void EnqueuePending();

  client::Client& client_;
  client::Informer& pods_;
  client::Informer& nodes_;
  client::EventRecorder& events_;
  std::mutex mu_;
  std::map<std::string, std::string> assumed_;  // pod key -> node
};

}  // namespace netkube::controllers
