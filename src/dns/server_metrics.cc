// The coredns_dns_* metrics (names, labels and buckets as CoreDNS's metrics
// plugin exports them) and the merge of the /metrics page.
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "dns/server_impl.h"

namespace netkube::dns {

namespace {

constexpr uint16_t kTypeNums[ZoneMetrics::kTypes - 1] = {1,  28, 2,  12, 33, 5,  6,  15, 16, 13,
                                                         35, 43, 48, 46, 47, 50, 251, 252, 255};

int TypeIndex(uint16_t t) {
  for (int i = 0; i < ZoneMetrics::kTypes - 1; ++i) {
    if (kTypeNums[i] == t) return i;
  }
  return ZoneMetrics::kTypes - 1;
}

std::string TypeLabel(int i) { return i < ZoneMetrics::kTypes - 1 ? TypeName(kTypeNums[i]) : "other"; }

double DurationBound(int i) { return 0.00025 * std::pow(2.0, i); }
constexpr double kSizeBounds[ZoneMetrics::kSizeBuckets] = {0,    100,  200,  300,   400,   511,   1023,
                                                           2047, 4095, 8291, 16000, 32000, 48000, 64000};

int DurationBucket(double seconds) {
  for (int i = 0; i < ZoneMetrics::kDurationBuckets; ++i) {
    if (seconds <= DurationBound(i)) return i;
  }
  return ZoneMetrics::kDurationBuckets;
}
int SizeBucket(size_t size) {
  for (int i = 0; i < ZoneMetrics::kSizeBuckets; ++i) {
    if (static_cast<double>(size) <= kSizeBounds[i]) return i;
  }
  return ZoneMetrics::kSizeBuckets;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

int ShardIndex() {
  static std::atomic<int> next{0};
  thread_local int mine = next.fetch_add(1, std::memory_order_relaxed) % ZoneMetrics::kShards;
  return mine;
}

void Add(std::atomic<uint64_t>& c, uint64_t v = 1) { c.fetch_add(v, std::memory_order_relaxed); }
uint64_t Load(const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); }

// Writes one histogram's lines from non-cumulative counts.
void RenderHistogram(std::ostream& out, const std::string& name, const std::string& labels, const uint64_t* counts,
                     int nbuckets, double (*bound)(int), double sum) {
  uint64_t cum = 0;
  for (int i = 0; i < nbuckets; ++i) {
    cum += counts[i];
    out << name << "_bucket{" << labels << ",le=\"" << Num(bound(i)) << "\"} " << cum << "\n";
  }
  cum += counts[nbuckets];
  out << name << "_bucket{" << labels << ",le=\"+Inf\"} " << cum << "\n";
  out << name << "_sum{" << labels << "} " << Num(sum) << "\n";
  out << name << "_count{" << labels << "} " << cum << "\n";
}

double SizeBound(int i) { return kSizeBounds[i]; }

}  // namespace

ZoneMetrics::Shard& ZoneMetrics::MyShard() { return shards_[ShardIndex()]; }

int ZoneMetrics::PluginSlot(std::string_view plugin) {
  if (plugin.empty()) return 0;
  std::lock_guard<std::mutex> l(mu_);
  int n = plugin_count_.load(std::memory_order_relaxed);
  for (int i = 1; i < n; ++i) {
    if (plugin_names_[i] == plugin) return i;
  }
  if (n == kPluginSlots) return kPluginSlots - 1;
  plugin_names_[n] = std::string(plugin);
  plugin_count_.store(n + 1, std::memory_order_release);
  return n;
}

void ZoneMetrics::RecordRequest(bool tcp, int family, uint16_t qtype, size_t size) {
  Shard& s = MyShard();
  Add(s.requests[tcp][family == 2][TypeIndex(qtype)]);
  Add(s.req_size[tcp][SizeBucket(size)]);
  Add(s.req_bytes[tcp], size);
}

void ZoneMetrics::RecordResponse(bool tcp, uint16_t qtype, int rcode, int plugin_slot, size_t size, double seconds) {
  Shard& s = MyShard();
  int rc = rcode >= 0 && rcode < kRcodes - 1 ? rcode : kRcodes - 1;
  if (plugin_slot < 0 || plugin_slot >= kPluginSlots) plugin_slot = 0;
  Add(s.responses[rc][plugin_slot]);
  int t = TypeIndex(qtype);
  Add(s.duration[t][DurationBucket(seconds)]);
  Add(s.duration_ns[t], static_cast<uint64_t>(seconds * 1e9));
  Add(s.resp_size[tcp][SizeBucket(size)]);
  Add(s.resp_bytes[tcp], size);
}

void ZoneMetrics::Render(std::ostream& requests, std::ostream& responses, std::ostream& duration,
                         std::ostream& req_size, std::ostream& resp_size) const {
  std::string base = "server=\"" + server_ + "\",zone=\"" + zone_ + "\",view=\"\"";
  const char* proto[2] = {"udp", "tcp"};
  for (int p = 0; p < 2; ++p) {
    for (int f = 0; f < 2; ++f) {
      for (int t = 0; t < kTypes; ++t) {
        uint64_t v = 0;
        for (const Shard& s : shards_) v += Load(s.requests[p][f][t]);
        if (v == 0) continue;
        requests << "coredns_dns_requests_total{" << base << ",proto=\"" << proto[p] << "\",family=\"" << (f + 1)
                 << "\",type=\"" << TypeLabel(t) << "\"} " << v << "\n";
      }
    }
  }
  int nplugins = plugin_count_.load(std::memory_order_acquire);
  for (int rc = 0; rc < kRcodes; ++rc) {
    for (int p = 0; p < nplugins; ++p) {
      uint64_t v = 0;
      for (const Shard& s : shards_) v += Load(s.responses[rc][p]);
      if (v == 0) continue;
      std::string rcname = rc < kRcodes - 1 ? RcodeName(rc) : "other";
      responses << "coredns_dns_responses_total{" << base << ",rcode=\"" << rcname << "\",plugin=\""
                << plugin_names_[p] << "\"} " << v << "\n";
    }
  }
  for (int t = 0; t < kTypes; ++t) {
    uint64_t counts[kDurationBuckets + 1] = {};
    uint64_t total = 0, ns = 0;
    for (const Shard& s : shards_) {
      for (int b = 0; b <= kDurationBuckets; ++b) counts[b] += Load(s.duration[t][b]);
      ns += Load(s.duration_ns[t]);
    }
    for (uint64_t c : counts) total += c;
    if (total == 0) continue;
    RenderHistogram(duration, "coredns_dns_request_duration_seconds", base + ",type=\"" + TypeLabel(t) + "\"", counts,
                    kDurationBuckets, DurationBound, static_cast<double>(ns) / 1e9);
  }
  for (int p = 0; p < 2; ++p) {
    uint64_t rq[kSizeBuckets + 1] = {}, rs[kSizeBuckets + 1] = {};
    uint64_t rq_total = 0, rs_total = 0, rq_bytes = 0, rs_bytes = 0;
    for (const Shard& s : shards_) {
      for (int b = 0; b <= kSizeBuckets; ++b) {
        rq[b] += Load(s.req_size[p][b]);
        rs[b] += Load(s.resp_size[p][b]);
      }
      rq_bytes += Load(s.req_bytes[p]);
      rs_bytes += Load(s.resp_bytes[p]);
    }
    for (int b = 0; b <= kSizeBuckets; ++b) {
      rq_total += rq[b];
      rs_total += rs[b];
    }
    std::string labels = base + ",proto=\"" + proto[p] + "\"";
    if (rq_total) {
      RenderHistogram(req_size, "coredns_dns_request_size_bytes", labels, rq, kSizeBuckets, SizeBound,
                      static_cast<double>(rq_bytes));
    }
    if (rs_total) {
      RenderHistogram(resp_size, "coredns_dns_response_size_bytes", labels, rs, kSizeBuckets, SizeBound,
                      static_cast<double>(rs_bytes));
    }
  }
}

MetricsRegistry& MetricsRegistry::Get() {
  static MetricsRegistry* r = new MetricsRegistry();
  return *r;
}

std::shared_ptr<ZoneMetrics> MetricsRegistry::Zone(const std::string& server, const std::string& zone) {
  std::lock_guard<std::mutex> l(mu_);
  auto& weak = zones_[{server, zone}];
  if (auto sp = weak.lock()) return sp;
  auto sp = std::make_shared<ZoneMetrics>(server, zone);
  weak = sp;
  return sp;
}

void MetricsRegistry::RecordHealth(double seconds) {
  Add(health_buckets_[DurationBucket(seconds)]);
  Add(health_ns_, static_cast<uint64_t>(seconds * 1e9));
}

void MetricsRegistry::Render(std::ostream& out) const {
  std::ostringstream requests, responses, duration, req_size, resp_size;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, weak] : zones_) {
      if (auto sp = weak.lock()) sp->Render(requests, responses, duration, req_size, resp_size);
    }
  }
  out << "# HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.\n"
      << "# TYPE coredns_dns_requests_total counter\n"
      << requests.str()
      << "# HELP coredns_dns_responses_total Counter of response status codes.\n"
      << "# TYPE coredns_dns_responses_total counter\n"
      << responses.str()
      << "# HELP coredns_dns_request_duration_seconds Histogram of the time (in seconds) each request took per zone.\n"
      << "# TYPE coredns_dns_request_duration_seconds histogram\n"
      << duration.str()
      << "# HELP coredns_dns_request_size_bytes Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and "
         "protocol.\n"
      << "# TYPE coredns_dns_request_size_bytes histogram\n"
      << req_size.str()
      << "# HELP coredns_dns_response_size_bytes Size of the returned response in bytes.\n"
      << "# TYPE coredns_dns_response_size_bytes histogram\n"
      << resp_size.str()
      << "# HELP coredns_panics_total A metrics that counts the number of panics.\n"
      << "# TYPE coredns_panics_total counter\n"
      << "coredns_panics_total " << Load(panics) << "\n"
      << "# HELP coredns_reload_failed_total Counter of the number of failed reload attempts.\n"
      << "# TYPE coredns_reload_failed_total counter\n"
      << "coredns_reload_failed_total " << Load(reload_failed) << "\n";
  uint64_t counts[ZoneMetrics::kDurationBuckets + 1];
  for (int i = 0; i <= ZoneMetrics::kDurationBuckets; ++i) counts[i] = Load(health_buckets_[i]);
  out << "# HELP coredns_health_request_duration_seconds Histogram of the time (in seconds) each request took.\n"
      << "# TYPE coredns_health_request_duration_seconds histogram\n";
  std::ostringstream h;
  RenderHistogram(h, "coredns_health_request_duration_seconds", "", counts, ZoneMetrics::kDurationBuckets,
                  DurationBound, static_cast<double>(Load(health_ns_)) / 1e9);
  // No labels: drop the "{," left by the empty label set.
  std::string text = h.str();
  for (size_t pos; (pos = text.find("{,")) != std::string::npos;) text.erase(pos + 1, 1);
  for (size_t pos; (pos = text.find("{}")) != std::string::npos;) text.erase(pos, 2);
  out << text
      << "# HELP coredns_health_request_failures_total The number of times the health check failed.\n"
      << "# TYPE coredns_health_request_failures_total counter\n"
      << "coredns_health_request_failures_total 0\n";
}

std::string MergePrometheusText(const std::string& text) {
  struct Family {
    std::string help, type;
    std::string samples;
  };
  std::vector<std::string> order;
  std::map<std::string, Family> families;
  auto family_of = [&](const std::string& metric) -> std::string {
    if (families.count(metric)) return metric;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (metric.size() > s.size() && metric.compare(metric.size() - s.size(), s.size(), s) == 0) {
        std::string base = metric.substr(0, metric.size() - s.size());
        if (families.count(base)) return base;
      }
    }
    return metric;
  };
  auto touch = [&](const std::string& name) -> Family& {
    auto [it, fresh] = families.try_emplace(name);
    if (fresh) order.push_back(name);
    return it->second;
  };
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      std::string name = rest.substr(0, rest.find(' '));
      Family& f = touch(name);
      std::string& slot = line[2] == 'H' ? f.help : f.type;
      if (slot.empty()) slot = line;
      continue;
    }
    if (line[0] == '#') continue;
    size_t end = line.find_first_of("{ ");
    std::string metric = line.substr(0, end);
    touch(family_of(metric)).samples += line + "\n";
  }
  std::string out;
  for (const std::string& name : order) {
    const Family& f = families[name];
    if (!f.help.empty()) out += f.help + "\n";
    if (!f.type.empty()) out += f.type + "\n";
    out += f.samples;
  }
  return out;
}

}  // namespace netkube::dns
