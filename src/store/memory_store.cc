#include "store/memory_store.h"

#include <exception>
#include <set>

#include "store/key_range.h"

namespace netkube::store {
namespace {

bool Holds(const Compare& c, const std::optional<KeyValue>& kv) {
  int64_t actual = 0;
  if (kv) {
    switch (c.target) {
      case Compare::Target::kCreateRevision:
        actual = kv->create_revision;
        break;
      case Compare::Target::kModRevision:
        actual = kv->mod_revision;
        break;
      case Compare::Target::kVersion:
        actual = kv->version;
        break;
    }
  }
  switch (c.result) {
    case Compare::Result::kEqual:
      return actual == c.value;
    case Compare::Result::kNotEqual:
      return actual != c.value;
    case Compare::Result::kLess:
      return actual < c.value;
    case Compare::Result::kGreater:
      return actual > c.value;
  }
  return false;
}

// Calls a value_fn, which is caller code: no exception may leave the store.
StatusOr<std::string> ComputeValue(const Op& op, int64_t revision) {
  try {
    return op.value_fn(revision);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("computing the value of ") + op.key + ": " + e.what());
  } catch (...) {
    return Status::Internal("computing the value of " + op.key + ": unknown exception");
  }
}

}  // namespace

MemoryStore::MemoryStore(const StoreOptions& options) : MemoryStore(options, PersistedState{}, nullptr) {}

MemoryStore::MemoryStore(const StoreOptions& options, PersistedState state, std::unique_ptr<Persister> persister)
    : options_(options),
      // History before the opening revision is gone, unless nothing was ever written.
      hub_(WatchHub::Create(options.history_limit, options.watcher_queue_limit,
                            state.revision <= 1 && state.kvs.empty() ? 0 : state.revision)),
      head_revision_(state.revision),
      revision_(state.revision) {
  for (KeyValue& kv : state.kvs) {
    std::string key = kv.key;
    kvs_.insert_or_assign(std::move(key), std::move(kv));
  }
  if (persister) {
    committer_ = std::make_unique<GroupCommitter>(
        std::move(persister), [this](const std::vector<std::shared_ptr<const Batch>>& b) { ApplyCommitted(b); });
  }
}

MemoryStore::~MemoryStore() {
  committer_.reset();
  hub_->Shutdown();
}

int64_t MemoryStore::Revision() const { return revision_.load(std::memory_order_acquire); }

int64_t MemoryStore::CompactRevision() const { return hub_->CompactRevision(); }

StatusOr<KeyValue> MemoryStore::Get(std::string_view key) {
  std::shared_lock lock(state_mu_);
  auto it = kvs_.find(key);
  if (it == kvs_.end()) return Status::NotFound("key not found: " + std::string(key));
  return it->second;
}

RangeResult MemoryStore::Range(std::string_view start, std::string_view end, int64_t limit) {
  const KeyRange range(start, end);
  RangeResult result;
  std::shared_lock lock(state_mu_);
  result.revision = revision_.load(std::memory_order_relaxed);
  if (range.SingleKey()) {
    auto it = kvs_.find(start);
    if (it != kvs_.end()) result.kvs.push_back(it->second);
    result.count = static_cast<int64_t>(result.kvs.size());
    return result;
  }
  auto it = kvs_.lower_bound(start);
  auto last = range.Unbounded() ? kvs_.end() : kvs_.lower_bound(end);
  if (!range.Unbounded() && end <= start) last = it;  // empty interval
  for (; it != last; ++it) {
    ++result.count;
    if (limit <= 0 || static_cast<int64_t>(result.kvs.size()) < limit) result.kvs.push_back(it->second);
  }
  result.more = result.count > static_cast<int64_t>(result.kvs.size());
  return result;
}

std::optional<KeyValue> MemoryStore::LookupForWrite(std::string_view key) {
  if (!pending_.empty()) {
    auto p = pending_.find(std::string(key));
    if (p != pending_.end()) return p->second.kv;
  }
  std::shared_lock lock(state_mu_);
  auto it = kvs_.find(key);
  if (it == kvs_.end()) return std::nullopt;
  return it->second;
}

void MemoryStore::PrunePending() {
  const int64_t committed = Revision();
  while (!pending_order_.empty() && pending_order_.front().first <= committed) {
    auto& [revision, key] = pending_order_.front();
    auto it = pending_.find(key);
    if (it != pending_.end() && it->second.revision == revision) pending_.erase(it);
    pending_order_.pop_front();
  }
}

StatusOr<TxnResult> MemoryStore::Txn(const std::vector<Compare>& compares, const std::vector<Op>& then,
                                     const std::vector<Op>& otherwise) {
  std::unique_lock lock(write_mu_);
  if (committer_) {
    if (Status failed = committer_->failure(); !failed.ok()) return failed;
    PrunePending();
  }

  TxnResult result;
  result.succeeded = true;
  for (const Compare& c : compares) {
    if (!Holds(c, LookupForWrite(c.key))) {
      result.succeeded = false;
      break;
    }
  }
  const std::vector<Op>& ops = result.succeeded ? then : otherwise;

  std::set<std::string_view> seen;
  for (const Op& op : ops) {
    if (!seen.insert(op.key).second) return Status::Invalid("duplicate key given in txn request: " + op.key);
  }

  // First every value (caller code that may fail), then the changes.
  const int64_t revision = head_revision_ + 1;
  std::vector<std::shared_ptr<const std::string>> values(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].type != Op::Type::kPut) continue;
    if (ops[i].value_fn) {
      StatusOr<std::string> v = ComputeValue(ops[i], revision);
      if (!v.ok()) return v.status();
      values[i] = std::make_shared<const std::string>(std::move(v).value());
    } else {
      values[i] = std::make_shared<const std::string>(ops[i].value);
    }
  }

  auto batch = std::make_shared<Batch>();
  batch->revision = revision;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    std::optional<KeyValue> prev = LookupForWrite(op.key);
    if (op.type == Op::Type::kPut) {
      KeyValue kv{op.key, values[i], prev ? prev->create_revision : revision, revision, prev ? prev->version + 1 : 1};
      result.results.push_back(kv);
      batch->events.push_back(Event{EventType::kPut, std::move(kv), std::move(prev)});
    } else if (!prev) {
      result.results.push_back(std::nullopt);
    } else {
      KeyValue gone{op.key, prev->value, prev->create_revision, revision, prev->version};
      result.results.push_back(prev);
      batch->events.push_back(Event{EventType::kDelete, std::move(gone), std::move(prev)});
    }
  }

  if (batch->events.empty()) {
    // Nothing written: answer at the newest revision, once what was read is durable.
    result.revision = head_revision_;
    lock.unlock();
    if (committer_) {
      if (Status s = committer_->WaitDurable(result.revision); !s.ok()) return s;
    }
    return result;
  }

  head_revision_ = revision;
  result.revision = revision;
  if (!committer_) {
    ApplyCommitted({batch});
    return result;
  }
  for (const Event& e : batch->events) {
    pending_.insert_or_assign(e.kv.key,
                              Pending{revision, e.type == EventType::kPut ? std::optional(e.kv) : std::nullopt});
    pending_order_.emplace_back(revision, e.kv.key);
  }
  committer_->Submit(std::move(batch));
  lock.unlock();
  if (Status s = committer_->WaitDurable(revision); !s.ok()) return s;
  return result;
}

void MemoryStore::ApplyCommitted(const std::vector<std::shared_ptr<const Batch>>& batches) {
  {
    std::unique_lock lock(state_mu_);
    for (const auto& batch : batches) {
      for (const Event& e : batch->events) {
        if (e.type == EventType::kPut) {
          kvs_.insert_or_assign(e.kv.key, e.kv);
        } else if (auto it = kvs_.find(e.kv.key); it != kvs_.end()) {
          kvs_.erase(it);
        }
      }
    }
    revision_.store(batches.back()->revision, std::memory_order_release);
  }
  for (const auto& batch : batches) hub_->Publish(batch->revision, batch->events);
}

StatusOr<std::unique_ptr<Watcher>> MemoryStore::Watch(std::string_view start, std::string_view end,
                                                      int64_t after_revision) {
  return hub_->Watch(start, end, after_revision);
}

Status MemoryStore::Compact(int64_t revision) {
  const int64_t current = Revision();
  if (revision > current) {
    return Status::Invalid("required revision is a future revision: " + std::to_string(revision) + " > " +
                           std::to_string(current));
  }
  hub_->Compact(revision);
  return Status::OK();
}

std::unique_ptr<Store> OpenMemoryStore(const StoreOptions& options) { return std::make_unique<MemoryStore>(options); }

}  // namespace netkube::store
