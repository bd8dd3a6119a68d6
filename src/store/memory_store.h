// MemoryStore: the Store implementation. The current state lives in memory (a
// sorted map of key -> KeyValue whose values are shared, immutable strings);
// the recent event history and the watchers live in a WatchHub. Optionally a
// Persister makes every revision durable through a GroupCommitter.
//
// Writes: one mutex serializes transactions. A Txn evaluates its compares and
// computes its values (calling Op::value_fn) against the newest state,
// including revisions that are still being written to disk, assigns the next
// revision, hands the batch to the committer and waits, without holding the
// lock, until the batch is durable. Many transactions thus share one fsync.
//
// Reads: Get and Range take a shared lock on the committed state only, which
// the commit thread updates in memory after each durable write; they never
// wait for disk and never see a revision that is not durable. Watchers get an
// event only once it is durable, too. Revision() is the newest durable
// revision.
//
// A fresh store is at revision 1 with CompactRevision() 0 (as etcd), so the first
// write is revision 2.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/group_committer.h"
#include "store/persister.h"
#include "store/store.h"
#include "store/watch_hub.h"

namespace netkube::store {

class MemoryStore : public Store {
 public:
  // A store held only in memory, at revision 1 and empty.
  explicit MemoryStore(const StoreOptions& options);
  // A store starting from `state` that writes through `persister`.
  MemoryStore(const StoreOptions& options, PersistedState state, std::unique_ptr<Persister> persister);
  // Waits for queued writes to become durable, then ends every watch.
  // REQUIRES: no call on this store is running or will start.
  ~MemoryStore() override;

  int64_t Revision() const override;
  int64_t CompactRevision() const override;
  StatusOr<KeyValue> Get(std::string_view key) override;
  RangeResult Range(std::string_view start, std::string_view end, int64_t limit) override;
  StatusOr<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<Op>& then,
                          const std::vector<Op>& otherwise) override;
  StatusOr<std::unique_ptr<Watcher>> Watch(std::string_view start, std::string_view end,
                                           int64_t after_revision) override;
  Status Compact(int64_t revision) override;

  // Open watchers (for tests and metrics).
  size_t WatcherCount() const { return hub_->WatcherCount(); }
  // Group commit counters; all zero for a store held only in memory.
  GroupCommitter::Stats CommitStats() const { return committer_ ? committer_->stats() : GroupCommitter::Stats{}; }

 private:
  // A write that the committed state does not show yet. kv nullopt: deleted.
  struct Pending {
    int64_t revision = 0;
    std::optional<KeyValue> kv;
  };

  // The newest state of `key`, pending writes included. REQUIRES: write_mu_.
  std::optional<KeyValue> LookupForWrite(std::string_view key);
  // Forgets pending writes the committed state already shows. REQUIRES: write_mu_.
  void PrunePending();
  // Applies durable batches to the committed state and publishes their events.
  void ApplyCommitted(const std::vector<std::shared_ptr<const Batch>>& batches);

  const StoreOptions options_;
  std::shared_ptr<WatchHub> hub_;

  std::mutex write_mu_;
  int64_t head_revision_;                                      // GUARDED_BY(write_mu_), newest assigned
  std::unordered_map<std::string, Pending> pending_;           // GUARDED_BY(write_mu_)
  std::deque<std::pair<int64_t, std::string>> pending_order_;  // GUARDED_BY(write_mu_)

  mutable std::shared_mutex state_mu_;
  std::map<std::string, KeyValue, std::less<>> kvs_;  // GUARDED_BY(state_mu_)
  std::atomic<int64_t> revision_;                     // newest committed; written under state_mu_

  std::unique_ptr<GroupCommitter> committer_;  // null: memory only; declared last, destroyed first
};

}  // namespace netkube::store
