// Store semantics, run against both backends: the in-memory store and the
// SQLite-backed one (the same MemoryStore writing through a SqlitePersister).
#include "store/memory_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "store/test_util.h"

namespace netkube::store {
namespace {

using std::chrono::milliseconds;
using testing::Cmp;
using testing::Delete;
using testing::Put;
using T = Compare::Target;
using R = Compare::Result;

enum class Backend { kMemory, kSqlite };

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Store> Open(const StoreOptions& options = {}) {
    if (GetParam() == Backend::kMemory) return OpenMemoryStore(options);
    auto s = OpenSqliteStore(dir_.path() + "/data", options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  testing::TempDir dir_;
};

std::string Value(const KeyValue& kv) { return *kv.value; }

TEST_P(StoreTest, FreshStoreIsAtRevisionOne) {
  auto s = Open();
  EXPECT_EQ(s->Revision(), 1);
  EXPECT_EQ(s->CompactRevision(), 0);
  EXPECT_TRUE(s->Watch("/a", "", 0).ok());  // nothing was ever dropped
  EXPECT_TRUE(s->Get("/a").status().IsNotFound());
  EXPECT_EQ(s->Range("", std::string(1, '\0'), 0).count, 0);
}

TEST_P(StoreTest, PutsAssignRevisionsAndVersions) {
  auto s = Open();
  auto r1 = Put(*s, "/a", "1");
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1->succeeded);
  EXPECT_EQ(r1->revision, 2);
  ASSERT_EQ(r1->results.size(), 1u);
  EXPECT_EQ(r1->results[0]->create_revision, 2);
  EXPECT_EQ(r1->results[0]->mod_revision, 2);
  EXPECT_EQ(r1->results[0]->version, 1);

  ASSERT_TRUE(Put(*s, "/b", "x").ok());
  auto r3 = Put(*s, "/a", "2");
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->revision, 4);

  auto a = s->Get("/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Value(*a), "2");
  EXPECT_EQ(a->create_revision, 2);
  EXPECT_EQ(a->mod_revision, 4);
  EXPECT_EQ(a->version, 2);
  EXPECT_EQ(s->Revision(), 4);
}

TEST_P(StoreTest, DeleteReturnsDeletedStateAndMissingDeleteWritesNothing) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/a", "1").ok());
  auto d = Delete(*s, "/a");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->revision, 3);
  ASSERT_TRUE(d->results[0].has_value());
  EXPECT_EQ(Value(*d->results[0]), "1");
  EXPECT_EQ(d->results[0]->mod_revision, 2);
  EXPECT_TRUE(s->Get("/a").status().IsNotFound());

  auto again = Delete(*s, "/a");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revision, 3);
  EXPECT_FALSE(again->results[0].has_value());
  EXPECT_EQ(s->Revision(), 3);

  // Recreating starts a new life: new create revision, version 1.
  auto re = Put(*s, "/a", "new");
  ASSERT_TRUE(re.ok());
  EXPECT_EQ(re->results[0]->create_revision, 4);
  EXPECT_EQ(re->results[0]->version, 1);
}

TEST_P(StoreTest, CreateIfAbsentWithCreateRevisionZero) {
  auto s = Open();
  auto create = [&](const std::string& v) {
    return s->Txn({Cmp("/a", T::kCreateRevision, R::kEqual, 0)}, {Op::Put("/a", v)}, {});
  };
  auto first = create("1");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->succeeded);
  auto second = create("2");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->succeeded);
  EXPECT_TRUE(second->results.empty());
  EXPECT_EQ(second->revision, first->revision);  // nothing written
  EXPECT_EQ(Value(*s->Get("/a")), "1");
}

TEST_P(StoreTest, CompareModRevisionGuardsUpdates) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/a", "1").ok());
  const int64_t rv = s->Get("/a")->mod_revision;
  ASSERT_TRUE(Put(*s, "/a", "2").ok());  // a concurrent writer got there first

  auto stale = s->Txn({Cmp("/a", T::kModRevision, R::kEqual, rv)}, {Op::Put("/a", "3")}, {Op::Delete("/other")});
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->succeeded);
  ASSERT_EQ(stale->results.size(), 1u);  // the else branch ran
  EXPECT_EQ(Value(*s->Get("/a")), "2");

  auto fresh = s->Txn({Cmp("/a", T::kModRevision, R::kEqual, s->Get("/a")->mod_revision)}, {Op::Put("/a", "3")}, {});
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->succeeded);
  EXPECT_EQ(Value(*s->Get("/a")), "3");
}

TEST_P(StoreTest, CompareOperatorsAndTargets) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/a", "1").ok());
  ASSERT_TRUE(Put(*s, "/a", "2").ok());  // version 2, create 2, mod 3
  auto holds = [&](Compare c) {
    auto r = s->Txn({std::move(c)}, {}, {});
    EXPECT_TRUE(r.ok());
    return r.ok() && r->succeeded;
  };
  EXPECT_TRUE(holds(Cmp("/a", T::kVersion, R::kEqual, 2)));
  EXPECT_TRUE(holds(Cmp("/a", T::kVersion, R::kGreater, 1)));
  EXPECT_FALSE(holds(Cmp("/a", T::kVersion, R::kLess, 2)));
  EXPECT_TRUE(holds(Cmp("/a", T::kCreateRevision, R::kEqual, 2)));
  EXPECT_TRUE(holds(Cmp("/a", T::kModRevision, R::kEqual, 3)));
  EXPECT_TRUE(holds(Cmp("/a", T::kModRevision, R::kNotEqual, 2)));
  EXPECT_TRUE(holds(Cmp("/missing", T::kVersion, R::kEqual, 0)));
  EXPECT_TRUE(holds(Cmp("/missing", T::kModRevision, R::kLess, 1)));
  // Several compares: all must hold.
  auto r = s->Txn({Cmp("/a", T::kVersion, R::kEqual, 2), Cmp("/missing", T::kVersion, R::kEqual, 1)},
                  {Op::Put("/x", "then")}, {Op::Put("/x", "else")});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->succeeded);
  EXPECT_EQ(Value(*s->Get("/x")), "else");
}

TEST_P(StoreTest, PutFnSeesTheCommitRevision) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/a", "1").ok());
  auto r = s->Txn({}, {Op::PutFn("/b", [](int64_t rev) { return "rv=" + std::to_string(rev); })}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->revision, 3);
  EXPECT_EQ(Value(*r->results[0]), "rv=3");
  EXPECT_EQ(Value(*s->Get("/b")), "rv=3");
  EXPECT_EQ(s->Get("/b")->mod_revision, 3);
}

TEST_P(StoreTest, ThrowingPutFnFailsWithoutWriting) {
  auto s = Open();
  auto r = s->Txn(
      {}, {Op::Put("/a", "1"), Op::PutFn("/b", [](int64_t) -> std::string { throw std::runtime_error("boom"); })}, {});
  EXPECT_EQ(r.status().reason(), Reason::kInternalError);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("boom"));
  EXPECT_EQ(s->Revision(), 1);
  EXPECT_EQ(s->CompactRevision(), 0);
  EXPECT_TRUE(s->Watch("/a", "", 0).ok());  // nothing was ever dropped
  EXPECT_TRUE(s->Get("/a").status().IsNotFound());
  EXPECT_EQ(Put(*s, "/a", "1")->revision, 2);  // the revision was not used up
}

TEST_P(StoreTest, DuplicateKeysInOneTxnAreInvalid) {
  auto s = Open();
  auto r = s->Txn({}, {Op::Put("/a", "1"), Op::Delete("/a")}, {});
  EXPECT_TRUE(r.status().IsInvalid());
  EXPECT_EQ(s->Revision(), 1);
}

TEST_P(StoreTest, MultiOpTxnIsOneRevision) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/c", "old").ok());
  auto r = s->Txn({}, {Op::Put("/a", "1"), Op::Put("/b", "2"), Op::Delete("/c")}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->revision, 3);
  ASSERT_EQ(r->results.size(), 3u);
  EXPECT_EQ(r->results[0]->mod_revision, 3);
  EXPECT_EQ(r->results[1]->mod_revision, 3);
  EXPECT_EQ(Value(*r->results[2]), "old");
  EXPECT_EQ(s->Revision(), 3);
}

TEST_P(StoreTest, RangeWithLimitMoreAndCount) {
  auto s = Open();
  for (const char* k : {"/r/a", "/r/b", "/r/c", "/r/d", "/r/e", "/s/x", "/r"}) ASSERT_TRUE(Put(*s, k, k).ok());
  const std::string end = PrefixEnd("/r/");

  auto page = s->Range("/r/", end, 2);
  EXPECT_EQ(page.revision, s->Revision());
  ASSERT_EQ(page.kvs.size(), 2u);
  EXPECT_EQ(page.kvs[0].key, "/r/a");
  EXPECT_EQ(page.kvs[1].key, "/r/b");
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.count, 5);

  // The next page continues after the last key, as the API server's continue token does.
  auto next = s->Range(page.kvs.back().key + std::string(1, '\0'), end, 10);
  ASSERT_EQ(next.kvs.size(), 3u);
  EXPECT_EQ(next.kvs[0].key, "/r/c");
  EXPECT_FALSE(next.more);
  EXPECT_EQ(next.count, 3);

  auto all = s->Range("/r/", end, 0);
  EXPECT_EQ(all.kvs.size(), 5u);
  EXPECT_FALSE(all.more);

  auto single = s->Range("/r", "", 0);
  ASSERT_EQ(single.kvs.size(), 1u);
  EXPECT_EQ(Value(single.kvs[0]), "/r");

  auto rest = s->Range("/r/d", std::string(1, '\0'), 0);
  EXPECT_EQ(rest.count, 3);  // /r/d, /r/e, /s/x

  EXPECT_EQ(s->Range("/q", "/a", 0).count, 0);  // end before start
}

TEST_P(StoreTest, WatchFromPastRevisionReplaysInOrder) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/w/a", "1").ok());    // rev 2
  ASSERT_TRUE(Put(*s, "/other", "x").ok());  // rev 3
  ASSERT_TRUE(Put(*s, "/w/a", "2").ok());    // rev 4
  ASSERT_TRUE(Delete(*s, "/w/a").ok());      // rev 5

  auto w = s->Watch("/w/", PrefixEnd("/w/"), 2);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::vector<Event> events;
  ASSERT_TRUE((*w)->Next(&events, milliseconds(1000)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kPut);
  EXPECT_EQ(events[0].kv.mod_revision, 4);
  EXPECT_EQ(Value(events[0].kv), "2");
  ASSERT_TRUE(events[0].prev.has_value());
  EXPECT_EQ(Value(*events[0].prev), "1");
  EXPECT_EQ(events[1].type, EventType::kDelete);
  EXPECT_EQ(events[1].kv.key, "/w/a");
  EXPECT_EQ(events[1].kv.mod_revision, 5);
  EXPECT_EQ(Value(events[1].kv), "2");
  EXPECT_EQ(events[1].prev->mod_revision, 4);

  // Live events follow.
  ASSERT_TRUE(Put(*s, "/w/b", "3").ok());
  events.clear();
  ASSERT_TRUE((*w)->Next(&events, milliseconds(5000)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/w/b");
  EXPECT_FALSE(events[0].prev.has_value());

  // Nothing new: Next times out with the watch still open.
  events.clear();
  EXPECT_TRUE((*w)->Next(&events, milliseconds(1)));
  EXPECT_TRUE(events.empty());
}

TEST_P(StoreTest, WatchSingleKeyAndFromFuture) {
  auto s = Open();
  auto w = s->Watch("/a", "", s->Revision());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(Put(*s, "/a/b", "no").ok());
  ASSERT_TRUE(Put(*s, "/a", "yes").ok());
  std::vector<Event> events;
  ASSERT_TRUE((*w)->Next(&events, milliseconds(5000)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/a");
}

TEST_P(StoreTest, CompactMakesOldWatchesGone) {
  auto s = Open();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put(*s, "/k", std::to_string(i)).ok());  // revs 2..6
  ASSERT_TRUE(s->Compact(4).ok());
  EXPECT_EQ(s->CompactRevision(), 4);

  auto old = s->Watch("/k", "", 3);
  ASSERT_FALSE(old.ok());
  EXPECT_TRUE(old.status().IsGone());
  EXPECT_EQ(old.status().message(), "too old resource version: 3 (4)");

  auto ok = s->Watch("/k", "", 4);
  ASSERT_TRUE(ok.ok());
  std::vector<Event> events;
  ASSERT_TRUE((*ok)->Next(&events, milliseconds(1000)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv.mod_revision, 5);

  EXPECT_TRUE(s->Compact(2).ok());  // already compacted: no-op
  EXPECT_EQ(s->CompactRevision(), 4);
  EXPECT_TRUE(s->Compact(100).IsInvalid());
}

TEST_P(StoreTest, HistoryIsBoundedAndCompactedAutomatically) {
  StoreOptions options;
  options.history_limit = 5;
  auto s = Open(options);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Put(*s, "/k" + std::to_string(i % 3), "v").ok());  // revs 2..21
  EXPECT_EQ(s->Revision(), 21);
  EXPECT_EQ(s->CompactRevision(), 16);  // revisions 17..21 kept

  auto gone = s->Watch("", std::string(1, '\0'), 10);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.status().IsGone());
  EXPECT_EQ(gone.status().message(), "too old resource version: 10 (16)");

  auto w = s->Watch("", std::string(1, '\0'), s->CompactRevision());
  ASSERT_TRUE(w.ok());
  std::vector<Event> events;
  ASSERT_TRUE((*w)->Next(&events, milliseconds(1000)));
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events.front().kv.mod_revision, 17);
  EXPECT_EQ(events.back().kv.mod_revision, 21);
}

TEST_P(StoreTest, SlowWatcherIsClosedWithGoneAndWritersGoOn) {
  StoreOptions options;
  options.watcher_queue_limit = 3;
  auto s = Open(options);
  auto slow = s->Watch("/", PrefixEnd("/"), s->Revision());
  auto fast = s->Watch("/", PrefixEnd("/"), s->Revision());
  ASSERT_TRUE(slow.ok() && fast.ok());
  std::vector<Event> fast_events;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Put(*s, "/k", std::to_string(i)).ok());
    ASSERT_TRUE((*fast)->Next(&fast_events, milliseconds(5000)));
  }
  EXPECT_EQ(fast_events.size(), 10u);

  std::vector<Event> events;
  EXPECT_FALSE((*slow)->Next(&events, milliseconds(1000)));
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE((*slow)->status().IsGone());
  EXPECT_THAT((*slow)->status().message(), ::testing::HasSubstr("too old resource version"));
  EXPECT_TRUE((*fast)->status().ok());
}

TEST_P(StoreTest, CloseAndStoreShutdownEndWatches) {
  auto s = Open();
  auto w1 = s->Watch("/a", "", 1);
  auto w2 = s->Watch("/a", "", 1);
  ASSERT_TRUE(w1.ok() && w2.ok());
  EXPECT_EQ(static_cast<MemoryStore*>(s.get())->WatcherCount(), 2u);
  (*w1)->Close();
  EXPECT_EQ(static_cast<MemoryStore*>(s.get())->WatcherCount(), 1u);
  std::vector<Event> events;
  EXPECT_FALSE((*w1)->Next(&events, milliseconds(1000)));

  ASSERT_TRUE(Put(*s, "/a", "1").ok());
  s.reset();                                              // the watcher outlives the store
  EXPECT_TRUE((*w2)->Next(&events, milliseconds(1000)));  // what was queued still arrives
  EXPECT_EQ(events.size(), 1u);
  EXPECT_FALSE((*w2)->Next(&events, milliseconds(1000)));
  EXPECT_TRUE((*w2)->status().ok());
}

TEST_P(StoreTest, ConcurrentWritersGetDistinctRevisions) {
  auto s = Open();
  auto all = s->Watch("", std::string(1, '\0'), s->Revision());
  ASSERT_TRUE(all.ok());
  constexpr int kThreads = 8, kPerThread = 150;
  std::vector<std::vector<int64_t>> revisions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = Put(*s, "/t" + std::to_string(t) + "/" + std::to_string(i), std::string(400, 'x'));
        revisions[t].push_back(r.ok() ? r->revision : -1);
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<int64_t> distinct;
  for (const auto& v : revisions) {
    for (size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);  // a writer's revisions increase
    distinct.insert(v.begin(), v.end());
  }
  EXPECT_EQ(distinct.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*distinct.begin(), 2);
  EXPECT_EQ(*distinct.rbegin(), 1 + kThreads * kPerThread);
  EXPECT_EQ(s->Revision(), 1 + kThreads * kPerThread);
  EXPECT_EQ(s->Range("/", PrefixEnd("/"), 0).count, kThreads * kPerThread);

  // The watcher saw every revision exactly once, in order.
  std::vector<Event> events;
  while (events.size() < size_t{kThreads * kPerThread} && (*all)->Next(&events, milliseconds(5000))) {
  }
  ASSERT_EQ(events.size(), size_t{kThreads * kPerThread});
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].kv.mod_revision, static_cast<int64_t>(i) + 2);
}

TEST_P(StoreTest, ConcurrentCompareAndSwapLosesNoUpdate) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "/counter", "0").ok());
  constexpr int kThreads = 8, kIncrements = 40;
  std::atomic<int> conflicts = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        auto cur = s->Get("/counter");
        if (!cur.ok()) return;
        const std::string next = std::to_string(std::stoi(*cur->value) + 1);
        auto r =
            s->Txn({Cmp("/counter", T::kModRevision, R::kEqual, cur->mod_revision)}, {Op::Put("/counter", next)}, {});
        if (!r.ok()) return;
        if (r->succeeded) {
          ++i;
        } else {
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(*s->Get("/counter")->value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(s->Get("/counter")->version, 1 + kThreads * kIncrements);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::kMemory, Backend::kSqlite),
                         [](const auto& info) { return info.param == Backend::kMemory ? "Memory" : "Sqlite"; });

// A persister that fails on demand, to see the store stop writing safely.
class FlakyPersister : public Persister {
 public:
  explicit FlakyPersister(std::atomic<bool>* fail) : fail_(fail) {}
  Status Write(const std::vector<std::shared_ptr<const Batch>>&) override {
    return *fail_ ? Status::Internal("disk full") : Status::OK();
  }

 private:
  std::atomic<bool>* fail_;
};

TEST(MemoryStoreTest, FailedWriteIsNotVisibleAndStopsWrites) {
  std::atomic<bool> fail = false;
  MemoryStore s({}, PersistedState{}, std::make_unique<FlakyPersister>(&fail));
  ASSERT_TRUE(Put(s, "/a", "1").ok());
  auto w = s.Watch("", std::string(1, '\0'), s.Revision());
  ASSERT_TRUE(w.ok());

  fail = true;
  auto r = Put(s, "/a", "2");
  EXPECT_EQ(r.status().reason(), Reason::kServiceUnavailable);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("disk full"));
  EXPECT_EQ(*s.Get("/a")->value, "1");  // reads still serve the durable state
  EXPECT_EQ(s.Revision(), 2);

  fail = false;
  EXPECT_EQ(Put(s, "/b", "1").status().reason(), Reason::kServiceUnavailable);
  std::vector<Event> events;
  EXPECT_TRUE((*w)->Next(&events, milliseconds(1)));
  EXPECT_TRUE(events.empty());  // no event for what never became durable
}

// A persister whose writes wait until the test opens the gate.
class GatedPersister : public Persister {
 public:
  Status Write(const std::vector<std::shared_ptr<const Batch>>& batches) override {
    std::unique_lock lock(mu_);
    ++writes_started_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    for (const auto& b : batches) written_.push_back(b->revision);
    return Status::OK();
  }
  void WaitForWriteStarted(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return writes_started_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int writes_started_ = 0;
  std::vector<int64_t> written_;
};

TEST(MemoryStoreTest, ReadsAndWatchesSeeOnlyDurableWritesAndNeverWaitForDisk) {
  auto gated = std::make_unique<GatedPersister>();
  GatedPersister* gate = gated.get();
  PersistedState state;
  state.revision = 7;
  state.kvs.push_back(KeyValue{"/a", std::make_shared<const std::string>("old"), 5, 7, 2});
  MemoryStore s({}, std::move(state), std::move(gated));
  EXPECT_EQ(s.Revision(), 7);
  EXPECT_EQ(s.CompactRevision(), 7);
  auto w = s.Watch("/a", "", 7);
  ASSERT_TRUE(w.ok());

  StatusOr<TxnResult> first = Status::Internal("not run");
  std::thread writer([&] { first = Put(s, "/a", "new"); });
  gate->WaitForWriteStarted(1);

  // The write is stuck on disk: reads answer at once with the durable state.
  EXPECT_EQ(*s.Get("/a")->value, "old");
  EXPECT_EQ(s.Range("/a", "", 0).revision, 7);
  EXPECT_EQ(s.Revision(), 7);
  std::vector<Event> events;
  EXPECT_TRUE((*w)->Next(&events, milliseconds(1)));
  EXPECT_TRUE(events.empty());

  // A later transaction compares against the newest state, pending write included.
  // Its PutFn tells which branch ran, while the first write is still not durable.
  std::promise<std::string> branch;
  StatusOr<TxnResult> second = Status::Internal("not run");
  std::thread cas([&] {
    second = s.Txn({Cmp("/a", T::kModRevision, R::kEqual, 8)},
                   {Op::PutFn("/a",
                              [&](int64_t rev) {
                                branch.set_value("then@" + std::to_string(rev));
                                return std::string("newer");
                              })},
                   {Op::PutFn("/b", [&](int64_t) {
                     branch.set_value("else");
                     return std::string("x");
                   })});
  });
  EXPECT_EQ(branch.get_future().get(), "then@9");
  EXPECT_EQ(*s.Get("/a")->value, "old");  // still not durable

  gate->Open();
  writer.join();
  cas.join();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->revision, 8);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->succeeded);
  EXPECT_EQ(second->revision, 9);
  EXPECT_EQ(*s.Get("/a")->value, "newer");
  EXPECT_EQ(s.Get("/a")->version, 4);
  EXPECT_EQ(s.Get("/a")->create_revision, 5);

  while (events.size() < 2 && (*w)->Next(&events, milliseconds(5000))) {
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[0].kv.value, "new");
  EXPECT_EQ(*events[0].prev->value, "old");
  EXPECT_EQ(*events[1].kv.value, "newer");
}

TEST(MemoryStoreTest, WatchWithMoreBacklogThanItsQueueIsGone) {
  StoreOptions options;
  options.watcher_queue_limit = 3;
  MemoryStore s(options);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Put(s, "/k", std::to_string(i)).ok());
  EXPECT_TRUE(s.Watch("/k", "", 1).status().IsGone());
  EXPECT_TRUE(s.Watch("/k", "", 8).ok());      // 3 events to replay
  EXPECT_TRUE(s.Watch("/other", "", 1).ok());  // nothing to replay for this key
}

}  // namespace
}  // namespace netkube::store
