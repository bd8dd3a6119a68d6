// The loadbalance plugin (loadbalance.h).
#include "dns/loadbalance.h"

#include <chrono>
#include <cstring>
#include <thread>

#include "dns/wire_scan.h"

namespace netkube::dns {

namespace {

uint64_t NextRandom() {
  thread_local uint64_t state = [] {
    uint64_t s = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                 std::hash<std::thread::id>()(std::this_thread::get_id());
    return s == 0 ? 0x9e3779b97f4a7c15ull : s;
  }();
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// Fisher-Yates over any random-access range of n elements.
template <typename Swap>
void Shuffle(size_t n, Swap swap) {
  for (size_t i = n; i > 1; --i) {
    size_t j = NextRandom() % i;
    if (j != i - 1) swap(i - 1, j);
  }
}

enum Bucket { kCname = 0, kRest = 1, kAddress = 2, kMx = 3, kOpt = 4 };

Bucket BucketOf(uint16_t t) {
  switch (t) {
    case type::CNAME:
      return kCname;
    case type::A:
    case type::AAAA:
      return kAddress;
    case type::MX:
      return kMx;
    case type::OPT:
      return kOpt;
    default:
      return kRest;
  }
}

// The new order of records [a, b) of a scan: indices into scan.records.
void NewOrder(const wire::Scan& s, size_t a, size_t b, std::vector<size_t>* order) {
  order->clear();
  size_t begin[5];
  for (int k = 0; k < 5; ++k) {
    begin[k] = order->size();
    for (size_t i = a; i < b; ++i)
      if (BucketOf(s.records[i].type) == k) order->push_back(i);
    if (k == kAddress || k == kMx) {
      size_t from = begin[k], n = order->size() - from;
      Shuffle(n, [&](size_t x, size_t y) { std::swap((*order)[from + x], (*order)[from + y]); });
    }
  }
}

}  // namespace

void RoundRobin(std::vector<ResourceRecord>& records) {
  if (records.size() <= 1) return;
  std::vector<ResourceRecord> buckets[4];
  for (auto& rr : records) {
    Bucket b = BucketOf(rr.rtype);
    buckets[b == kOpt ? kRest : b].push_back(std::move(rr));
  }
  records.clear();
  for (int k = 0; k < 4; ++k) {
    auto& v = buckets[k];
    if (k == kAddress || k == kMx) Shuffle(v.size(), [&](size_t x, size_t y) { std::swap(v[x], v[y]); });
    for (auto& rr : v) records.push_back(std::move(rr));
  }
}

void Loadbalance::Serve(RequestPtr req) {
  req->PushFilter(static_cast<ResponseFilter*>(this));
  Next(std::move(req));
}

void Loadbalance::Filter(const Request& /*req*/, Message& reply) {
  if (reply.header.rcode != rcode::NoError) return;
  if (!reply.question.empty() &&
      (reply.question[0].qtype == type::AXFR || reply.question[0].qtype == type::IXFR))
    return;
  RoundRobin(reply.answer);
  RoundRobin(reply.authority);
  RoundRobin(reply.additional);
}

bool Loadbalance::FilterWire(const Request& /*req*/, std::string& w) {
  if (w.size() < wire::kHeaderSize) return true;
  // The fast path: no section with two records, nothing to reorder.
  if (wire::Get16(w, 6) <= 1 && wire::Get16(w, 8) <= 1 && wire::Get16(w, 10) <= 1) return true;
  if (wire::Rcode(wire::Get16(w, 2)) != rcode::NoError) return true;

  thread_local wire::Scan scan;
  thread_local std::vector<size_t> order[3];
  if (!wire::ScanMessage(w, &scan, /*want_pointer_targets=*/true)) return true;  // not ours to judge
  if (scan.count[0] > 0) {
    uint16_t qtype = wire::Get16(w, scan.question_end - 4);
    if (qtype == type::AXFR || qtype == type::IXFR) return true;
  }

  // Plan every section first; give up (parsed path) if bytes that would
  // move are the target of a compression pointer.
  size_t move_from[3] = {0, 0, 0};
  size_t first_moved[3];
  size_t a = 0;
  for (int sec = 0; sec < 3; ++sec) {
    size_t b = a + scan.count[sec + 1];
    first_moved[sec] = b;
    if (b - a > 1) {
      NewOrder(scan, a, b, &order[sec]);
      size_t k = 0;
      while (k < b - a && order[sec][k] == a + k) ++k;
      if (k < b - a) {
        first_moved[sec] = a + k;
        move_from[sec] = scan.records[a + k].start;
        size_t end = scan.records[b - 1].end;
        for (uint16_t t : scan.pointer_targets)
          if (t >= move_from[sec] && t < end) return false;
      }
    }
    a = b;
  }

  thread_local std::string moved;
  a = 0;
  for (int sec = 0; sec < 3; ++sec) {
    size_t b = a + scan.count[sec + 1];
    if (first_moved[sec] < b) {
      moved.clear();
      for (size_t k = first_moved[sec] - a; k < b - a; ++k) {
        const wire::RecordSpan& r = scan.records[order[sec][k]];
        moved.append(w, r.start, r.end - r.start);
      }
      std::memcpy(w.data() + move_from[sec], moved.data(), moved.size());
    }
    a = b;
  }
  return true;
}

StatusOr<std::unique_ptr<Plugin>> SetupLoadbalance(const Directive& d, const SetupContext& /*ctx*/) {
  if (!d.args.empty()) {
    const Token& policy = d.args[0];
    if (policy.text == "weighted")
      return ParseErrorAt(policy, "plugin/loadbalance: the weighted policy is not supported by netkube");
    if (policy.text != "round_robin") return ParseErrorAt(policy, "plugin/loadbalance: unknown policy: " + policy.text);
    if (d.args.size() > 1) return ParseErrorAt(d.args[1], "plugin/loadbalance: unknown property for round_robin");
  }
  for (const Directive& sub : d.block) {
    if (sub.name.text == "prefer" || sub.name.text == "reload")
      return ParseErrorAt(sub.name, "plugin/loadbalance: '" + sub.name.text + "' is not supported by netkube");
    return ParseErrorAt(sub.name, "plugin/loadbalance: unknown property '" + sub.name.text + "'");
  }
  return std::unique_ptr<Plugin>(std::make_unique<Loadbalance>());
}

}  // namespace netkube::dns
