// ReplicaSetController: keeps spec.replicas pods of a ReplicaSet, as
// Kubernetes' replicaset controller does.
//
// Sync(ns/name): claim pods (owned by controller ref, adopt matching orphans,
// release owned pods that stopped matching), then — once the informer has
// shown this controller's previous creations/deletions (Expectations) — create
// missing pods from spec.template or delete extra ones (SortForDeletion order),
// and write status: replicas, fullyLabeledReplicas, readyReplicas,
// availableReplicas (minReadySeconds), observedGeneration.
// Events on the ReplicaSet: SuccessfulCreate "Created pod: <name>",
// SuccessfulDelete "Deleted pod: <name>", FailedCreate.
//
// Thread-safety: as client::Controller.
#pragma once

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/meta.h"
#include "client/shared_informers.h"
#include "controllers/expectations.h"

namespace netkube::controllers {

// The status a ReplicaSet should report for its active owned pods (pure).
client::Json ReplicaSetStatus(const client::Json& rs, const std::vector<client::ObjectPtr>& active_pods,
                              client::TimePoint now);

class ReplicaSetController : public client::Controller {
 public:
  ReplicaSetController(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events);
  Status Sync(const std::string& key) override;

 private:
  void OnPod(const client::ObjectPtr& pod);
  Status ManageReplicas(const client::Json& rs, const std::string& key, std::vector<client::ObjectPtr> active);

  client::Client& client_;
  client::Informer& rss_;
  client::Informer& pods_;
  client::EventRecorder& events_;
  Expectations expectations_;
};

}  // namespace netkube::controllers
