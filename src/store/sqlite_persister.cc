#include "store/sqlite_persister.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace netkube::store {
namespace {

constexpr int64_t kSchemaVersion = 1;

// Resets a statement and clears its bindings when leaving scope.
class StmtReset {
 public:
  explicit StmtReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

int BindBlob(sqlite3_stmt* stmt, int index, std::string_view bytes) {
  // SQLite wants a non-null pointer for a zero-length blob (else it binds NULL).
  static const char kEmpty = 0;
  return sqlite3_bind_blob64(stmt, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(), SQLITE_STATIC);
}

std::string ColumnBytes(sqlite3_stmt* stmt, int column) {
  const void* data = sqlite3_column_blob(stmt, column);
  const int size = sqlite3_column_bytes(stmt, column);
  return data ? std::string(static_cast<const char*>(data), size) : std::string();
}

}  // namespace

StatusOr<std::unique_ptr<SqlitePersister>> SqlitePersister::Open(const std::string& data_dir, PersistedState* state) {
  std::unique_ptr<SqlitePersister> p(new SqlitePersister());
  if (Status s = p->Init(data_dir); !s.ok()) return s;
  if (Status s = p->Load(state); !s.ok()) return s;
  return p;
}

SqlitePersister::~SqlitePersister() {
  sqlite3_finalize(upsert_);
  sqlite3_finalize(delete_);
  sqlite3_finalize(set_revision_);
  if (db_) sqlite3_close(db_);
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

Status SqlitePersister::Init(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::Internal("creating data directory " + data_dir + ": " + ec.message());

  const std::string lock_path = data_dir + "/LOCK";
  lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return Status::Internal(Errno("opening " + lock_path));
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::Internal("data directory " + data_dir + " is in use by another store");
    return Status::Internal(Errno("locking " + lock_path));
  }

  const std::string db_path = data_dir + "/state.db";
  if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return Error(("opening " + db_path).c_str());
  }
  sqlite3_busy_timeout(db_, 5000);
  // auto_vacuum only takes effect before the first table exists.
  for (const char* pragma :
       {"PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "PRAGMA secure_delete=OFF", "PRAGMA wal_autocheckpoint=1000", "PRAGMA journal_size_limit=16777216"}) {
    if (Status s = Exec(pragma); !s.ok()) return s;
  }
  {
    sqlite3_stmt* mode = nullptr;
    if (Status s = Prepare("PRAGMA journal_mode", &mode); !s.ok()) return s;
    std::string m;
    if (sqlite3_step(mode) == SQLITE_ROW) m = reinterpret_cast<const char*>(sqlite3_column_text(mode, 0));
    sqlite3_finalize(mode);
    if (m != "wal") return Status::Internal(db_path + ": cannot switch to WAL mode (journal_mode=" + m + ")");
  }
  if (Status s = Exec("CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, "
                      "create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL, version INTEGER NOT NULL);"
                      "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                      "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', 1);");
      !s.ok()) {
    return s;
  }
  // Make the new files' directory entries durable too.
  int dir_fd = open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }

  if (Status s = Prepare("INSERT INTO kv (key, value, create_revision, mod_revision, version) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                         "create_revision = excluded.create_revision, mod_revision = excluded.mod_revision, "
                         "version = excluded.version",
                         &upsert_);
      !s.ok()) {
    return s;
  }
  if (Status s = Prepare("DELETE FROM kv WHERE key = ?", &delete_); !s.ok()) return s;
  return Prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('revision', ?)", &set_revision_);
}

Status SqlitePersister::Load(PersistedState* state) {
  *state = PersistedState{};
  sqlite3_stmt* meta = nullptr;
  if (Status s = Prepare("SELECT name, value FROM meta", &meta); !s.ok()) return s;
  int rc;
  while ((rc = sqlite3_step(meta)) == SQLITE_ROW) {
    const std::string_view name(reinterpret_cast<const char*>(sqlite3_column_text(meta, 0)));
    const int64_t value = sqlite3_column_int64(meta, 1);
    if (name == "revision") state->revision = value;
    if (name == "schema" && value != kSchemaVersion) {
      sqlite3_finalize(meta);
      return Status::Internal("unsupported store schema version " + std::to_string(value));
    }
  }
  sqlite3_finalize(meta);
  if (rc != SQLITE_DONE) return Error("reading meta");

  sqlite3_stmt* kvs = nullptr;
  if (Status s = Prepare("SELECT key, value, create_revision, mod_revision, version FROM kv", &kvs); !s.ok()) return s;
  while ((rc = sqlite3_step(kvs)) == SQLITE_ROW) {
    KeyValue kv;
    kv.key = ColumnBytes(kvs, 0);
    kv.value = std::make_shared<const std::string>(ColumnBytes(kvs, 1));
    kv.create_revision = sqlite3_column_int64(kvs, 2);
    kv.mod_revision = sqlite3_column_int64(kvs, 3);
    kv.version = sqlite3_column_int64(kvs, 4);
    if (kv.mod_revision > state->revision) state->revision = kv.mod_revision;  // never go back in time
    state->kvs.push_back(std::move(kv));
  }
  sqlite3_finalize(kvs);
  if (rc != SQLITE_DONE) return Error("reading keys");
  return Status::OK();
}

Status SqlitePersister::Write(const std::vector<std::shared_ptr<const Batch>>& batches) {
  if (batches.empty()) return Status::OK();
  if (Status s = Exec("BEGIN"); !s.ok()) return s;
  auto fail = [&](const char* what) {
    Status s = Error(what);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  for (const auto& batch : batches) {
    for (const Event& e : batch->events) {
      if (e.type == EventType::kPut) {
        StmtReset reset(upsert_);
        BindBlob(upsert_, 1, e.kv.key);
        BindBlob(upsert_, 2, *e.kv.value);
        sqlite3_bind_int64(upsert_, 3, e.kv.create_revision);
        sqlite3_bind_int64(upsert_, 4, e.kv.mod_revision);
        sqlite3_bind_int64(upsert_, 5, e.kv.version);
        if (sqlite3_step(upsert_) != SQLITE_DONE) return fail("writing a key");
      } else {
        StmtReset reset(delete_);
        BindBlob(delete_, 1, e.kv.key);
        if (sqlite3_step(delete_) != SQLITE_DONE) return fail("deleting a key");
      }
    }
  }
  {
    StmtReset reset(set_revision_);
    sqlite3_bind_int64(set_revision_, 1, batches.back()->revision);
    if (sqlite3_step(set_revision_) != SQLITE_DONE) return fail("writing the revision");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("committing");
  return Status::OK();
}

void SqlitePersister::Idle() {
  // Best effort: a failure here leaves a longer WAL, never lost data.
  sqlite3_exec(db_, "PRAGMA incremental_vacuum", nullptr, nullptr, nullptr);
  sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
}

Status SqlitePersister::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return Status::Internal(std::string("sqlite: ") + sql + ": " + m);
  }
  return Status::OK();
}

Status SqlitePersister::Error(const char* what) const {
  return Status::Internal(std::string("sqlite: ") + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Status SqlitePersister::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
    return Error("preparing a statement");
  }
  return Status::OK();
}

}  // namespace netkube::store
