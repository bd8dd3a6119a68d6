// Persister: where a MemoryStore makes its writes durable.
//
// The store assigns revisions and keeps the current state in memory; a
// Persister only records, per key, the latest value and the store revision.
// Write() is called by one thread at a time (the store's commit thread) with
// one or more consecutive revisions, oldest first, and returns only once they
// would survive a crash of the process (and, where the medium allows, power
// loss). Group commit is the caller's business: it hands over every batch that
// queued up while the previous Write() ran.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace netkube::store {

// The changes of one revision, in the order the transaction's ops ran.
struct Batch {
  int64_t revision = 0;
  std::vector<Event> events;
};

// What a Persister holds when it is opened.
struct PersistedState {
  int64_t revision = 1;       // the store revision (1 for a fresh store)
  std::vector<KeyValue> kvs;  // every live key, in any order
};

class Persister {
 public:
  virtual ~Persister() = default;
  // Makes `batches` durable, atomically as a whole. After an error nothing of
  // `batches` may be assumed written.
  virtual Status Write(const std::vector<std::shared_ptr<const Batch>>& batches) = 0;
  // Called when no writes are waiting: a good moment for housekeeping such as
  // checkpointing a write-ahead log. Never required for correctness.
  virtual void Idle() {}
};

}  // namespace netkube::store
