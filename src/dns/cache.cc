// The cache plugin (cache.h): the hit path, the miss path's store filter,
// response classification (CoreDNS's response.Typify and cache.key), the
// sharded table and its metrics.
#include "dns/cache.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <ostream>
#include <unordered_map>

#include "dns/wire_scan.h"

namespace netkube::dns {

namespace {

constexpr size_t kShards = 256;
constexpr size_t kMinShardCapacity = 4;
constexpr uint16_t kReplyUdpSize = 1232;  // the OPT a hit advertises (Message::ReplyTo's default)
constexpr uint32_t kMinimalDefaultTtl = 5;  // CoreDNS's dnsutil.MinimalDefaultTTL
constexpr size_t kHitReserve = 512;         // most replies fit; larger ones grow under the lock

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

uint64_t HashKey(std::string_view qkey, uint16_t qtype, uint16_t qclass, bool do_bit, bool cd) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t{qtype} << 32) ^ (uint64_t{qclass} << 16) ^ (do_bit ? 2u : 0u) ^
               (cd ? 1u : 0u);
  size_t i = 0;
  for (; i + 8 <= qkey.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, qkey.data() + i, 8);
    h = (h ^ v) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, qkey.data() + i, qkey.size() - i);
  h = (h ^ tail ^ (uint64_t{qkey.size()} << 56)) * 0x100000001b3ull;
  return Mix(h);
}

// CoreDNS's response.Type.
enum class RType { kNoError, kNameError, kServerError, kNoData, kDelegation, kMeta, kUpdate, kOtherError };

// What classification needs of a reply, read from either form.
struct Facts {
  int rcode = 0;
  int opcode = 0;
  uint16_t qtype = 0;
  bool tc = false;
  int answers = 0;
  int ns = 0;
  bool soa = false;
  bool answers_question = false;
  bool no_records = true;  // nothing but an OPT
  uint32_t min_ttl = UINT32_MAX;  // SOAs in the authority section count min(TTL, MINIMUM)
};

RType Typify(const Facts& f) {
  if (f.opcode == opcode::Update) return RType::kUpdate;
  if (f.opcode == opcode::Notify || f.qtype == type::AXFR || f.qtype == type::IXFR) return RType::kMeta;
  if (f.answers > 0 && f.rcode == rcode::NoError) {
    // A CNAME chain that does not reach the type is NODATA when an SOA
    // bounds it (CoreDNS's cacheResponseType).
    return (f.soa && !f.answers_question) ? RType::kNoData : RType::kNoError;
  }
  if (f.answers > 0 && f.rcode == rcode::NXDomain) return RType::kOtherError;
  if (f.soa && f.rcode == rcode::NoError) return RType::kNoData;
  if (f.rcode == rcode::NXDomain) return RType::kNameError;
  if (f.rcode == rcode::ServFail || f.rcode == rcode::NotImp) return RType::kServerError;
  if (f.ns > 0 && f.rcode == rcode::NoError) return RType::kDelegation;
  if (f.rcode == rcode::NoError) return RType::kNoError;
  return RType::kOtherError;
}

// CoreDNS's cache.key(): whether a reply of this type may be stored.
bool Cacheable(const Facts& f, RType t) {
  if (f.tc) return false;
  if (t == RType::kOtherError || t == RType::kMeta || t == RType::kUpdate) return false;
  if (t == RType::kNameError && !f.soa) return false;
  if (t == RType::kNoError && !f.soa && f.answers > 0 && !f.answers_question) return false;
  return true;
}

bool IsDenial(RType t) { return t == RType::kNameError || t == RType::kNoData || t == RType::kServerError; }

bool ClassMatches(uint16_t rclass, uint16_t qclass) { return qclass == klass::ANY || rclass == qclass; }

// `name` (wire, any case) equals the lower-cased wire name `key`.
bool EqualsKey(const std::string& name, std::string_view key) {
  if (name.size() != key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != key[i]) return false;
  }
  return true;
}

// CoreDNS's answersQuestion: the queried type exists at the end of the CNAME
// chain that starts at the question name.
bool AnswersQuestion(const Message& m) {
  if (m.header.rcode != rcode::NoError || m.question.empty() || m.answer.empty()) return false;
  const Question& q = m.question[0];
  auto at = [&](const ResourceRecord& rr, const Name& owner) {
    return ClassMatches(rr.rclass, q.qclass) && rr.name == owner;
  };
  bool cname = false;
  for (const auto& rr : m.answer) cname |= rr.rtype == type::CNAME;
  if (q.qtype == type::ANY || !cname) {  // the common case: no chain to follow
    for (const auto& rr : m.answer)
      if ((q.qtype == type::ANY || rr.rtype == q.qtype) && at(rr, q.name)) return true;
    return false;
  }
  // Follows the chain; an owner with two different targets, or a loop (more
  // steps than records), is no answer.
  Name name = q.name;
  for (size_t steps = 0;; ++steps) {
    if (steps > m.answer.size()) return false;
    std::optional<Name> target;
    for (const auto& rr : m.answer) {
      if (rr.rtype != type::CNAME || !at(rr, name)) continue;
      auto t = rr.target();
      if (!t) continue;
      if (target && *target != *t) return false;
      target = std::move(t);
    }
    if (q.qtype == type::CNAME) return steps == 0 && target.has_value();
    if (!target) break;
    name = std::move(*target);
  }
  for (const auto& rr : m.answer)
    if (rr.rtype == q.qtype && at(rr, name)) return true;
  return false;
}

void NoteRecord(Facts& f, const ResourceRecord& rr, bool authority) {
  f.no_records = false;
  uint32_t ttl = rr.ttl;
  if (authority && rr.rtype == type::SOA) {
    f.soa = true;
    if (auto soa = rr.soa()) ttl = std::min(ttl, soa->minimum);
  }
  if (authority && rr.rtype == type::NS) ++f.ns;
  f.min_ttl = std::min(f.min_ttl, ttl);
}

Facts FactsOf(const Message& m) {
  Facts f;
  f.rcode = m.header.rcode;
  f.opcode = m.header.opcode;
  f.qtype = m.question.empty() ? 0 : m.question[0].qtype;
  f.tc = m.header.tc;
  f.answers = static_cast<int>(m.answer.size());
  for (const auto& rr : m.answer) NoteRecord(f, rr, false);
  for (const auto& rr : m.authority) NoteRecord(f, rr, true);
  for (const auto& rr : m.additional) NoteRecord(f, rr, false);
  f.answers_question = AnswersQuestion(m);
  return f;
}

// The facts of a scanned wire reply. False when the wire path cannot judge
// it (a CNAME chain to follow, an OPT that is not the last record): the
// caller then takes the parsed path. `*opt` is the OPT's index or -1.
bool FactsOf(std::string_view w, const wire::Scan& s, Facts* f, int* opt) {
  f->rcode = wire::Rcode(s.flags);
  f->opcode = wire::Opcode(s.flags);
  f->tc = (s.flags & wire::kTC) != 0;
  f->qtype = s.count[0] > 0 ? wire::Get16(w, s.question_end - 4) : 0;
  *opt = -1;
  bool cname = false, has_type = false;
  for (size_t i = 0; i < s.records.size(); ++i) {
    const wire::RecordSpan& r = s.records[i];
    if (r.type == type::OPT) {
      if (*opt >= 0 || i + 1 != s.records.size()) return false;
      *opt = static_cast<int>(i);
      continue;
    }
    f->no_records = false;
    uint32_t ttl = r.ttl;
    if (r.section == wire::kAnswer) {
      ++f->answers;
      cname |= r.type == type::CNAME;
      has_type |= r.type == f->qtype;
    } else if (r.section == wire::kAuthority) {
      if (r.type == type::SOA) {
        f->soa = true;
        if (r.end >= r.rdata() + 22) ttl = std::min(ttl, wire::Get32(w, r.end - 4));
      }
      if (r.type == type::NS) ++f->ns;
    }
    f->min_ttl = std::min(f->min_ttl, ttl);
  }
  if (f->answers > 0 && f->rcode == rcode::NoError) {
    if (f->qtype == type::ANY || f->qtype == type::CNAME) {
      f->answers_question = f->qtype == type::ANY || cname;
    } else if (cname) {
      return false;  // a chain: let the parsed path follow it
    } else {
      f->answers_question = has_type;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// The table

struct Cache::Entry {
  std::string wire;                   // the reply, question lower-cased, no OPT
  std::vector<uint16_t> ttl_offsets;  // every record's TTL field
  uint16_t flags = 0;                 // the stored reply's header flags
  uint16_t udp_size = kReplyUdpSize;  // of the OPT a hit appends
  uint16_t qtype = 0, qclass = 0;
  bool do_bit = false, cd = false;
  Kind kind = kSuccess;
  uint32_t ttl = 0;  // seconds from `stored`
  std::chrono::steady_clock::time_point stored;
  uint64_t generation = 0;
};

struct alignas(64) Cache::Shard {
  std::mutex mu;
  std::unordered_map<uint64_t, Entry> map;
  size_t count[2] = {0, 0};
  uint64_t hits[2] = {0, 0};
  uint64_t requests = 0, misses = 0, drops = 0;
  uint64_t evictions[2] = {0, 0};
  uint64_t rng = 0;
};

// The key of a request on its way to the next plugins.
struct Cache::Pending {
  uint64_t hash = 0;
  std::string qkey;
  uint16_t qtype = 0, qclass = 0;
  bool do_bit = false, cd = false, ad = false;
};

namespace {

std::vector<std::string> Keys(const std::vector<Name>& names) {
  std::vector<std::string> keys;
  for (const Name& n : names) keys.push_back(n.key());
  return keys;
}

bool InAny(std::string_view qkey, const std::vector<std::string>& zones) {
  for (const std::string& z : zones)
    if (wire::InZone(qkey, z)) return true;
  return false;
}

}  // namespace

Cache::Cache(CacheConfig config, std::string server, Clock clock)
    : config_(std::move(config)), server_(std::move(server)), clock_(std::move(clock)) {
  if (config_.zones.empty()) config_.zones.push_back(Name());
  for (size_t i = 0; i < config_.zones.size(); ++i) {
    if (i > 0) zones_label_ += ",";
    zones_label_ += config_.zones[i].ToString();
  }
  zone_keys_ = Keys(config_.zones);
  success_off_keys_ = Keys(config_.success_disabled);
  denial_off_keys_ = Keys(config_.denial_disabled);
  shard_capacity_[kSuccess] = std::max(kMinShardCapacity, config_.success_capacity / kShards);
  shard_capacity_[kDenial] = std::max(kMinShardCapacity, config_.denial_capacity / kShards);
  shards_ = std::make_unique<Shard[]>(kShards);
  for (size_t i = 0; i < kShards; ++i) shards_[i].rng = Mix(0x2545f4914f6cdd1dull + i);
}

Cache::~Cache() = default;

// The store filter: sees the reply of a miss, caps its TTLs as CoreDNS does,
// stores it and lets it go on.
class CacheStoreFilter : public ResponseFilter {
 public:
  CacheStoreFilter(Cache* cache, Cache::Pending p) : cache_(cache), p_(std::move(p)) {}

  bool FilterWire(const Request& req, std::string& w) override;
  void Filter(const Request& req, Message& reply) override;

 private:
  uint32_t Duration(const Facts& f, RType t) const;
  bool Store(const Request& req, const Facts& f, RType t, Cache::Entry entry) const;

  Cache* cache_;
  Cache::Pending p_;
};

uint32_t CacheStoreFilter::Duration(const Facts& f, RType t) const {
  const CacheConfig& c = cache_->config_;
  if (t == RType::kServerError) return c.servfail_ttl;
  bool denial = IsDenial(t);
  uint32_t max = denial ? c.denial_max_ttl : c.success_max_ttl;
  uint32_t min = denial ? c.denial_min_ttl : c.success_min_ttl;
  uint32_t msg = kMinimalDefaultTtl;
  if ((t == RType::kNoError || t == RType::kNameError || t == RType::kNoData) && !f.no_records)
    msg = std::min(f.min_ttl, max);
  return std::min(std::max(msg, min), max);
}

// Common tail of both paths; `entry.wire` holds the reply without OPT.
bool CacheStoreFilter::Store(const Request& req, const Facts& f, RType t, Cache::Entry entry) const {
  if (!Cacheable(f, t) || entry.ttl == 0) return false;
  Cache::Kind kind = IsDenial(t) ? Cache::kDenial : Cache::kSuccess;
  if (InAny(p_.qkey, kind == Cache::kSuccess ? cache_->success_off_keys_ : cache_->denial_off_keys_)) return false;
  if (req.data_generation != 0 && req.data_generation != DataGeneration()) return false;  // already stale
  std::memcpy(entry.wire.data() + wire::kHeaderSize, p_.qkey.data(), p_.qkey.size());
  entry.qtype = p_.qtype;
  entry.qclass = p_.qclass;
  entry.do_bit = p_.do_bit;
  entry.cd = p_.cd;
  entry.kind = kind;
  entry.stored = cache_->Now();
  entry.generation = req.data_generation;
  cache_->Store(p_, kind, std::move(entry));
  return true;
}

namespace {

// The reply's question is the query's: one question, same name (any case),
// type and class. Names in the question section are never compressed.
bool QuestionMatches(std::string_view w, const wire::Scan& s, std::string_view qkey, uint16_t qtype,
                     uint16_t qclass) {
  if (s.count[0] != 1 || s.question_end != wire::kHeaderSize + qkey.size() + 4) return false;
  for (size_t i = 0; i < qkey.size(); ++i) {
    char c = w[wire::kHeaderSize + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != qkey[i]) return false;
  }
  return wire::Get16(w, s.question_end - 4) == qtype && wire::Get16(w, s.question_end - 2) == qclass;
}

}  // namespace

bool CacheStoreFilter::FilterWire(const Request& req, std::string& w) {
  thread_local wire::Scan scan;
  if (!wire::ScanMessage(w, &scan)) return false;
  Facts f;
  int opt = -1;
  if (!FactsOf(w, scan, &f, &opt)) return false;
  RType t = Typify(f);
  uint32_t ttl = Duration(f, t);

  uint16_t flags = wire::Get16(w, 2);
  for (const wire::RecordSpan& r : scan.records)
    if (r.type != type::OPT) wire::Put32(w.data() + r.ttl_off(), ttl);
  if (!p_.do_bit && !p_.ad) wire::Put16(w.data() + 2, flags & ~wire::kAD);

  if (!QuestionMatches(w, scan, p_.qkey, p_.qtype, p_.qclass)) {
    if (Cacheable(f, t)) cache_->Drop(p_);
    return true;
  }
  if (!Cacheable(f, t) || ttl == 0) return true;

  Cache::Entry e;
  e.ttl = ttl;
  e.flags = flags;
  size_t end = w.size();
  if (opt >= 0) {
    const wire::RecordSpan& r = scan.records[opt];
    end = r.start;
    e.udp_size = std::max<uint16_t>(512, r.klass);
  }
  e.wire.assign(w, 0, end);
  if (opt >= 0) wire::Put16(e.wire.data() + 10, static_cast<uint16_t>(scan.count[3] - 1));
  for (const wire::RecordSpan& r : scan.records)
    if (r.type != type::OPT) e.ttl_offsets.push_back(static_cast<uint16_t>(r.ttl_off()));
  Store(req, f, t, std::move(e));
  return true;
}

void CacheStoreFilter::Filter(const Request& req, Message& reply) {
  Facts f = FactsOf(reply);
  RType t = Typify(f);
  uint32_t ttl = Duration(f, t);
  for (auto* section : {&reply.answer, &reply.authority, &reply.additional})
    for (auto& rr : *section) rr.ttl = ttl;

  bool matches = reply.question.size() == 1 && reply.question[0].qtype == p_.qtype &&
                 reply.question[0].qclass == p_.qclass && EqualsKey(reply.question[0].name.wire(), p_.qkey);
  if (!matches) {
    if (Cacheable(f, t)) cache_->Drop(p_);
  } else if (Cacheable(f, t) && ttl > 0) {
    // Serialize once without the OPT (hop by hop) and with the AD bit as
    // the reply had it, then note where the TTLs are.
    Cache::Entry e;
    e.ttl = ttl;
    std::optional<Edns> edns = std::move(reply.edns);
    reply.edns.reset();
    e.wire = Serialize(reply, 65535);
    reply.edns = std::move(edns);
    if (reply.edns) e.udp_size = std::max<uint16_t>(512, reply.edns->udp_size);
    thread_local wire::Scan scan;
    if (wire::ScanMessage(e.wire, &scan) && (wire::Get16(e.wire, 2) & wire::kTC) == 0 &&
        e.wire.size() >= wire::kHeaderSize + p_.qkey.size()) {
      e.flags = wire::Get16(e.wire, 2);
      for (const wire::RecordSpan& r : scan.records) e.ttl_offsets.push_back(static_cast<uint16_t>(r.ttl_off()));
      Store(req, f, t, std::move(e));
    }
  }
  if (!p_.do_bit && !p_.ad) reply.header.ad = false;
}

// ---------------------------------------------------------------------------
// Serve

namespace {

// Appends to `out` the reply to `q` from a stored entry, `ttl` seconds on
// every record.
void BuildHit(std::string& out, const std::string& stored, const std::vector<uint16_t>& ttl_offsets,
              uint16_t stored_flags, uint16_t udp_size, uint32_t ttl, const Message& q, bool do_bit) {
  const bool edns = q.edns.has_value();
  out.reserve(stored.size() + (edns ? 11 : 0));  // usually a no-op: Serve reserved before locking
  out.append(stored);
  char* p = out.data();
  wire::Put16(p, q.header.id);
  uint16_t flags = wire::kQR | wire::kAA | (stored_flags & (wire::kRA | 0x000f));
  if (q.header.rd) flags |= wire::kRD;
  if (q.header.cd) flags |= wire::kCD;
  if ((stored_flags & wire::kAD) && (do_bit || q.header.ad)) flags |= wire::kAD;
  wire::Put16(p + 2, flags);
  const std::string& qname = q.question[0].name.wire();  // the client's case
  std::memcpy(p + wire::kHeaderSize, qname.data(), qname.size());
  for (uint16_t off : ttl_offsets) wire::Put32(p + off, ttl);
  if (edns) {
    char opt[11] = {0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0};
    wire::Put16(opt + 3, udp_size);
    if (do_bit) opt[7] = static_cast<char>(0x80);
    out.append(opt, sizeof opt);
    wire::Put16(out.data() + 10, static_cast<uint16_t>(wire::Get16(out, 10) + 1));
  }
}

}  // namespace

void Cache::Serve(RequestPtr req) {
  const Message& q = req->query;
  if (q.question.size() != 1 || q.header.opcode != opcode::Query) return Next(std::move(req));
  const std::string& qkey = req->qkey();
  if (!InAny(qkey, zone_keys_)) return Next(std::move(req));

  const Question& question = q.question[0];
  const bool do_bit = q.edns && q.edns->do_bit;
  const bool cd = q.header.cd;
  const uint64_t hash = HashKey(qkey, question.qtype, question.qclass, do_bit, cd);
  Shard& shard = shards_[hash >> 56];
  const auto now = Now();

  std::string out;
  out.reserve(kHitReserve);  // allocate outside the lock
  bool hit = false;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    ++shard.requests;
    auto it = shard.map.find(hash);
    if (it != shard.map.end()) {
      const Entry& e = it->second;
      if (e.qtype == question.qtype && e.qclass == question.qclass && e.do_bit == do_bit && e.cd == cd &&
          e.wire.compare(wire::kHeaderSize, qkey.size(), qkey) == 0) {
        int64_t age = std::chrono::duration_cast<std::chrono::seconds>(now - e.stored).count();
        int64_t left = static_cast<int64_t>(e.ttl) - age;
        if (left > 0 && (e.generation == 0 || e.generation == DataGeneration())) {
          ++shard.hits[e.kind];
          BuildHit(out, e.wire, e.ttl_offsets, e.flags, e.udp_size,
                   config_.keepttl ? e.ttl : static_cast<uint32_t>(left), q, do_bit);
          hit = true;
        } else {  // expired, or built from data that has changed since
          --shard.count[e.kind];
          shard.map.erase(it);
        }
      }
    }
    if (!hit) ++shard.misses;
  }
  if (hit) return req->ReplyWire(std::move(out));

  Pending p;
  p.hash = hash;
  p.qkey = qkey;
  p.qtype = question.qtype;
  p.qclass = question.qclass;
  p.do_bit = do_bit;
  p.cd = cd;
  p.ad = q.header.ad;
  req->PushFilter(std::make_unique<CacheStoreFilter>(this, std::move(p)));
  Next(std::move(req));
}

void Cache::Store(const Pending& p, Kind kind, Entry entry) {
  Shard& shard = shards_[p.hash >> 56];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.map.find(p.hash);
  if (it != shard.map.end()) {  // one answer a key: the newest
    --shard.count[it->second.kind];
    shard.map.erase(it);
  }
  if (shard.count[kind] >= shard_capacity_[kind] && !shard.map.empty()) {
    // Random eviction among this kind's entries, as CoreDNS's shards do.
    shard.rng ^= shard.rng << 13;
    shard.rng ^= shard.rng >> 7;
    shard.rng ^= shard.rng << 17;
    size_t buckets = shard.map.bucket_count();
    size_t start = shard.rng % buckets;
    for (size_t i = 0; i < buckets; ++i) {
      size_t b = (start + i) % buckets;
      auto victim = std::find_if(shard.map.begin(b), shard.map.end(b),
                                 [kind](const auto& kv) { return kv.second.kind == kind; });
      if (victim != shard.map.end(b)) {
        shard.map.erase(victim->first);
        --shard.count[kind];
        ++shard.evictions[kind];
        break;
      }
    }
  }
  shard.map.emplace(p.hash, std::move(entry));
  ++shard.count[kind];
}

void Cache::Drop(const Pending& p) {
  Shard& shard = shards_[p.hash >> 56];
  std::lock_guard<std::mutex> lock(shard.mu);
  ++shard.drops;
}

// ---------------------------------------------------------------------------
// Metrics

template <typename F>
uint64_t Cache::Total(F field) const {
  uint64_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    n += field(shards_[i]);
  }
  return n;
}

size_t Cache::entries(Kind kind) const {
  return Total([kind](const Shard& s) { return s.count[kind]; });
}
uint64_t Cache::hits(Kind kind) const {
  return Total([kind](const Shard& s) { return s.hits[kind]; });
}
uint64_t Cache::misses() const {
  return Total([](const Shard& s) { return s.misses; });
}
uint64_t Cache::evictions(Kind kind) const {
  return Total([kind](const Shard& s) { return s.evictions[kind]; });
}
uint64_t Cache::drops() const {
  return Total([](const Shard& s) { return s.drops; });
}

void Cache::RenderMetrics(std::ostream& out) const {
  uint64_t entries[2] = {0, 0}, hits[2] = {0, 0}, evictions[2] = {0, 0};
  uint64_t requests = 0, misses = 0, drops = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    const Shard& s = shards_[i];
    for (int k = 0; k < 2; ++k) {
      entries[k] += s.count[k];
      hits[k] += s.hits[k];
      evictions[k] += s.evictions[k];
    }
    requests += s.requests;
    misses += s.misses;
    drops += s.drops;
  }
  const std::string base = "server=\"" + server_ + "\"";
  const std::string zones = "zones=\"" + zones_label_ + "\"";
  const char* kinds[2] = {"success", "denial"};
  out << "# HELP coredns_cache_entries The number of elements in the cache.\n"
      << "# TYPE coredns_cache_entries gauge\n";
  for (int k = 1; k >= 0; --k)
    out << "coredns_cache_entries{" << base << ",type=\"" << kinds[k] << "\"," << zones << "} " << entries[k] << "\n";
  out << "# HELP coredns_cache_hits_total The count of cache hits.\n"
      << "# TYPE coredns_cache_hits_total counter\n";
  for (int k = 1; k >= 0; --k)
    out << "coredns_cache_hits_total{" << base << ",type=\"" << kinds[k] << "\"," << zones << "} " << hits[k] << "\n";
  out << "# HELP coredns_cache_misses_total The count of cache misses. Deprecated, derive misses from cache "
         "hits/requests counters.\n"
      << "# TYPE coredns_cache_misses_total counter\n"
      << "coredns_cache_misses_total{" << base << "," << zones << "} " << misses << "\n"
      << "# HELP coredns_cache_requests_total The count of cache requests.\n"
      << "# TYPE coredns_cache_requests_total counter\n"
      << "coredns_cache_requests_total{" << base << "," << zones << "} " << requests << "\n"
      << "# HELP coredns_cache_drops_total The number responses that are not cached, because the reply is malformed.\n"
      << "# TYPE coredns_cache_drops_total counter\n"
      << "coredns_cache_drops_total{" << base << "," << zones << "} " << drops << "\n"
      << "# HELP coredns_cache_evictions_total The count of cache evictions.\n"
      << "# TYPE coredns_cache_evictions_total counter\n";
  for (int k = 1; k >= 0; --k)
    out << "coredns_cache_evictions_total{" << base << ",type=\"" << kinds[k] << "\"," << zones << "} "
        << evictions[k] << "\n";
}

StatusOr<std::unique_ptr<Plugin>> SetupCache(const Directive& d, const SetupContext& ctx) {
  auto config = ParseCacheConfig(d, ctx);
  if (!config.ok()) return config.status();
  return std::unique_ptr<Plugin>(std::make_unique<Cache>(std::move(config).value(), ctx.server));
}

}  // namespace netkube::dns
