// NamespaceController: empties and finalizes deleted Namespaces, as
// kube-controller-manager's namespace controller does.
//
// For a Namespace with deletionTimestamp: set status.phase Terminating, delete
// every object of every namespaced kind in it (api::AllKinds()), and once none
// is left, remove the "kubernetes" finalizer from spec.finalizers through the
// namespaces/{name}/finalize subresource; the API server then removes the
// Namespace. While content remains (objects with finalizers or graceful
// deletion), the key is retried after `recheck`.
//
// Thread-safety: as client::Controller.
#pragma once

#include <chrono>

#include "client/controller.h"
#include "client/shared_informers.h"

namespace netkube::controllers {

class NamespaceController : public client::Controller {
 public:
  NamespaceController(client::Client& client, client::SharedInformers& informers,
                      std::chrono::milliseconds recheck = std::chrono::seconds(1));
  // key: the namespace name.
  Status Sync(const std::string& key) override;

 private:
  // Deletes the namespace's content; returns how many objects remain.
  StatusOr<int> DeleteContent(const std::string& ns);

  client::Client& client_;
  client::Informer& namespaces_;
  const std::chrono::milliseconds recheck_;
};

}  // namespace netkube::controllers
