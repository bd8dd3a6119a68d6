// WorkQueue: the controller work queue of string keys ("ns/name").
//
// Contract (as client-go's rate-limited delaying queue):
//  - Add(key) queues the key unless it is already queued (dedup).
//  - Get() hands a key to one worker; until that worker calls Done(key), the
//    key is never handed to another worker. Adds while it is processing are
//    remembered and the key is queued again at Done.
//  - AddAfter(key, d) queues the key once d has passed.
//  - AddRateLimited(key) queues the key after the per-key backoff:
//    5 ms * 2^failures, capped at 1000 s; Forget(key) resets the failures.
//  - ShutDown() wakes every Get, which then returns false; later adds are
//    ignored.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace netkube::client {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  WorkQueue() = default;
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;
  // The delay the next AddRateLimited(key) will use.
  std::chrono::milliseconds NextBackoff(const std::string& key) const;

  // Blocks until a key is ready or the queue is shut down; returns false on
  // shut down. REQUIRES: Done(*key) after processing.
  bool Get(std::string* key);
  // Like Get but waits at most `timeout`; returns false if nothing was ready.
  bool TryGet(std::string* key, std::chrono::milliseconds timeout);
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;
  // Keys queued and ready now (not counting delayed or processing keys).
  size_t Len() const;

 private:
  // REQUIRES: mu_ held.
  void AddLocked(const std::string& key);
  void PromoteDueLocked(Clock::time_point now);
  bool WaitLocked(std::unique_lock<std::mutex>& lock, std::string* key, Clock::time_point deadline);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to re-queue at Done
  std::set<std::string> processing_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace netkube::client
