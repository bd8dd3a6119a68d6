// The agent's service proxy: a proxy::Proxier in the node's namespace, its
// /metrics (kube-proxy's port 10249) and /healthz (10256), and one HTTP server
// per healthCheckNodePort answering 200 while this node has a ready endpoint
// of the service and 503 otherwise, as external load balancers expect.
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "images/server.h"
#include "nft/nftnl_executor.h"
#include "node/agent_impl.h"
#include "util/log.h"

namespace netkube::node {
namespace {

images::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  images::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = body.dump() + "\n";
  return r;
}

images::HttpResponse NotFound() {
  images::HttpResponse r;
  r.status = 404;
  r.body = "404 page not found\n";
  return r;
}

// Listens on `port` and serves `handler` on a background thread. Returns the
// listening socket, or -1 (logged, naming `what`) when the port is unusable.
int ServeOn(int port, const std::string& what, images::HttpHandler handler) {
  auto fd = images::ListenTcp(port);
  if (!fd.ok()) {
    LOG_WARN << "service proxy: " << what << " " << port << ": " << fd.status().message();
    return -1;
  }
  images::ServeHttpInBackground(*fd, std::move(handler));
  return *fd;
}

void CloseListener(int fd) {
  shutdown(fd, SHUT_RDWR);  // wakes the accept loop, which then returns
  close(fd);
}

}  // namespace

Status Agent::Impl::StartServiceProxy() {
  if (!options.service_proxy) return Status::OK();
  proxy::ProxierOptions po;
  po.node_name = options.node_name;
  po.node_ips = {options.node_ip};
  po.render.cluster_pod_cidr = options.cluster_pod_cidr;
  po.sync_period = options.proxy_sync_period;
  po.announce_interface = options.announce_interface;
  po.on_health_checks = [this](const std::map<int32_t, proxy::HealthCheck>& checks) { ServeHealthChecks(checks); };
  proxier = std::make_shared<proxy::Proxier>(*client, po, nft::NewNftnlExecutor());
  if (Status st = proxier->Start(); !st.ok()) return st;
  std::weak_ptr<proxy::Proxier> weak = proxier;
  auto serve = [this](int port, const char* what, images::HttpHandler handler) {
    if (port <= 0) return;
    if (int fd = ServeOn(port, what, std::move(handler)); fd >= 0) proxy_fds.push_back(fd);
  };
  serve(options.proxy_metrics_port, "metrics port", [weak](const images::HttpRequest& req, const images::ConnInfo&) {
    auto p = weak.lock();
    if (!p || req.path != "/metrics") return NotFound();
    images::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = p->Metrics();
    return r;
  });
  serve(options.proxy_healthz_port, "healthz port", [weak](const images::HttpRequest& req, const images::ConnInfo&) {
    if (req.path != "/healthz" && req.path != "/livez") return NotFound();
    auto p = weak.lock();
    bool ok = p && p->Healthy();
    return JsonResponse(ok ? 200 : 503, {{"healthy", ok}});
  });
  return Status::OK();
}

void Agent::Impl::ServeHealthChecks(const std::map<int32_t, proxy::HealthCheck>& checks) {
  std::lock_guard<std::mutex> lock(health_mu);
  for (auto it = health_fds.begin(); it != health_fds.end();) {
    if (checks.count(it->first)) {
      ++it;
      continue;
    }
    CloseListener(it->second);
    it = health_fds.erase(it);
  }
  std::weak_ptr<proxy::Proxier> weak = proxier;
  for (const auto& [port, check] : checks) {
    if (health_fds.count(port)) continue;
    const std::string what = "healthCheckNodePort of " + check.service.String();
    int fd = ServeOn(port, what, [weak, port](const images::HttpRequest&, const images::ConnInfo&) {
      auto p = weak.lock();
      proxy::HealthCheck hc;
      if (p) {
        auto all = p->HealthChecks();
        if (auto it = all.find(port); it != all.end()) hc = it->second;
      }
      images::HttpResponse r = JsonResponse(
          hc.local_endpoints > 0 ? 200 : 503,
          {{"service", {{"namespace", hc.service.ns}, {"name", hc.service.name}}},
           {"localEndpoints", hc.local_endpoints},
           {"serviceProxyHealthy", p && p->Healthy()}});
      r.headers.emplace_back("X-Load-Balancing-Endpoint-Weight", std::to_string(hc.local_endpoints));
      return r;
    });
    if (fd >= 0) health_fds[port] = fd;
  }
}

void Agent::Impl::StopServiceProxy() {
  if (proxier) proxier->Stop();
  std::lock_guard<std::mutex> lock(health_mu);
  for (auto& [port, fd] : health_fds) CloseListener(fd);
  health_fds.clear();
  for (int fd : proxy_fds) CloseListener(fd);
  proxy_fds.clear();
}

}  // namespace netkube::node
