// DeploymentController: rolls Deployments out through ReplicaSets, as
// Kubernetes' deployment controller does.
//
// The new ReplicaSet of a Deployment is the one whose template equals the
// Deployment's (ignoring the pod-template-hash label); it is created as
// "<deployment>-<hash>" with the hash label on its selector and template, the
// revision annotation (max old revision + 1; a rollback re-uses and re-numbers
// an old ReplicaSet, recording revision-history) and desired/max-replicas.
// Strategies: RollingUpdate (maxSurge rounds up, maxUnavailable rounds down)
// and Recreate (scale old to 0, wait for their pods to go, then scale up).
// Paused deployments are only scaled. Old ReplicaSets beyond
// revisionHistoryLimit with no replicas are deleted. Status and the
// Available/Progressing conditions carry Kubernetes' reasons and messages, so
// `kubectl rollout status` finishes. Events: ScalingReplicaSet on the
// Deployment.
//
// Thread-safety: as client::Controller.
#pragma once

#include <vector>

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/shared_informers.h"

namespace netkube::controllers {

class DeploymentController : public client::Controller {
 public:
  DeploymentController(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events);
  Status Sync(const std::string& key) override;

 private:
  // One sync's working copy: the deployment and its ReplicaSets, kept current
  // with every write this sync makes.
  struct State {
    client::Json d;
    std::vector<client::Json> rss;  // owned, oldest first
    int new_rs = -1;                // index into rss, -1 when none
    std::vector<client::Json> Old() const;
    std::vector<client::Json> All() const { return rss; }
    const client::Json* New() const { return new_rs >= 0 ? &rss[new_rs] : nullptr; }
  };

  void EnqueueOwnerOfRs(const client::Json& rs);
  Status Load(const std::string& ns, const std::string& name, State* st, bool* gone);
  // Finds (creating it when `create`) the new ReplicaSet and syncs revisions.
  Status SyncRevision(State* st, bool create);
  StatusOr<bool> ScaleRs(State* st, size_t idx, int64_t replicas);
  Status Scale(State* st);
  bool IsScalingEvent(const State& st) const;
  Status RolloutRolling(State* st);
  Status RolloutRecreate(State* st);
  StatusOr<bool> ReconcileNew(State* st);
  StatusOr<bool> ReconcileOld(State* st);
  bool OldPodsRunning(const State& st) const;
  Status Cleanup(State* st);
  Status CheckPaused(State* st);
  // Writes a status computed from the ReplicaSets; `rollout` adds the
  // Progressing condition logic of syncRolloutStatus.
  Status SyncStatus(State* st, bool rollout);
  Status WriteStatus(State* st, const client::Json& status);
  Status SetRevisionAnnotation(State* st, int64_t revision);

  client::Client& client_;
  client::Informer& deployments_;
  client::Informer& rss_;
  client::Informer& pods_;
  client::EventRecorder& events_;
};

}  // namespace netkube::controllers
