// Metrics of the API server in the Prometheus text format (GET /metrics):
//   apiserver_request_total{verb,resource,subresource,code}
//   apiserver_request_duration_seconds{verb,resource} (histogram)
//   apiserver_longrunning_requests{verb="WATCH",resource} (in-flight watches)
//   netkube_storage_txn_duration_seconds (histogram of store transactions)
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace netkube::apiserver {

class Metrics {
 public:
  void ObserveRequest(const std::string& verb, const std::string& resource, const std::string& subresource, int code,
                      double seconds);
  void ObserveStorage(double seconds);
  void WatchStarted(const std::string& resource);
  void WatchEnded(const std::string& resource);
  std::string Render();

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
    void Observe(double v);
  };
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
  std::map<std::string, int64_t> watches_;
  Histogram storage_;
};

}  // namespace netkube::apiserver
