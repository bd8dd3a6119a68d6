// GroupCommitter: makes batches durable through a Persister from one writer
// thread, grouping every batch that queued up during the previous write into
// one Persister::Write() (group commit: one fsync for many transactions).
//
// Submit() queues a batch and returns at once; batches are written in Submit()
// order. After a successful Write() the `on_durable` callback runs on the
// writer thread with the written batches, oldest first, before any waiter of
// WaitDurable() for them wakes up. The first failed Write() stops the
// committer for good: the failed batches and all later ones are dropped and
// every waiter gets the failure.
//
// Gathering: the transactions a commit wakes up come back with their next
// batch a little later, one by one. So that they share the next commit instead
// of each triggering a tiny one, the writer, after a commit of N batches,
// waits for up to N batches to queue, but never longer than a quarter of the
// last commit's duration (capped at 1 ms). A lone sequential writer (N = 1)
// never waits.
//
// When no batch has been waiting for `idle_after`, the writer calls
// Persister::Idle() once (e.g. to checkpoint a write-ahead log).
//
// Thread-safety: Submit, WaitDurable, failure and DurableRevision are safe to
// call concurrently. The destructor writes what is queued, then stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/persister.h"
#include "util/status.h"

namespace netkube::store {

class GroupCommitter {
 public:
  using OnDurable = std::function<void(const std::vector<std::shared_ptr<const Batch>>&)>;

  GroupCommitter(std::unique_ptr<Persister> persister, OnDurable on_durable,
                 std::chrono::milliseconds idle_after = std::chrono::milliseconds(500));
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // REQUIRES: batch->revision greater than every revision submitted before.
  void Submit(std::shared_ptr<const Batch> batch);
  // Blocks until `revision` is durable (OK) or the committer failed (that error).
  Status WaitDurable(int64_t revision);
  // OK, or the error that stopped the committer.
  Status failure() const;
  int64_t DurableRevision() const;

  struct Stats {
    int64_t commits = 0;  // Persister::Write() calls that succeeded
    int64_t batches = 0;  // batches they wrote
  };
  Stats stats() const;

 private:
  void Run();

  std::unique_ptr<Persister> persister_;
  OnDurable on_durable_;
  const std::chrono::milliseconds idle_after_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;                  // the writer waits for batches
  std::condition_variable durable_cv_;               // Txns wait for durability
  std::vector<std::shared_ptr<const Batch>> queue_;  // GUARDED_BY(mu_)
  int64_t durable_revision_ = 0;                     // GUARDED_BY(mu_)
  Status failure_;                                   // GUARDED_BY(mu_)
  bool stopping_ = false;                            // GUARDED_BY(mu_)
  Stats stats_;                                      // GUARDED_BY(mu_)
  std::thread writer_;
};

}  // namespace netkube::store
