// Store write throughput and latency: N threads create 10,000 small keys (a
// ConfigMap-sized JSON value, ~400 bytes) with create-if-absent transactions,
// as the API server does for POST. Reports items_per_second (writes/s over
// wall-clock time), p50/p99 latency per write in microseconds and, for SQLite,
// writes/commit (transactions sharing one fsync). With durable commits the
// throughput is about writes/commit divided by the disk's fdatasync latency.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/memory_store.h"
#include "store/store.h"

namespace netkube::store {
namespace {

constexpr int kKeys = 10000;

std::string ConfigMapJson(int i) {
  std::string name = "cm-" + std::to_string(i);
  std::string json = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                     R"(","namespace":"default","uid":"6f1c2d3e-0000-4000-8000-)" + std::to_string(100000000000 + i) +
                     R"(","resourceVersion":"0","creationTimestamp":"2024-01-01T00:00:00Z","labels":{"app":"bench"}},)"
                     R"("data":{"key":")";
  json.append(400 - std::min<size_t>(json.size(), 380), 'v');
  json += R"("}})";
  return json;
}

// Shared by the threads of one benchmark run; thread 0 sets it up and tears it down.
struct Run {
  std::string dir;
  std::unique_ptr<Store> store;
  std::mutex mu;
  std::vector<double> latencies_us;
};
Run* g_run = nullptr;

enum class Backend { kSqliteDisk, kSqliteTmpfs, kMemory };

void CreateKeys(benchmark::State& state, Backend backend) {
  const bool sqlite = backend != Backend::kMemory;
  if (state.thread_index() == 0) {
    g_run = new Run();
    if (sqlite) {
      const std::filesystem::path base =
          backend == Backend::kSqliteTmpfs ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
      std::string pattern = (base / "netkube-store-bench-XXXXXX").string();
      if (!mkdtemp(pattern.data())) {
        state.SkipWithError("mkdtemp failed");
        return;
      }
      g_run->dir = pattern;
      auto s = OpenSqliteStore(pattern + "/data");
      if (!s.ok()) {
        state.SkipWithError(s.status().ToString().c_str());
        return;
      }
      g_run->store = std::move(s).value();
    } else {
      g_run->store = OpenMemoryStore();
    }
  }
  const int threads = state.threads();
  const int per_thread = kKeys / threads;
  std::vector<double> mine;
  mine.reserve(per_thread);
  int i = state.thread_index() * per_thread;
  for (auto _ : state) {
    Store& s = *g_run->store;
    const std::string key = "/registry/configmaps/default/cm-" + std::to_string(i);
    std::string value = ConfigMapJson(i);
    const auto start = std::chrono::steady_clock::now();
    auto r = s.Txn({Compare{key, Compare::Target::kCreateRevision, Compare::Result::kEqual, 0}},
                   {Op::Put(key, std::move(value))}, {});
    const auto end = std::chrono::steady_clock::now();
    if (!r.ok() || !r->succeeded) {
      state.SkipWithError("write failed");
      break;
    }
    mine.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  {
    std::lock_guard lock(g_run->mu);
    g_run->latencies_us.insert(g_run->latencies_us.end(), mine.begin(), mine.end());
  }
  if (state.thread_index() == 0) {
    // The loop's end is a barrier: every thread has recorded its latencies.
    auto& l = g_run->latencies_us;
    std::sort(l.begin(), l.end());
    if (!l.empty()) {
      state.counters["p50_us"] = l[l.size() / 2];
      state.counters["p99_us"] = l[std::min(l.size() - 1, l.size() * 99 / 100)];
    }
    if (auto* m = dynamic_cast<MemoryStore*>(g_run->store.get()); m && m->CommitStats().commits > 0) {
      state.counters["writes/commit"] =
          static_cast<double>(m->CommitStats().batches) / static_cast<double>(m->CommitStats().commits);
    }
    if (g_run->store) state.counters["keys"] = static_cast<double>(g_run->store->Range("/", "\xff", 0).count);
    g_run->store.reset();
    if (!g_run->dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(g_run->dir, ec);
    }
    delete g_run;
    g_run = nullptr;
  }
}

void BM_SqliteCreate(benchmark::State& state) { CreateKeys(state, Backend::kSqliteDisk); }
// The same store on tmpfs, where fsync costs nothing: not durable, it shows
// the CPU ceiling of the write path (SQLite + group commit) without disk latency.
void BM_SqliteTmpfsCreate(benchmark::State& state) { CreateKeys(state, Backend::kSqliteTmpfs); }
void BM_MemoryCreate(benchmark::State& state) { CreateKeys(state, Backend::kMemory); }

BENCHMARK(BM_SqliteCreate)->Threads(8)->Iterations(kKeys / 8)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SqliteCreate)->Threads(1)->Iterations(kKeys / 4)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SqliteTmpfsCreate)->Threads(8)->Iterations(kKeys / 8)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MemoryCreate)->Threads(8)->Iterations(kKeys / 8)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace netkube::store

BENCHMARK_MAIN();
