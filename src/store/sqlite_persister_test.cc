// Persistence: what an SQLite-backed store keeps across reopen and kill -9.
#include "store/sqlite_persister.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "store/test_util.h"

namespace netkube::store {
namespace {

using testing::Delete;
using testing::Put;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    auto s = OpenSqliteStore(data_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  testing::TempDir dir_;
  std::string data_ = dir_.path() + "/data/store";  // nested: created on open
};

TEST_F(SqliteStoreTest, ReopenKeepsDataRevisionsAndDeletes) {
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, "/a", "1").ok());                   // 2
    ASSERT_TRUE(Put(*s, "/b", "x").ok());                   // 3
    ASSERT_TRUE(Put(*s, "/a", "2").ok());                   // 4
    ASSERT_TRUE(Delete(*s, "/b").ok());                     // 5
    ASSERT_TRUE(s->Txn({}, {Op::Put("/c", "")}, {}).ok());  // 6, empty value
    ASSERT_EQ(s->Revision(), 6);
  }
  auto s = Open();
  EXPECT_EQ(s->Revision(), 6);
  EXPECT_EQ(s->CompactRevision(), 6);  // no history survives a restart
  auto a = s->Get("/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a->value, "2");
  EXPECT_EQ(a->create_revision, 2);
  EXPECT_EQ(a->mod_revision, 4);
  EXPECT_EQ(a->version, 2);
  EXPECT_TRUE(s->Get("/b").status().IsNotFound());
  auto c = s->Get("/c");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->value, "");

  // Revisions continue; watches from before the restart relist.
  EXPECT_EQ(Put(*s, "/d", "1")->revision, 7);
  EXPECT_TRUE(s->Watch("/a", "", 5).status().IsGone());
  EXPECT_TRUE(s->Watch("/a", "", 6).ok());
}

TEST_F(SqliteStoreTest, DeleteOnlyTransactionPersistsRevision) {
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, "/a", "1").ok());
    ASSERT_TRUE(Delete(*s, "/a").ok());
  }
  auto s = Open();
  EXPECT_EQ(s->Revision(), 3);
  EXPECT_EQ(s->Range("", std::string(1, '\0'), 0).count, 0);
}

TEST_F(SqliteStoreTest, BinaryKeysAndValuesRoundTrip) {
  const std::string key("/k\0\xff\x01", 5);
  const std::string value("\0\x80\xfe payload", 12);
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, key, value).ok());
  }
  auto s = Open();
  auto kv = s->Get(key);
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->key, key);
  EXPECT_EQ(*kv->value, value);
}

TEST_F(SqliteStoreTest, DirectoryIsUsedByOneStoreAtATime) {
  auto first = Open();
  auto second = OpenSqliteStore(data_);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), ::testing::HasSubstr("in use"));
  first.reset();
  EXPECT_TRUE(OpenSqliteStore(data_).ok());
}

TEST_F(SqliteStoreTest, ConcurrentWritesAllPersist) {
  constexpr int kThreads = 8, kPerThread = 100;
  {
    auto s = Open();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string key = "/t" + std::to_string(t) + "/" + std::to_string(i);
          EXPECT_TRUE(Put(*s, key, key).ok());
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  auto s = Open();
  EXPECT_EQ(s->Revision(), 1 + kThreads * kPerThread);
  auto all = s->Range("/", PrefixEnd("/"), 0);
  ASSERT_EQ(all.count, kThreads * kPerThread);
  std::set<int64_t> revisions;
  for (const KeyValue& kv : all.kvs) {
    EXPECT_EQ(*kv.value, kv.key);
    revisions.insert(kv.mod_revision);
  }
  EXPECT_EQ(revisions.size(), size_t{kThreads * kPerThread});
}

TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveKill9) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes as fast as it can and reports each acknowledged revision.
    close(pipe_fds[0]);
    auto s = OpenSqliteStore(data_);
    if (!s.ok()) _exit(1);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          auto r = Put(**s, "/k/" + std::to_string(t) + "/" + std::to_string(i), "v");
          if (!r.ok()) _exit(2);
          int64_t rev = r->revision;
          if (write(pipe_fds[1], &rev, sizeof rev) != sizeof rev) _exit(3);
        }
      });
    }
    for (auto& th : threads) th.join();
    _exit(0);
  }
  close(pipe_fds[1]);
  int64_t acked_max = 0;
  int64_t count = 0;
  int64_t rev;
  while (count < 300 && read(pipe_fds[0], &rev, sizeof rev) == sizeof rev) {
    acked_max = std::max(acked_max, rev);
    ++count;
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // Revisions acknowledged while the parent was being killed count too.
  while (read(pipe_fds[0], &rev, sizeof rev) == sizeof rev) acked_max = std::max(acked_max, rev);
  close(pipe_fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
  ASSERT_GE(count, 300);

  auto s = Open();
  EXPECT_GE(s->Revision(), acked_max);
  // Every revision up to the store's revision is one key (each Txn wrote one).
  EXPECT_EQ(s->Range("/k/", PrefixEnd("/k/"), 0).count, s->Revision() - 1);
}

TEST_F(SqliteStoreTest, FilesStaySmallUnderChurn) {
  {
    auto s = Open();
    const std::string value(2000, 'x');
    for (int round = 0; round < 60; ++round) {
      std::vector<Op> puts, deletes;
      for (int i = 0; i < 50; ++i) {
        puts.push_back(Op::Put("/churn/" + std::to_string(i), value));
        deletes.push_back(Op::Delete("/churn/" + std::to_string(i)));
      }
      ASSERT_TRUE(s->Txn({}, puts, {}).ok());
      ASSERT_TRUE(s->Txn({}, deletes, {}).ok());
    }
    ASSERT_TRUE(Put(*s, "/keep", "1").ok());
  }
  // 6 MB of values went through (more than the 4 MB autocheckpoint); one small key is live.
  std::error_code ec;
  const auto db = std::filesystem::file_size(data_ + "/state.db", ec);
  ASSERT_FALSE(ec);
  EXPECT_LT(db, 256u * 1024);
  const auto wal = std::filesystem::file_size(data_ + "/state.db-wal", ec);
  if (!ec) EXPECT_LT(wal, 256u * 1024);  // truncated (or removed) on close
  auto s = Open();
  EXPECT_EQ(s->Range("", std::string(1, '\0'), 0).count, 1);
}

TEST_F(SqliteStoreTest, UnusableDirectoryIsAnError) {
  const std::string file = dir_.path() + "/plain-file";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  auto s = OpenSqliteStore(file + "/sub");
  EXPECT_EQ(s.status().reason(), Reason::kInternalError);
}

}  // namespace
}  // namespace netkube::store
