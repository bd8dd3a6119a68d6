// netkube ingress: the ingress controller (the program behind the catalog's
// registry.k8s.io/ingress-nginx/controller image, whose /nginx-ingress-controller
// it stands for), with ingress-nginx's flags in Go's syntax: one dash or two,
// "--flag=value" or "--flag value"; an unknown flag exits 2 as pflag does.
//
// Honoured: --ingress-class, --controller-class, --watch-ingress-without-class,
// --publish-service, --publish-status-address, --update-status,
// --default-ssl-certificate (its Secret is watched: a rotation is served live),
// --default-backend-service, --configmap, --watch-namespace, --http-port,
// --https-port, --healthz-port, --election-id, --election-ttl,
// --disable-sync-events, --shutdown-grace-period, --kubeconfig,
// --apiserver-host, --v, --version, plus netkube's --threads.
// Accepted and ignored, because ingress-nginx's own manifests pass them
// (deploy/static/provider/*/deploy.yaml, minikube's addon, the Helm chart):
// --validating-webhook, --validating-webhook-certificate,
// --validating-webhook-key (no admission webhook), --enable-metrics (/metrics
// is always served), --tcp-services-configmap, --udp-services-configmap,
// --enable-ssl-passthrough, --enable-topology-aware-routing,
// --report-node-internal-ip-address (a warning says what is not done).
//
// Environment: POD_NAME and POD_NAMESPACE (the downward API, as upstream's
// manifest sets them): the Lease holder and namespace, and the pod whose node
// IP is the status fallback. Outside a cluster (--kubeconfig) they may be unset.
//
// SIGTERM/SIGINT: wait --shutdown-grace-period, give up the Lease, stop
// accepting, let in-flight requests finish briefly (Proxy::Stop), exit 0.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "client/http_client.h"
#include "client/kubeconfig.h"
#include "client/meta.h"
#include "images/flags.h"
#include "ingress/controller.h"
#include "ingress/controller_configmap.h"
#include "ingress/convert.h"
#include "ingress/proxy.h"
#include "util/log.h"

namespace netkube::cli {
namespace {

constexpr const char* kIngressVersion = "v1.12.0-netkube";

struct IngressFlags {
  std::string ingress_class = "nginx";
  std::string controller_class = "k8s.io/ingress-nginx";
  bool watch_without_class = false;
  std::string publish_service, publish_status_address;
  bool update_status = true;
  std::string default_ssl_certificate, default_backend_service, configmap, watch_namespace;
  int http_port = 80, https_port = 443, healthz_port = 10254;
  std::string election_id = "ingress-nginx-leader";
  double election_ttl = 30;
  bool disable_sync_events = false;
  double shutdown_grace_period = 0;
  std::string kubeconfig, apiserver_host;
  int threads = 0, verbosity = 0;
  bool version = false;
  // Accepted and ignored.
  std::string validating_webhook, webhook_cert, webhook_key, tcp_services, udp_services;
  bool enable_metrics = true, ssl_passthrough = false, topology_routing = false, node_internal_ip = false;
};

bool ValidNamespacedName(const std::string& v) {
  auto slash = v.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < v.size() && v.find('/', slash + 1) == std::string::npos;
}

// Returns an error message, or "" when the flags are fine.
std::string ParseIngressFlags(const std::vector<std::string>& args, IngressFlags* f) {
  images::FlagSet flags;
  flags.String("ingress-class", &f->ingress_class);
  flags.String("controller-class", &f->controller_class);
  flags.Bool("watch-ingress-without-class", &f->watch_without_class);
  flags.String("publish-service", &f->publish_service);
  flags.String("publish-status-address", &f->publish_status_address);
  flags.Bool("update-status", &f->update_status);
  flags.String("default-ssl-certificate", &f->default_ssl_certificate);
  flags.String("default-backend-service", &f->default_backend_service);
  flags.String("configmap", &f->configmap);
  flags.String("watch-namespace", &f->watch_namespace);
  flags.Int("http-port", &f->http_port);
  flags.Int("https-port", &f->https_port);
  flags.Int("healthz-port", &f->healthz_port);
  flags.String("election-id", &f->election_id);
  flags.Duration("election-ttl", &f->election_ttl);
  flags.Bool("disable-sync-events", &f->disable_sync_events);
  flags.Duration("shutdown-grace-period", &f->shutdown_grace_period);
  flags.String("kubeconfig", &f->kubeconfig);
  flags.String("apiserver-host", &f->apiserver_host);
  flags.Int("threads", &f->threads);
  flags.Int("v", &f->verbosity);
  flags.Bool("version", &f->version);
  flags.String("validating-webhook", &f->validating_webhook);
  flags.String("validating-webhook-certificate", &f->webhook_cert);
  flags.String("validating-webhook-key", &f->webhook_key);
  flags.String("tcp-services-configmap", &f->tcp_services);
  flags.String("udp-services-configmap", &f->udp_services);
  flags.Bool("enable-metrics", &f->enable_metrics);
  flags.Bool("enable-ssl-passthrough", &f->ssl_passthrough);
  flags.Bool("enable-topology-aware-routing", &f->topology_routing);
  flags.Bool("report-node-internal-ip-address", &f->node_internal_ip);
  auto positional = flags.Parse(args);
  if (!positional.ok()) return positional.status().message();
  if (!positional->empty()) return "unexpected argument \"" + positional->front() + "\"";
  for (int* port : {&f->http_port, &f->https_port, &f->healthz_port})
    if (*port < 0 || *port > 65535) return "invalid port " + std::to_string(*port);
  if (f->threads < 0) return "invalid value for --threads";
  if (f->election_ttl < 1) return "--election-ttl must be at least 1s";
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string*>{"publish-service", &f->publish_service},
        {"default-ssl-certificate", &f->default_ssl_certificate},
        {"default-backend-service", &f->default_backend_service},
        {"configmap", &f->configmap}}) {
    if (!value->empty() && !ValidNamespacedName(*value))
      return "--" + std::string(name) + ": \"" + *value + "\" is not a namespace/name";
  }
  return "";
}

StatusOr<std::unique_ptr<client::HttpClient>> MakeClient(const IngressFlags& f) {
  client::RestConfig rc;
  if (!f.kubeconfig.empty()) {
    auto k = client::LoadKubeconfig(f.kubeconfig);
    if (!k.ok()) return k.status();
    rc = std::move(*k);
  } else {
    auto k = client::InClusterConfig();
    if (!k.ok() && f.apiserver_host.empty()) return k.status();
    if (k.ok()) rc = std::move(*k);
  }
  if (!f.apiserver_host.empty()) rc.server = f.apiserver_host;
  return client::HttpClient::New(std::move(rc));
}

void WarnIgnored(const IngressFlags& f) {
  if (!f.tcp_services.empty() || !f.udp_services.empty())
    LOG_WARN << "--tcp-services-configmap/--udp-services-configmap: TCP and UDP services are not supported; ignored";
  if (f.ssl_passthrough) LOG_WARN << "--enable-ssl-passthrough: SSL passthrough is not supported; ignored";
  if (f.topology_routing) LOG_WARN << "--enable-topology-aware-routing: not supported; every ready endpoint is used";
  if (f.node_internal_ip) LOG_V(1) << "--report-node-internal-ip-address: the node IP is always its InternalIP";
}

int RunIngress(const std::vector<std::string>& args) {
  IngressFlags f;
  if (std::string err = ParseIngressFlags(args, &f); !err.empty()) {
    std::fprintf(stderr, "netkube ingress: %s\n", err.c_str());
    return 2;
  }
  if (f.version) {
    std::printf("netkube ingress %s (ingress-nginx compatible)\n", kIngressVersion);
    return 0;
  }
  log::SetVerbosity(f.verbosity);
  std::printf(
      "-------------------------------------------------------------------------------\n"
      "NGINX Ingress controller\n"
      "  Release:       %s\n"
      "  Build:         netkube ingress (no nginx: a built-in reverse proxy)\n"
      "-------------------------------------------------------------------------------\n\n",
      kIngressVersion);
  std::fflush(stdout);
  WarnIgnored(f);

  BlockStopSignals();  // before any thread starts, so every thread inherits the mask
  auto client = MakeClient(f);
  if (!client.ok()) {
    std::fprintf(stderr, "netkube ingress: error while initializing connection to Kubernetes apiserver: %s\n",
                 client.status().message().c_str());
    return 1;
  }

  ingress::ControllerOptions co;
  co.config.ingress_class = f.ingress_class;
  co.config.controller_class = f.controller_class;
  co.config.watch_without_class = f.watch_without_class;
  co.config.default_backend_service = f.default_backend_service;
  co.config.default_ssl_certificate = f.default_ssl_certificate;
  co.watch_namespace = f.watch_namespace;
  co.configmap = f.configmap;
  co.update_status = f.update_status;
  co.publish_service = f.publish_service;
  co.publish_status_address = f.publish_status_address;
  if (const char* v = std::getenv("POD_NAME")) co.pod_name = v;
  if (const char* v = std::getenv("POD_NAMESPACE")) co.pod_namespace = v;
  co.election_id = f.election_id;
  co.election_ttl = std::chrono::seconds(static_cast<int64_t>(f.election_ttl));
  co.election_retry = std::chrono::milliseconds(static_cast<int64_t>(f.election_ttl * 1000 / 3));
  co.disable_sync_events = f.disable_sync_events;

  ingress::ProxyOptions po;
  po.http_port = f.http_port;
  po.https_port = f.https_port;
  po.status_port = f.healthz_port;
  po.threads = f.threads;
  // The ConfigMap's start-only keys size the proxy: read it once now.
  if (!f.configmap.empty()) {
    std::string ns, name;
    client::SplitKey(f.configmap, &ns, &name);
    auto cm = (*client)->Get(client::KindOf("", "ConfigMap"), ns, name);
    if (cm.ok()) {
      co.settings = ingress::ParseConfigMap(ingress::ConfigMapDataFromJson(*cm));
      for (const std::string& e : co.settings.errors) LOG_WARN << "configmap " << f.configmap << ": " << e;
      ingress::ApplyStartSettings(co.settings, &po);
    } else if (!cm.status().IsNotFound()) {
      LOG_WARN << "configmap " << f.configmap << ": " << cm.status().ToString() << " (using the defaults)";
    }
  }
  // --default-ssl-certificate: read now so it serves from the first
  // handshake; after that it travels in the route table (a rotated Secret is
  // served live).
  if (!f.default_ssl_certificate.empty()) {
    std::string ns, name;
    client::SplitKey(f.default_ssl_certificate, &ns, &name);
    auto secret = (*client)->Get(client::KindOf("", "Secret"), ns, name);
    auto info = secret.ok() ? ingress::SecretFromJson(*secret) : std::nullopt;
    if (info && !info->cert_pem.empty() && !info->key_pem.empty()) {
      po.default_cert_pem = info->cert_pem;
      po.default_key_pem = info->key_pem;
    } else {
      LOG_WARN << "--default-ssl-certificate " << f.default_ssl_certificate << ": "
               << (secret.ok() ? "no tls.crt/tls.key" : secret.status().message())
               << "; using the self-signed fake certificate";
    }
  }

  ingress::Proxy proxy(po);
  ingress::Controller controller(
      **client, [&proxy](std::shared_ptr<const ingress::RouteTable> t) { proxy.SetRoutes(std::move(t)); }, co);
  proxy.on_certificate_error = [&controller](const std::string& secret, const std::string& error) {
    controller.OnCertificateError(secret, error);
  };
  if (Status st = proxy.Start(); !st.ok()) {
    std::fprintf(stderr, "netkube ingress: %s\n", st.message().c_str());
    return 1;
  }
  controller.Start();
  LOG_INFO << "netkube ingress: serving HTTP on :" << f.http_port << ", HTTPS on :" << f.https_port
           << ", /healthz and /metrics on :" << f.healthz_port << " (class " << f.ingress_class << ", controller "
           << f.controller_class << ")";

  int sig = WaitForStop();
  LOG_INFO << "Received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down";
  if (f.shutdown_grace_period > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(f.shutdown_grace_period * 1000)));
  controller.Stop();
  proxy.Stop();
  LOG_INFO << "Exiting with 0";
  return 0;
}

}  // namespace

void AddIngressCommand(CLI::App& app, int* rc) {
  auto* cmd = app.add_subcommand(
      "ingress", "run the ingress controller (ingress-nginx's flags: --ingress-class, --controller-class, "
                 "--publish-service, --configmap, --http-port, --https-port, --election-id, ...)");
  cmd->prefix_command();  // the flags are ingress-nginx's Go-style ones: parsed here
  cmd->callback([cmd, rc] { *rc = RunIngress(cmd->remaining()); });
}

}  // namespace netkube::cli
