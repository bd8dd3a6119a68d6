#include "apiserver/metrics.h"

#include <sstream>

namespace netkube::apiserver {

void Metrics::ObserveRequest(const std::string& verb, const std::string& resource, const std::string& subresource,
                             int code, double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  ++requests_[{verb, resource, subresource, code}];
  durations_[{verb, resource}].Observe(seconds);
}

void Metrics::ObserveStorage(double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  storage_.Observe(seconds);
}

void Metrics::WatchStarted(const std::string& resource) {
  std::lock_guard<std::mutex> l(mu_);
  ++watches_[resource];
}

void Metrics::WatchEnded(const std::string& resource) {
  std::lock_guard<std::mutex> l(mu_);
  --watches_[resource];
}

std::string Metrics::Render() {
  std::lock_guard<std::mutex> l(mu_);
  std::ostringstream o;
  auto hist = [&](const std::string& name, const std::string& labels, const Histogram& h) {
    h.Render(o, name, labels);
  };
  o << "# HELP apiserver_request_total Counter of API requests by verb, resource, subresource and code.\n"
    << "# TYPE apiserver_request_total counter\n";
  for (const auto& [k, v] : requests_) {
    o << "apiserver_request_total{verb=\"" << std::get<0>(k) << "\",resource=\"" << std::get<1>(k)
      << "\",subresource=\"" << std::get<2>(k) << "\",code=\"" << std::get<3>(k) << "\"} " << v << "\n";
  }
  o << "# HELP apiserver_request_duration_seconds Latency of API requests by verb and resource.\n"
    << "# TYPE apiserver_request_duration_seconds histogram\n";
  for (const auto& [k, h] : durations_)
    hist("apiserver_request_duration_seconds", "verb=\"" + k.first + "\",resource=\"" + k.second + "\"", h);
  o << "# HELP apiserver_longrunning_requests Watches in flight by resource.\n"
    << "# TYPE apiserver_longrunning_requests gauge\n";
  for (const auto& [r, n] : watches_)
    o << "apiserver_longrunning_requests{verb=\"WATCH\",resource=\"" << r << "\"} " << n << "\n";
  o << "# HELP netkube_storage_txn_duration_seconds Latency of storage transactions (durable commit included).\n"
    << "# TYPE netkube_storage_txn_duration_seconds histogram\n";
  hist("netkube_storage_txn_duration_seconds", "", storage_);
  return o.str();
}

}  // namespace netkube::apiserver
