#include "store/group_committer.h"

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

void GroupCommitter::Run() {
  bool dirty = false;  // written since the last Idle()
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
    std::vector<std::shared_ptr<const Batch>> group;
    group.swap(queue_);
    if (!failure_.ok()) continue;  // stopped for good: drop
    lock.unlock();
    Status s = persister_->Write(group);
    if (s.ok()) on_durable_(group);
    lock.lock();
    if (s.ok()) {
      durable_revision_ = group.back()->revision;
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
