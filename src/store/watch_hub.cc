#include "store/watch_hub.h"

#include <algorithm>
#include <condition_variable>
#include <string>
#include <utility>

#include "store/key_range.h"

namespace netkube::store {
namespace {

int64_t RevisionOf(const std::shared_ptr<const Event>& e) { return e->kv.mod_revision; }

std::string TooOld(int64_t revision, int64_t current) {
  return "too old resource version: " + std::to_string(revision) + " (" + std::to_string(current) + ")";
}

}  // namespace

// One watch: its key range and the events queued for it.
struct WatchHub::WatchState {
  explicit WatchState(KeyRange r, int64_t after) : range(std::move(r)), taken_revision(after) {}

  const KeyRange range;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<const Event>> queue;  // GUARDED_BY(mu)
  int64_t taken_revision;                          // GUARDED_BY(mu), newest revision Next() returned
  bool done = false;                               // GUARDED_BY(mu)
  Status status;                                   // GUARDED_BY(mu)
};

class WatchHub::WatcherImpl : public Watcher {
 public:
  WatcherImpl(std::shared_ptr<WatchHub> hub, std::shared_ptr<WatchState> state)
      : hub_(std::move(hub)), state_(std::move(state)) {}
  ~WatcherImpl() override { Close(); }

  bool Next(std::vector<Event>* out, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(state_->mu);
    if (state_->queue.empty() && !state_->done) {
      state_->cv.wait_for(lock, timeout, [&] { return !state_->queue.empty() || state_->done; });
    }
    if (!state_->queue.empty()) {
      out->reserve(out->size() + state_->queue.size());
      for (const auto& e : state_->queue) out->push_back(*e);
      state_->taken_revision = RevisionOf(state_->queue.back());
      state_->queue.clear();
      return true;
    }
    return !state_->done;
  }

  void Close() override {
    {
      std::lock_guard lock(state_->mu);
      if (!state_->done) {
        state_->done = true;
        state_->queue.clear();
      }
    }
    state_->cv.notify_all();
    hub_->Remove(state_.get());
  }

  Status status() const override {
    std::lock_guard lock(state_->mu);
    return state_->status;
  }

 private:
  std::shared_ptr<WatchHub> hub_;
  std::shared_ptr<WatchState> state_;
};

std::shared_ptr<WatchHub> WatchHub::Create(size_t history_limit, size_t queue_limit, int64_t compact_revision) {
  return std::shared_ptr<WatchHub>(new WatchHub(history_limit, queue_limit, compact_revision));
}

WatchHub::WatchHub(size_t history_limit, size_t queue_limit, int64_t compact_revision)
    : history_limit_(std::max<size_t>(history_limit, 1)),
      queue_limit_(std::max<size_t>(queue_limit, 1)),
      compact_revision_(compact_revision),
      last_revision_(compact_revision) {}

WatchHub::~WatchHub() = default;

void WatchHub::Publish(int64_t revision, const std::vector<Event>& events) {
  std::vector<std::shared_ptr<const Event>> shared;
  shared.reserve(events.size());
  for (const Event& e : events) shared.push_back(std::make_shared<const Event>(e));

  std::lock_guard lock(mu_);
  last_revision_ = revision;
  history_.insert(history_.end(), shared.begin(), shared.end());
  TrimLocked();

  auto fell_behind = [&](const std::shared_ptr<WatchState>& w) {
    size_t matched = 0;
    for (const auto& e : shared) matched += w->range.Contains(e->kv.key) ? 1 : 0;
    if (matched == 0) return false;
    bool closed = false;
    {
      std::lock_guard wlock(w->mu);
      if (w->done) return true;
      if (w->queue.size() + matched > queue_limit_) {
        w->done = closed = true;
        w->queue.clear();
        w->status = Status::Gone(TooOld(w->taken_revision, revision) + ": the watcher fell more than " +
                                 std::to_string(queue_limit_) + " events behind");
      } else {
        for (const auto& e : shared) {
          if (w->range.Contains(e->kv.key)) w->queue.push_back(e);
        }
      }
    }
    w->cv.notify_all();
    return closed;
  };
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(), fell_behind), watchers_.end());
}

StatusOr<std::unique_ptr<Watcher>> WatchHub::Watch(std::string_view start, std::string_view end,
                                                   int64_t after_revision) {
  std::lock_guard lock(mu_);
  if (shut_down_) return Status::Unavailable("the store is shutting down");
  if (after_revision < compact_revision_) return Status::Gone(TooOld(after_revision, compact_revision_));

  auto state = std::make_shared<WatchState>(KeyRange(start, end), after_revision);
  auto first = std::upper_bound(history_.begin(), history_.end(), after_revision,
                                [](int64_t rev, const std::shared_ptr<const Event>& e) { return rev < RevisionOf(e); });
  for (auto it = first; it != history_.end(); ++it) {
    if (state->range.Contains((*it)->kv.key)) state->queue.push_back(*it);
  }
  if (state->queue.size() > queue_limit_) {
    return Status::Gone(TooOld(after_revision, last_revision_) + ": more than " + std::to_string(queue_limit_) +
                        " events to replay");
  }
  watchers_.push_back(state);
  return std::unique_ptr<Watcher>(new WatcherImpl(shared_from_this(), std::move(state)));
}

void WatchHub::Compact(int64_t revision) {
  std::lock_guard lock(mu_);
  if (revision <= compact_revision_) return;
  while (!history_.empty() && RevisionOf(history_.front()) <= revision) history_.pop_front();
  compact_revision_ = revision;
}

int64_t WatchHub::CompactRevision() const {
  std::lock_guard lock(mu_);
  return compact_revision_;
}

void WatchHub::Shutdown() {
  std::vector<std::shared_ptr<WatchState>> watchers;
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    watchers.swap(watchers_);
  }
  for (const auto& w : watchers) {
    {
      std::lock_guard wlock(w->mu);
      w->done = true;
    }
    w->cv.notify_all();
  }
}

size_t WatchHub::WatcherCount() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

void WatchHub::Remove(const WatchState* state) {
  std::lock_guard lock(mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const std::shared_ptr<WatchState>& w) { return w.get() == state; }),
                  watchers_.end());
}

void WatchHub::TrimLocked() {
  while (history_.size() > history_limit_) {
    // Drop whole revisions so that everything after compact_revision_ stays.
    const int64_t oldest = RevisionOf(history_.front());
    while (!history_.empty() && RevisionOf(history_.front()) == oldest) history_.pop_front();
    compact_revision_ = oldest;
  }
}

}  // namespace netkube::store
