// ProxyStats: the ingress proxy's Prometheus metrics, named as ingress-nginx
// names them (nginx_ingress_controller_*), rendered for /metrics.
//
// Request counters and latency histograms are kept per worker thread (no
// shared cache line on the request path) and summed when rendered.
//
// Thread-safety: Shard(i) is used only by worker i; Render and the atomics
// from any thread. Each shard's map is guarded by its own mutex, taken for a
// few nanoseconds per request by its worker and by Render.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/histogram.h"

namespace netkube::ingress {

// The labels of one request series.
struct RequestLabels {
  std::string ns, ingress, service, host, method, path;
  int status = 0;
  bool operator<(const RequestLabels& o) const;
};

class ProxyStats {
 public:
  struct Series {
    uint64_t requests = 0;
    uint64_t bytes_sent = 0;
    Histogram request_duration;   // whole request, seconds
    Histogram upstream_duration;  // upstream response time, seconds
  };
  struct Shard {
    std::mutex mu;
    std::map<RequestLabels, Series> series;  // guarded by mu
  };

  explicit ProxyStats(int shards);
  Shard& shard(int i) { return *shards_[i]; }

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> connections_active{0};
  std::atomic<uint64_t> upstream_connections_opened{0};
  std::atomic<uint64_t> upstream_connections_reused{0};
  std::atomic<uint64_t> upstream_retries{0};
  std::atomic<uint64_t> bad_requests{0};
  std::atomic<uint64_t> route_tables{0};  // tables published (changes served without a reload)
  std::atomic<int64_t> last_table_time{0};  // Unix seconds
  std::atomic<uint64_t> tls_handshakes{0};
  std::atomic<uint64_t> tls_handshake_errors{0};

  std::string Render() const;

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace netkube::ingress
