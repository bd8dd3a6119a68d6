#include "client/workqueue.h"

#include <algorithm>

namespace netkube::client {

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // queued again at Done
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    AddLocked(key);
    return;
  }
  delayed_.emplace(Clock::now() + delay, key);
  cv_.notify_all();
}

std::chrono::milliseconds WorkQueue::NextBackoff(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  int n = it == failures_.end() ? 0 : it->second;
  // 5 ms * 2^n, capped at 1000 s.
  constexpr int64_t kMaxMs = 1000 * 1000;
  int64_t ms = 5;
  for (int i = 0; i < n && ms < kMaxMs; ++i) ms *= 2;
  return std::chrono::milliseconds(std::min(ms, kMaxMs));
}

void WorkQueue::AddRateLimited(const std::string& key) {
  auto delay = NextBackoff(key);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++failures_[key];
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDueLocked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    AddLocked(key);
  }
}

bool WorkQueue::WaitLocked(std::unique_lock<std::mutex>& lock, std::string* key, Clock::time_point deadline) {
  for (;;) {
    PromoteDueLocked(Clock::now());
    if (!queue_.empty()) {
      *key = queue_.front();
      queue_.pop_front();
      processing_.insert(*key);
      dirty_.erase(*key);
      return true;
    }
    if (shutting_down_) return false;
    Clock::time_point until = deadline;
    if (!delayed_.empty()) until = std::min(until, delayed_.begin()->first);
    Clock::time_point now = Clock::now();
    if (now >= deadline) return false;
    cv_.wait_until(lock, std::min(until, now + std::chrono::hours(1)));
  }
}

bool WorkQueue::Get(std::string* key) {
  std::unique_lock<std::mutex> lock(mu_);
  return WaitLocked(lock, key, Clock::time_point::max());
}

bool WorkQueue::TryGet(std::string* key, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return WaitLocked(lock, key, Clock::now() + timeout);
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace netkube::client
