// SqlitePersister: keeps a store's latest value of every key and its revision
// in one SQLite database (<data_dir>/state.db) in WAL mode.
//
// Durability: synchronous=FULL, so a Write() returns only after the WAL is
// fsync'ed: the data survives kill -9 and power loss. Only the newest value of
// each key is kept (old revisions are compacted by construction), so the file
// tracks the live data. The WAL is checkpointed by SQLite every 1000 pages and
// truncated by Idle(), which also returns free pages to the file system.
//
// Schema: kv(key BLOB PRIMARY KEY, value BLOB, create_revision, mod_revision,
// version) and meta(name TEXT PRIMARY KEY, value) with 'revision' and 'schema'.
//
// A LOCK file in the data directory is flock'ed while the persister is open,
// so two stores never share a directory.
//
// Thread-safety: one thread at a time (the store's commit thread).
#pragma once

#include <memory>
#include <string>

#include "store/persister.h"
#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace netkube::store {

class SqlitePersister : public Persister {
 public:
  // Opens (creating if needed) the database in `data_dir` and loads it into
  // `state`. InternalError if the directory is in use or unusable.
  static StatusOr<std::unique_ptr<SqlitePersister>> Open(const std::string& data_dir, PersistedState* state);
  ~SqlitePersister() override;

  Status Write(const std::vector<std::shared_ptr<const Batch>>& batches) override;
  // Truncates the WAL (PRAGMA wal_checkpoint(TRUNCATE)) and frees unused pages.
  void Idle() override;

 private:
  SqlitePersister() = default;
  Status Init(const std::string& data_dir);
  Status Load(PersistedState* state);
  Status Exec(const char* sql);
  Status Error(const char* what) const;
  Status Prepare(const char* sql, sqlite3_stmt** stmt);

  int lock_fd_ = -1;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* set_revision_ = nullptr;
};

}  // namespace netkube::store
