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

#include "util/histogram.h"

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
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
  std::map<std::string, int64_t> watches_;
  Histogram storage_;
};

}  // namespace netkube::apiserver
