// EndpointSliceTracker: remembers the objects a controller wrote (by owner
// key and object name: the resourceVersion it got back, or that it deleted
// them), so that a sync can tell when the informer cache has not caught up
// with its own writes yet, as Kubernetes' EndpointSliceTracker does. Acting
// on such a cache would create duplicate slices (generateName) or fail with
// conflicts; the sync returns an error instead and the key is retried.
//
// Entries are dropped once the cache shows the write (Observe on informer
// events), and all of an owner's entries by Forget.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "client/informer.h"

namespace netkube::controllers {

class EndpointSliceTracker {
 public:
  // We created or updated `obj` (the object the API returned).
  void Wrote(const std::string& owner_key, const client::Json& obj);
  // We deleted the object `name`.
  void Deleted(const std::string& owner_key, const std::string& name);
  // True when `cached` (the cache's objects of this owner) misses one of our
  // writes: an object older than we wrote, absent though we wrote it, or
  // present though we deleted it.
  bool Stale(const std::string& owner_key, const std::vector<client::ObjectPtr>& cached) const;
  // An informer event: `obj` is now in the cache (deleted = removed from it).
  void Observe(const std::string& owner_key, const client::Json& obj, bool deleted);
  void Forget(const std::string& owner_key);

  // Numeric value of metadata.resourceVersion (0 when absent or not a number).
  static int64_t Version(const client::Json& obj);

 private:
  static constexpr int64_t kDeleted = -1;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, int64_t>> expected_;  // owner -> name -> rv or kDeleted
};

}  // namespace netkube::controllers
