#include "ingress/proxy_metrics.h"

#include <sstream>
#include <tuple>

namespace netkube::ingress {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

bool RequestLabels::operator<(const RequestLabels& o) const {
  return std::tie(ns, ingress, service, host, method, path, status) <
         std::tie(o.ns, o.ingress, o.service, o.host, o.method, o.path, o.status);
}

ProxyStats::ProxyStats(int shards) {
  for (int i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

std::string ProxyStats::Render() const {
  std::map<RequestLabels, Series> all;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& [labels, s] : shard->series) {
      Series& t = all[labels];
      t.requests += s.requests;
      t.bytes_sent += s.bytes_sent;
      t.request_duration.Merge(s.request_duration);
      t.upstream_duration.Merge(s.upstream_duration);
    }
  }
  std::ostringstream out;
  out << "# HELP nginx_ingress_controller_requests The total number of client requests\n"
         "# TYPE nginx_ingress_controller_requests counter\n";
  auto labels_of = [](const RequestLabels& l, bool with_status) {
    std::string s = "canary=\"\",controller_class=\"k8s.io/ingress-nginx\",host=\"" + Escape(l.host) +
                    "\",ingress=\"" + Escape(l.ingress) + "\",method=\"" + Escape(l.method) + "\",namespace=\"" +
                    Escape(l.ns) + "\",path=\"" + Escape(l.path) + "\",service=\"" + Escape(l.service) + "\"";
    if (with_status) s += ",status=\"" + std::to_string(l.status) + "\"";
    return s;
  };
  for (const auto& [l, s] : all)
    out << "nginx_ingress_controller_requests{" << labels_of(l, true) << "} " << s.requests << "\n";
  out << "# HELP nginx_ingress_controller_response_size The response length (including request line, header, and "
         "request body)\n# TYPE nginx_ingress_controller_response_size counter\n";
  for (const auto& [l, s] : all)
    out << "nginx_ingress_controller_response_size_total{" << labels_of(l, true) << "} " << s.bytes_sent << "\n";
  out << "# HELP nginx_ingress_controller_request_duration_seconds The request processing time in seconds\n"
         "# TYPE nginx_ingress_controller_request_duration_seconds histogram\n";
  for (const auto& [l, s] : all)
    s.request_duration.Render(out, "nginx_ingress_controller_request_duration_seconds", labels_of(l, true));
  out << "# HELP nginx_ingress_controller_response_duration_seconds The time spent on receiving the response from "
         "the upstream server\n# TYPE nginx_ingress_controller_response_duration_seconds histogram\n";
  for (const auto& [l, s] : all)
    s.upstream_duration.Render(out, "nginx_ingress_controller_response_duration_seconds", labels_of(l, true));
  out << "# HELP nginx_ingress_controller_config_last_reload_successful Whether the last configuration change "
         "succeeded (netkube applies changes live; it never reloads)\n"
         "# TYPE nginx_ingress_controller_config_last_reload_successful gauge\n"
         "nginx_ingress_controller_config_last_reload_successful 1\n"
         "# HELP nginx_ingress_controller_success Cumulative number of controller reloads (always 0: routes are "
         "swapped in place)\n# TYPE nginx_ingress_controller_success counter\n"
         "nginx_ingress_controller_success 0\n";
  auto gauge = [&](const char* name, const char* type, const char* help, auto value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
        << name << " " << value << "\n";
  };
  gauge("netkube_ingress_route_tables_total", "counter", "Route tables published (configuration changes)",
        route_tables.load());
  gauge("netkube_ingress_route_table_last_timestamp_seconds", "gauge", "When the last route table was published",
        last_table_time.load());
  gauge("nginx_ingress_controller_nginx_process_connections_total", "counter", "Client connections accepted",
        connections_accepted.load());
  gauge("netkube_ingress_connections_active", "gauge", "Open client connections", connections_active.load());
  gauge("netkube_ingress_upstream_connections_opened_total", "counter", "Upstream connections opened",
        upstream_connections_opened.load());
  gauge("netkube_ingress_upstream_connections_reused_total", "counter",
        "Requests sent on a pooled keep-alive upstream connection", upstream_connections_reused.load());
  gauge("netkube_ingress_upstream_retries_total", "counter", "Requests retried on another endpoint",
        upstream_retries.load());
  gauge("netkube_ingress_bad_requests_total", "counter", "Requests refused as malformed", bad_requests.load());
  gauge("netkube_ingress_tls_handshakes_total", "counter", "TLS handshakes completed", tls_handshakes.load());
  gauge("netkube_ingress_tls_handshake_errors_total", "counter", "TLS handshakes failed",
        tls_handshake_errors.load());
  return out.str();
}

}  // namespace netkube::ingress
