// FakeClient: an in-memory Client for tests, with the API server's semantics
// that controllers depend on:
//  - resourceVersion from one global counter; Update with a stale
//    resourceVersion fails with Conflict; Create of an existing name fails with
//    AlreadyExists; Get/Update/Delete of a missing object with NotFound;
//  - Create sets uid, creationTimestamp, generation, namespace, apiVersion/kind,
//    and a name from metadata.generateName; Namespaces get spec.finalizers
//    ["kubernetes"] and status.phase Active;
//  - Update of the object keeps status, Update of "status" changes only status,
//    Update of Namespace "finalize" changes only spec.finalizers; generation is
//    bumped when spec changes;
//  - Delete with finalizers (or propagation Foreground/Orphan, which add the
//    "foregroundDeletion"/"orphan" finalizers) only sets deletionTimestamp; the
//    object is removed once its last finalizer is removed (Namespaces: also
//    spec.finalizers). ownerReferences are not acted on;
//  - List filters by label and field selector; Watch streams deliver ADDED /
//    MODIFIED / DELETED from a resourceVersion (history is kept in memory);
//  - Patch: JSON merge patch (strategic merge patch is treated as merge patch)
//    and RFC 6902 JSON patch;
//  - pods/binding sets spec.nodeName and the PodScheduled condition;
//    pods/eviction deletes the pod.
// Every call is recorded as an Action for assertions.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client.h"

namespace netkube::client {

struct Action {
  std::string verb;         // get, list, create, update, patch, delete, watch
  std::string resource;     // plural, e.g. "pods"
  std::string ns;
  std::string name;
  std::string subresource;  // "" or "status", "binding", ...
};

class FakeClient : public Client {
 public:
  FakeClient();
  ~FakeClient() override;

  StatusOr<Json> Get(const api::Kind& kind, std::string_view ns, std::string_view name) override;
  StatusOr<Json> List(const api::Kind& kind, std::string_view ns, const ListOptions& options) override;
  StatusOr<Json> Create(const api::Kind& kind, std::string_view ns, const Json& object) override;
  StatusOr<Json> Update(const api::Kind& kind, std::string_view ns, const Json& object,
                        std::string_view subresource = "") override;
  StatusOr<Json> Patch(const api::Kind& kind, std::string_view ns, std::string_view name, PatchType type,
                       const Json& patch, std::string_view subresource = "") override;
  StatusOr<Json> Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                        const DeleteOptions& options = {}) override;
  StatusOr<Json> CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                   std::string_view subresource, const Json& body) override;
  StatusOr<std::unique_ptr<WatchStream>> Watch(const api::Kind& kind, std::string_view ns,
                                               const ListOptions& options) override;

  // Test helpers.
  // The resourceVersion of the latest write to `kind` (0 when none).
  int64_t LastRevision(const api::Kind& kind) const;
  // Ends every open watch stream (informers must relist or rewatch).
  void CloseAllWatches();
  // Drops the event history: watches from older revisions then fail with Gone,
  // and open streams get an ERROR (410 Expired) event and end.
  void ExpireHistory();
  std::vector<Action> actions() const;
  void ClearActions();
  // All objects of a kind (every namespace), sorted by key.
  std::vector<Json> Objects(const api::Kind& kind) const;

  class Stream;

 private:
  struct Event {
    int64_t rv;
    std::string prefix;  // kind key prefix
    std::string type;
    Json object;
    Json old;  // previous object for MODIFIED/DELETED (null for ADDED)
  };

  std::string StoreKey(const api::Kind& kind, std::string_view ns, std::string_view name) const;
  void Record(std::string verb, const api::Kind& kind, std::string_view ns, std::string_view name,
              std::string_view sub);
  // REQUIRES: mu_ held. Writes or removes the object and notifies watchers.
  void Commit(const api::Kind& kind, const std::string& key, const std::string& type, Json object, Json old);
  // REQUIRES: mu_ held. Removes the object when it is being deleted and has no
  // finalizers left; returns whether it did.
  bool MaybeFinish(const api::Kind& kind, const std::string& key, Json* obj, const Json& old);
  StatusOr<Json> UpdateLocked(const api::Kind& kind, std::string_view ns, const Json& object,
                              std::string_view subresource);

  mutable std::mutex mu_;
  int64_t rv_ = 0;
  std::map<std::string, Json> objects_;             // store key -> object
  std::map<std::string, int64_t> last_rev_;         // kind prefix -> rv
  std::deque<Event> history_;
  int64_t history_floor_ = 0;                       // watches from below this are Gone
  std::vector<std::shared_ptr<Stream>> streams_;
  std::vector<Action> actions_;
};

}  // namespace netkube::client
