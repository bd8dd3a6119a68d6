#include "store/group_committer.h"

#include <algorithm>
#include <utility>

namespace netkube::store {

GroupCommitter::GroupCommitter(std::unique_ptr<Persister> persister, OnDurable on_durable,
                               std::chrono::milliseconds idle_after)
    : persister_(std::move(persister)), on_durable_(std::move(on_durable)), idle_after_(idle_after) {
  writer_ = std::thread([this] { Run(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  writer_.join();
}

void GroupCommitter::Submit(std::shared_ptr<const Batch> batch) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(batch));
  }
  work_cv_.notify_one();
}

Status GroupCommitter::WaitDurable(int64_t revision) {
  std::unique_lock lock(mu_);
  durable_cv_.wait(lock, [&] { return durable_revision_ >= revision || !failure_.ok(); });
  return durable_revision_ >= revision ? Status::OK() : failure_;
}

Status GroupCommitter::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

int64_t GroupCommitter::DurableRevision() const {
  std::lock_guard lock(mu_);
  return durable_revision_;
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommitter::Run() {
  using Clock = std::chrono::steady_clock;
  bool dirty = false;                  // written since the last Idle()
  size_t last_group = 0;               // batches in the last commit
  Clock::duration last_commit_time{};  // how long it took
  std::unique_lock lock(mu_);
  while (true) {
    if (queue_.empty() && !stopping_) {
      if (dirty) {
        if (!work_cv_.wait_for(lock, idle_after_, [&] { return !queue_.empty() || stopping_; })) {
          lock.unlock();
          persister_->Idle();
          lock.lock();
          dirty = false;
        }
        continue;
      }
      work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    }
    if (queue_.empty()) break;  // stopping, nothing left
    if (last_group > 1 && queue_.size() < last_group && !stopping_) {
      const auto gather = std::min<Clock::duration>(last_commit_time / 4, std::chrono::milliseconds(1));
      work_cv_.wait_for(lock, gather, [&] { return queue_.size() >= last_group || stopping_; });
    }
    std::vector<std::shared_ptr<const Batch>> group;
    group.swap(queue_);
    if (!failure_.ok()) continue;  // stopped for good: drop
    lock.unlock();
    const Clock::time_point start = Clock::now();
    Status s = persister_->Write(group);
    last_commit_time = Clock::now() - start;
    last_group = group.size();
    if (s.ok()) on_durable_(group);
    lock.lock();
    if (s.ok()) {
      durable_revision_ = group.back()->revision;
      ++stats_.commits;
      stats_.batches += static_cast<int64_t>(group.size());
      dirty = true;
    } else {
      failure_ = Status::Unavailable("storage write failed, the store accepts no more writes: " + s.message());
    }
    durable_cv_.notify_all();
  }
  lock.unlock();
  if (dirty && failure_.ok()) persister_->Idle();
}

}  // namespace netkube::store
