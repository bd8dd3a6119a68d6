// Store: a revisioned key-value store with etcd semantics.
//
// Every successful write transaction increments the store's global revision
// by one; each key remembers the revision that created it, the revision of its
// last change (mod_revision, which the API server exposes as resourceVersion)
// and how many times it changed (version). Reads see the latest committed state.
// Watches deliver, in revision order, every change of a key range after a given
// revision; a watch from a revision older than the retained history fails with
// Gone (compacted), so clients relist as informers do against etcd.
//
// Implementations: MemoryStore (memory_store.h) optionally persisted to SQLite
// (sqlite_persister.h). A Txn returns only after its changes are durable.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::store {

struct KeyValue {
  std::string key;
  std::shared_ptr<const std::string> value;  // never null for a live key
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // 1 after creation, +1 per update
};

enum class EventType { kPut, kDelete };

struct Event {
  EventType type = EventType::kPut;
  // kPut: the new state. kDelete: key, the deleted value, and mod_revision set to
  // the revision of the deletion.
  KeyValue kv;
  std::optional<KeyValue> prev;  // the state before this change, if there was one
};

// A condition of a transaction, as etcd's Compare. A key that does not exist
// has create/mod revision and version 0.
struct Compare {
  enum class Target { kCreateRevision, kModRevision, kVersion };
  enum class Result { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  int64_t value = 0;
};

struct Op {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  std::string key;
  std::string value;
  // When set, called (under the store's write lock) with the revision this
  // transaction will commit at; its result replaces `value`. Lets the API server
  // embed resourceVersion in the stored bytes.
  std::function<std::string(int64_t revision)> value_fn;

  static Op Put(std::string key, std::string value) { return {Type::kPut, std::move(key), std::move(value), {}}; }
  static Op PutFn(std::string key, std::function<std::string(int64_t)> fn) {
    return {Type::kPut, std::move(key), {}, std::move(fn)};
  }
  static Op Delete(std::string key) { return {Type::kDelete, std::move(key), {}, {}}; }
};

struct TxnResult {
  bool succeeded = false;  // whether the compares held (then ops ran) or not (else ops ran)
  int64_t revision = 0;    // the store revision after the transaction
  // One entry per op that ran, in order: for a put the new state; for a delete
  // the deleted state (nullopt if the key did not exist).
  std::vector<std::optional<KeyValue>> results;
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // sorted by key
  int64_t revision = 0;       // the store revision the range was read at
  bool more = false;          // true when `limit` cut the result short
  int64_t count = 0;          // keys in the whole range
};

class Watcher {
 public:
  virtual ~Watcher() = default;
  // Waits up to `timeout` for events and appends them to `out`. Returns false
  // once the watch is over (Close, store shutdown, or the watcher fell so far
  // behind that its events were compacted; then status() says Gone).
  virtual bool Next(std::vector<Event>* out, std::chrono::milliseconds timeout) = 0;
  virtual void Close() = 0;
  virtual Status status() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual int64_t Revision() const = 0;
  // Events at or below this revision are no longer retained for watches.
  virtual int64_t CompactRevision() const = 0;

  // NotFound when the key does not exist.
  virtual StatusOr<KeyValue> Get(std::string_view key) = 0;
  // The keys in [start, end) at the current revision; `end` "" means only `start`
  // itself; limit 0 means no limit.
  virtual RangeResult Range(std::string_view start, std::string_view end, int64_t limit) = 0;
  // If every compare holds, runs `then`, else `otherwise`, atomically, as one
  // revision (no new revision when no op writes). Returns after it is durable.
  virtual StatusOr<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<Op>& then,
                                  const std::vector<Op>& otherwise) = 0;
  // Changes of keys in [start, end) with revision > `after_revision`.
  // Gone when after_revision < CompactRevision().
  virtual StatusOr<std::unique_ptr<Watcher>> Watch(std::string_view start, std::string_view end,
                                                   int64_t after_revision) = 0;
  // Drops watch history at or below `revision`.
  virtual Status Compact(int64_t revision) = 0;
};

// The smallest key greater than every key with this prefix ("/a/" -> "/a0").
std::string PrefixEnd(std::string_view prefix);

// Tuning of the stores below. The defaults suit an API server.
struct StoreOptions {
  // Watch history kept in memory, in events. Older history is compacted
  // automatically (CompactRevision() moves up). Default: 10,000.
  size_t history_limit = 10000;
  // Events a watcher may have queued but not yet taken with Next(); past this
  // the watcher is closed with Gone instead of slowing writers. Default: 10,000.
  size_t watcher_queue_limit = 10000;
};

// A store held only in memory (tests, throwaway clusters). A fresh store is at
// revision 1 with CompactRevision() 0, as etcd, so the first write commits at
// revision 2.
std::unique_ptr<Store> OpenMemoryStore(const StoreOptions& options = {});

// A store persisted to SQLite (WAL, synchronous=FULL, group commit) in the
// directory `data_dir` (created if missing; holds state.db and a LOCK file).
// Loads the latest value of every key and the revision; watch history starts
// empty, so CompactRevision() == Revision() after opening (0 for a store
// never written to). InternalError when
// the directory cannot be used (held by another open store, unreadable, not a
// netkube store). Once a write to disk fails, every later Txn fails with
// ServiceUnavailable: the store keeps serving reads but must be reopened.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir, const StoreOptions& options = {});

}  // namespace netkube::store
