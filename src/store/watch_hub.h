// WatchHub: the bounded event history of a store and the fan-out of new events
// to its watchers.
//
// The store publishes every committed revision's events, in revision order.
// The hub keeps the newest `history_limit` events (whole revisions: it never
// keeps half of a revision) so a watch can start from a past revision; what
// falls out of the window is compacted and CompactRevision() moves up.
//
// Each watcher has its own queue, filled by Publish() and drained by
// Watcher::Next(). A watcher that lets more than `queue_limit` events pile up
// is closed with Gone, so a stuck client costs neither writer latency nor
// unbounded memory; like an informer after a compaction, it relists.
//
// Thread-safety: all methods are safe to call concurrently; Publish() calls
// must come in revision order (the store serializes them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace netkube::store {

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // `compact_revision`: history at or below it is not available (the store's
  // revision when it was opened).
  static std::shared_ptr<WatchHub> Create(size_t history_limit, size_t queue_limit, int64_t compact_revision);
  ~WatchHub();

  // Records the events of `revision` and hands them to matching watchers.
  // REQUIRES: revision greater than every revision published before.
  void Publish(int64_t revision, const std::vector<Event>& events);

  // A watcher of [start, end) receiving every event after `after_revision`.
  // Gone when after_revision < CompactRevision().
  StatusOr<std::unique_ptr<Watcher>> Watch(std::string_view start, std::string_view end, int64_t after_revision);

  // Drops history at or below `revision` (no-op if already compacted).
  void Compact(int64_t revision);
  int64_t CompactRevision() const;

  // Ends every watch: their Next() returns what is queued, then false.
  void Shutdown();

  // Number of open watchers (for tests and metrics).
  size_t WatcherCount() const;

 private:
  struct WatchState;
  class WatcherImpl;

  WatchHub(size_t history_limit, size_t queue_limit, int64_t compact_revision);
  void Remove(const WatchState* state);
  void TrimLocked();

  const size_t history_limit_;
  const size_t queue_limit_;

  mutable std::mutex mu_;
  std::deque<std::shared_ptr<const Event>> history_;   // GUARDED_BY(mu_), oldest first
  int64_t compact_revision_;                           // GUARDED_BY(mu_)
  int64_t last_revision_;                              // GUARDED_BY(mu_), newest published
  bool shut_down_ = false;                             // GUARDED_BY(mu_)
  std::vector<std::shared_ptr<WatchState>> watchers_;  // GUARDED_BY(mu_)
};

}  // namespace netkube::store
