// NodeLifecycleController: node health, node taints and taint-based eviction,
// as Kubernetes' node lifecycle controller does.
//
// Health: a node's last heartbeat is the newest of its Lease
// (kube-node-lease/<node>, spec.renewTime), its Ready condition's
// lastHeartbeatTime and the time this controller first saw the node. When that
// is older than the grace period, the controller sets the Ready condition (and
// MemoryPressure/DiskPressure/PIDPressure when present) to Unknown with reason
// NodeStatusUnknown (a node that never posted Ready gets Ready=Unknown with
// reason NodeStatusNeverUpdated), through nodes/status, and records a
// NodeNotReady event. Recovery is the node agent's job: it sets Ready=True.
//
// Taints (merge patches of spec.taints with the resourceVersion as
// precondition): Ready=False -> node.kubernetes.io/not-ready NoSchedule +
// NoExecute; Ready=Unknown -> node.kubernetes.io/unreachable NoSchedule +
// NoExecute; Ready=True -> neither; spec.unschedulable ->
// node.kubernetes.io/unschedulable NoSchedule. NoExecute taints carry
// timeAdded.
//
// Pods on a node that is not Ready get their Ready condition set to False
// (pods/status). Pods on a node with NoExecute taints are deleted at once when
// they do not tolerate one, at timeAdded + the smallest tolerationSeconds of
// their matching tolerations otherwise (the node is requeued for then), and
// never when no matching toleration has tolerationSeconds.
//
// Keys are node names; the key kMonitorKey re-enqueues every node and itself
// every monitor period, since a missing heartbeat produces no event. Time is
// client::Now() (injectable for tests).
//
// Thread-safety: as client::Controller.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/meta.h"
#include "client/shared_informers.h"

namespace netkube::controllers {

struct NodeLifecycleOptions {
  std::chrono::milliseconds grace_period{std::chrono::seconds(40)};
  std::chrono::milliseconds monitor_period{std::chrono::seconds(5)};
};

class NodeLifecycleController : public client::Controller {
 public:
  static constexpr char kMonitorKey[] = "__monitor__";

  NodeLifecycleController(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events,
                          NodeLifecycleOptions options = {});
  Status Sync(const std::string& key) override;

 private:
  // The newest heartbeat of the node (see above).
  client::TimePoint LastHeartbeat(const client::Json& node);
  // Sets the conditions Unknown when the heartbeat is stale; returns the node
  // as it is afterwards.
  StatusOr<client::Json> CheckHealth(const client::Json& node, client::TimePoint now);
  StatusOr<client::Json> SyncTaints(const client::Json& node, client::TimePoint now);
  Status MarkPodsNotReady(const std::string& node, client::TimePoint now);
  Status EvictPods(const client::Json& node, client::TimePoint now);
  client::TimePoint FirstSeen(const std::string& key, client::TimePoint now);

  client::Client& client_;
  client::Informer& nodes_;
  client::Informer& pods_;
  client::Informer& leases_;
  client::EventRecorder& events_;
  const NodeLifecycleOptions options_;
  std::mutex mu_;
  std::map<std::string, client::TimePoint> first_seen_;  // node, or node|taint without timeAdded
};

}  // namespace netkube::controllers
