// GarbageCollector: acts on metadata.ownerReferences, as Kubernetes' garbage
// collector does.
//
//  - Background: a dependent whose owners are all gone (NotFound, or an object
//    of that name with a different uid) is deleted; one that still has a live
//    owner only loses the references to the gone ones.
//  - Foreground: an owner being deleted with the "foregroundDeletion"
//    finalizer gets its dependents deleted; once no dependent with
//    blockOwnerDeletion=true is left, the finalizer is removed.
//  - Orphan: an owner being deleted with the "orphan" finalizer has the
//    references to it removed from its dependents, then the finalizer removed.
//
// It watches every kind of api::AllKinds() except Events. Work keys are
// "dep|<apiVersion>|<Kind>|<ns/name>" (check a dependent's owners) and
// "owner|<apiVersion>|<Kind>|<ns/name>" (process a deleting owner).
//
// Thread-safety: as client::Controller.
#pragma once

#include <string>
#include <vector>

#include "client/controller.h"
#include "client/shared_informers.h"

namespace netkube::controllers {

class GarbageCollector : public client::Controller {
 public:
  GarbageCollector(client::Client& client, client::SharedInformers& informers);
  Status Sync(const std::string& key) override;

  static std::string DependentKey(const client::Json& obj);
  static std::string OwnerKey(const client::Json& obj);

 private:
  Status SyncDependent(const api::Kind& kind, const std::string& ns, const std::string& name);
  Status SyncOwner(const api::Kind& kind, const std::string& ns, const std::string& name);
  // The dependents of the object with `uid` in `ns` ("" = any namespace).
  std::vector<std::pair<const api::Kind*, client::ObjectPtr>> Dependents(const std::string& uid,
                                                                         const std::string& ns) const;
  // Removes `finalizer` from the live object (retries on conflict).
  Status RemoveOwnerFinalizer(const api::Kind& kind, const std::string& ns, const std::string& name,
                              const std::string& finalizer);
  // Removes the ownerReferences with the given uids from the live object.
  Status RemoveOwnerRefs(const api::Kind& kind, const std::string& ns, const std::string& name,
                         const std::vector<std::string>& uids);
  void OnChange(const client::ObjectPtr& obj);
  void OnDelete(const client::ObjectPtr& obj);

  client::Client& client_;
  client::SharedInformers& informers_;
};

}  // namespace netkube::controllers
