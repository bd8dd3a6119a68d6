// Micro-benchmarks of the cache plugin's paths (Google Benchmark): a hit
// (one thread and two, same key and distinct keys), a hit behind
// loadbalance and log-free chains, and a miss that stores. Each iteration
// is one Request from allocation to the writer, as the server hands it on.
//
// Build: target cache_bench (links netkube_dns). Run: build-X/bench/dns/cache_bench.
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "dns/cache.h"
#include "dns/corefile.h"
#include "dns/loadbalance.h"
#include "dns/message.h"
#include "dns/plugin.h"

namespace netkube::dns {
namespace {

class NullWriter : public ReplyWriter {
 public:
  void Write(const Request& /*req*/, std::string_view wire) override {
    bytes.fetch_add(wire.size(), std::memory_order_relaxed);
  }
  std::atomic<uint64_t> bytes{0};
};

// Answers like the kubernetes plugin: one A record (or `records`), as a
// Message, stamped with the data generation.
class Backend : public Plugin {
 public:
  explicit Backend(int records = 1) : records_(records) {}
  std::string_view name() const override { return "backend"; }
  void Serve(RequestPtr req) override {
    Message m = Message::ReplyTo(req->query);
    m.header.aa = true;
    for (int i = 0; i < records_; ++i)
      m.answer.push_back(
          ResourceRecord::MakeA(req->query.question[0].name, 5, {10, 96, 0, static_cast<uint8_t>(i + 1)}));
    req->data_generation = DataGeneration();
    req->Reply(std::move(m));
  }

 private:
  int records_;
};

Message Query(const std::string& name) {
  Message q;
  q.header.id = 42;
  q.header.rd = true;
  q.question.push_back({*Name::Parse(name), type::A, klass::IN});
  q.edns = Edns{1232, 0, false, ""};
  return q;
}

std::unique_ptr<Cache> MakeCache(size_t capacity = 9984) {
  CacheConfig c;
  c.zones = {Name()};
  c.success_capacity = capacity;
  return std::make_unique<Cache>(c, "dns://:53");
}

void RunOne(std::vector<Plugin*>& chain, const Message& q, const std::shared_ptr<ReplyWriter>& writer) {
  auto req = std::make_unique<Request>();
  req->query = q;
  req->max_size = 1232;
  req->chain = &chain;
  req->writer = writer;
  Next(std::move(req));
}

struct Fixture {
  std::unique_ptr<Cache> cache = MakeCache();
  Loadbalance lb;
  Backend one{1}, four{4};
  std::vector<Plugin*> plain{cache.get(), &one};
  std::vector<Plugin*> balanced{&lb, cache.get(), &four};
  std::shared_ptr<NullWriter> writer = std::make_shared<NullWriter>();
};
Fixture& Shared() {
  static Fixture f;
  return f;
}

// A hit; with threads, each thread asks the same name (the same shard).
void BM_CacheHitSameKey(benchmark::State& state) {
  Fixture& f = Shared();
  Message q = Query("web.default.svc.cluster.local");
  RunOne(f.plain, q, f.writer);
  for (auto _ : state) RunOne(f.plain, q, f.writer);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheHitSameKey)->Threads(1)->Threads(2)->UseRealTime();

// A hit; each thread walks its own 1,000 names (different shards).
void BM_CacheHitSpread(benchmark::State& state) {
  Fixture& f = Shared();
  std::vector<Message> qs;
  for (int i = 0; i < 1000; ++i)
    qs.push_back(Query("svc-" + std::to_string(state.thread_index()) + "-" + std::to_string(i) +
                       ".default.svc.cluster.local"));
  for (const Message& q : qs) RunOne(f.plain, q, f.writer);
  size_t i = 0;
  for (auto _ : state) {
    RunOne(f.plain, qs[i], f.writer);
    if (++i == qs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheHitSpread)->Threads(1)->Threads(2)->UseRealTime();

// A hit of four A records behind loadbalance (the wire shuffle).
void BM_CacheHitBalanced(benchmark::State& state) {
  Fixture& f = Shared();
  Message q = Query("headless.default.svc.cluster.local");
  RunOne(f.balanced, q, f.writer);
  for (auto _ : state) RunOne(f.balanced, q, f.writer);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheHitBalanced);

// The backend alone (no cache): what a hit saves.
void BM_NoCache(benchmark::State& state) {
  Fixture& f = Shared();
  std::vector<Plugin*> chain{&f.one};
  Message q = Query("web.default.svc.cluster.local");
  for (auto _ : state) RunOne(chain, q, f.writer);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NoCache);

// A miss that stores: every query is for a name not seen before (the
// generation is bumped every 8,192 queries, so the table stays bounded).
void BM_CacheMissStore(benchmark::State& state) {
  auto cache = MakeCache();
  Backend backend;
  std::vector<Plugin*> chain{cache.get(), &backend};
  auto writer = std::make_shared<NullWriter>();
  std::vector<Message> qs;
  for (int i = 0; i < 8192; ++i) qs.push_back(Query("miss-" + std::to_string(i) + ".default.svc.cluster.local"));
  size_t i = 0;
  for (auto _ : state) {
    RunOne(chain, qs[i], writer);
    if (++i == qs.size()) {
      i = 0;
      BumpDataGeneration();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheMissStore);

}  // namespace
}  // namespace netkube::dns

BENCHMARK_MAIN();
