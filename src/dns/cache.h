// The `cache` plugin: CoreDNS's frontend cache (plugin/cache/README.md).
//
//   cache [TTL] [ZONES...] {
//       success CAPACITY [TTL] [MINTTL]
//       denial CAPACITY [TTL] [MINTTL]
//       prefetch AMOUNT [[DURATION] [PERCENTAGE%]]
//       serve_stale [DURATION] [immediate|verify ...]
//       servfail DURATION
//       disable success|denial [ZONES...]
//       keepttl
//   }
//
// Behaviour (as CoreDNS's):
//   - Only queries for names in ZONES (default: the server block's zones) are
//     cached. Entries are keyed by (lower-cased qname, qtype, qclass, DO bit,
//     CD bit).
//   - Two caches: success (NOERROR with data, delegations; max TTL 3600 s)
//     and denial (NXDOMAIN and NODATA, whose TTL comes from the SOA in the
//     authority section, min(SOA TTL, SOA MINIMUM) per RFC 2308; max TTL
//     1800 s). SERVFAIL and NOTIMP go to the denial cache for `servfail`
//     seconds (default 5, at most 300, 0 = never). Minimum TTL 5 s,
//     capacity 9984 each (256 shards, at least 4 entries a shard), random
//     eviction within a shard.
//   - The entry's lifetime is the smallest TTL in the reply clamped to
//     [MINTTL, TTL]; every record of the reply (the first one too) carries
//     that TTL, and hits carry what is left of it (`keepttl`: all of it).
//   - Not cached: truncated replies (TC), other errors, NXDOMAIN without an
//     SOA, NOERROR answers that do not answer the question and carry no SOA,
//     zone transfers, non-QUERY opcodes, replies whose question differs from
//     the query's (counted in drops_total).
//   - netkube's addition: an answer built from watched data
//     (Request::data_generation != 0, plugin.h) is served only while
//     DataGeneration() still equals the generation it was built from, so a
//     Service created or deleted shows at once instead of after the TTL.
//     Answers from elsewhere (forward) keep CoreDNS's TTL-only expiry.
//   - prefetch and serve_stale are parsed and validated but not implemented:
//     an expired entry is a miss.
//
// The hot path: a reply is stored once in wire form without its OPT record,
// with the offsets of its TTL fields. A hit copies it, sets the query's id,
// flags and question bytes (so the client sees its own case), writes the
// remaining TTL at each offset, appends an OPT when the query had one, and
// hands it to Request::ReplyWire: no parse, no serialization. The table is
// split into 256 shards, each behind its own mutex with its own counters, so
// server threads only meet when they touch the same shard at the same time.
//
// Metrics (RenderMetrics): coredns_cache_entries{server,type,zones},
// coredns_cache_hits_total{server,type,zones}, coredns_cache_misses_total,
// coredns_cache_requests_total, coredns_cache_drops_total{server,zones},
// coredns_cache_evictions_total{server,type,zones}.
//
// Thread-safety: Serve and RenderMetrics may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/corefile.h"
#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

struct CacheConfig {
  std::vector<Name> zones;  // empty = the root

  size_t success_capacity = 9984;
  uint32_t success_max_ttl = 3600;
  uint32_t success_min_ttl = 5;
  size_t denial_capacity = 9984;
  uint32_t denial_max_ttl = 1800;
  uint32_t denial_min_ttl = 5;
  uint32_t servfail_ttl = 5;  // 0 = SERVFAIL is not cached

  // Parsed only (see above).
  int prefetch_amount = 0;
  std::chrono::nanoseconds prefetch_duration = std::chrono::minutes(1);
  int prefetch_percentage = 10;
  bool serve_stale = false;
  std::chrono::nanoseconds serve_stale_duration = std::chrono::hours(1);
  bool serve_stale_verify = false;

  // Zones where the success / denial cache stores nothing.
  std::vector<Name> success_disabled;
  std::vector<Name> denial_disabled;
  bool keepttl = false;
};

// Parses the `cache` directive; the default zones are ctx.zones. Errors name
// the line ("Corefile:3 - Error during parsing: ...").
StatusOr<CacheConfig> ParseCacheConfig(const Directive& d, const SetupContext& ctx);

class Cache : public Plugin {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `server` is the metrics label ("dns://:53"); `clock` (tests) replaces
  // the steady clock.
  explicit Cache(CacheConfig config, std::string server = "", Clock clock = nullptr);
  ~Cache() override;

  std::string_view name() const override { return "cache"; }
  void Serve(RequestPtr req) override;
  void RenderMetrics(std::ostream& out) const override;

  // Counters, as the metrics show them (tests).
  enum Kind { kSuccess = 0, kDenial = 1 };
  size_t entries(Kind kind) const;
  uint64_t hits(Kind kind) const;
  uint64_t misses() const;
  uint64_t evictions(Kind kind) const;
  uint64_t drops() const;

 private:
  friend class CacheStoreFilter;
  struct Shard;
  struct Entry;
  struct Pending;

  std::chrono::steady_clock::time_point Now() const {
    return clock_ ? clock_() : std::chrono::steady_clock::now();
  }
  // Stores a reply built for `p` (called by the miss path's filter).
  void Store(const Pending& p, Kind kind, Entry entry);
  void Drop(const Pending& p);
  // Sums field(shard) over the shards, each under its lock.
  template <typename F>
  uint64_t Total(F field) const;

  CacheConfig config_;
  std::string server_;
  std::string zones_label_;
  std::vector<std::string> zone_keys_, success_off_keys_, denial_off_keys_;
  size_t shard_capacity_[2];
  Clock clock_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace netkube::dns
