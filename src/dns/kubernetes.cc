// The kubernetes plugin: Corefile parsing, the client it asks for, and the
// chain handler around the model's lookup.
#include "dns/kubernetes.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstring>
#include <mutex>
#include <ostream>

#include "client/http_client.h"
#include "client/kubeconfig.h"
#include "client/meta.h"
#include "util/duration.h"
#include "util/file.h"
#include "util/log.h"

namespace netkube::dns {

namespace {

StatusOr<std::vector<Name>> ZonesOf(const std::vector<Token>& args) {
  std::vector<Name> out;
  for (const Token& t : args) {
    auto za = ParseZoneKey(t);
    if (!za.ok()) return za.status();
    for (Name& z : za->zones) out.push_back(std::move(z));
  }
  return out;
}

bool IsReverse(const Name& zone) {
  static const Name kV4 = *Name::Parse("in-addr.arpa.");
  static const Name kV6 = *Name::Parse("ip6.arpa.");
  return zone.IsSubdomainOf(kV4) || zone.IsSubdomainOf(kV6);
}

std::string Joined(const std::vector<Token>& args) {
  std::string s;
  for (const Token& t : args) {
    if (!s.empty()) s += ' ';
    s += t.text;
  }
  return s;
}

std::vector<k8s::IpAddr> LocalAddresses() {
  std::vector<k8s::IpAddr> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    k8s::IpAddr ip;
    if (a->ifa_addr->sa_family == AF_INET) {
      ip.len = 4;
      std::memcpy(ip.bytes.data(), &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
      if (ip.bytes[0] == 127) continue;
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      ip.len = 16;
      std::memcpy(ip.bytes.data(), &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
      static const std::array<uint8_t, 16> kLoopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
      if (ip.bytes == kLoopback || (ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80)) continue;  // ::1, fe80::/10
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  freeifaddrs(list);
  return out;
}

}  // namespace

StatusOr<KubernetesConfig> ParseKubernetes(const Directive& d, const SetupContext& ctx) {
  KubernetesConfig c;
  c.server = ctx.server;
  if (d.args.empty()) {
    c.zones = ctx.zones;
  } else {
    auto z = ZonesOf(d.args);
    if (!z.ok()) return z.status();
    c.zones = std::move(*z);
  }
  if (c.zones.empty()) return ParseErrorAt(d.name, "kubernetes needs a zone");
  const Name* primary = nullptr;
  for (const Name& z : c.zones)
    if (!IsReverse(z)) {
      primary = &z;
      break;
    }
  if (primary == nullptr) return ParseErrorAt(d.name, "non-reverse zone name must be used");
  c.records.primary_zone = *primary;

  for (const Directive& p : d.block) {
    const std::string& key = p.name.text;
    const std::vector<Token>& a = p.args;
    if (p.has_block) return ParseErrorAt(p.name, "unexpected block after '" + key + "'");
    if (key == "endpoint_pod_names") {
      if (!a.empty()) return ArgErr(p.name);
      c.records.endpoint_pod_names = true;
    } else if (key == "pods") {
      if (a.size() != 1) return ArgErr(p.name);
      const std::string& m = a[0].text;
      if (m == "disabled") c.records.pods = k8s::PodMode::kDisabled;
      else if (m == "insecure") c.records.pods = k8s::PodMode::kInsecure;
      else if (m == "verified") c.records.pods = k8s::PodMode::kVerified;
      else
        return ParseErrorAt(a[0], "wrong value for pods: " + m + ",  must be one of: disabled, verified, insecure");
    } else if (key == "namespaces") {
      if (a.empty()) return ArgErr(p.name);
      for (const Token& t : a) c.records.namespaces.push_back(t.text);
    } else if (key == "endpoint") {
      if (a.empty()) return ArgErr(p.name);
      if (a[0].text.rfind("https://", 0) != 0)
        return ParseErrorAt(a[0], "endpoint must be an https:// URL: " + a[0].text);
      c.endpoint = a[0].text;
    } else if (key == "tls") {
      if (a.size() != 3) return ArgErr(p.name);
      c.tls_cert = a[0].text;
      c.tls_key = a[1].text;
      c.tls_ca = a[2].text;
    } else if (key == "kubeconfig") {
      if (a.size() != 1 && a.size() != 2) return ArgErr(p.name);
      c.kubeconfig = a[0].text;
      if (a.size() == 2) c.context = a[1].text;
    } else if (key == "labels" || key == "namespace_labels") {
      if (a.empty()) return ArgErr(p.name);
      std::string sel = Joined(a);
      auto ok = client::QuerySelectorMatches(sel, client::Json::object());
      if (!ok.ok())
        return ParseErrorAt(a[0], "unable to parse " + std::string(key == "labels" ? "label" : "namespace_label") +
                                      " selector value: '" + sel + "': " + ok.status().message());
      (key == "labels" ? c.watch.label_selector : c.watch.namespace_label_selector) = sel;
    } else if (key == "fallthrough") {
      c.fallthrough = true;
      auto z = ZonesOf(a);
      if (!z.ok()) return z.status();
      c.fallthrough_zones = std::move(*z);
    } else if (key == "ttl") {
      if (a.size() != 1) return ArgErr(p.name);
      int64_t t = 0;
      try {
        size_t used = 0;
        t = std::stoll(a[0].text, &used);
        if (used != a[0].text.size()) throw std::invalid_argument("x");
      } catch (...) {
        return ParseErrorAt(a[0], "invalid ttl: " + a[0].text);
      }
      if (t < 0 || t > 3600) return ParseErrorAt(a[0], "ttl must be in range [0, 3600]: " + a[0].text);
      c.records.ttl = static_cast<uint32_t>(t);
    } else if (key == "noendpoints") {
      if (!a.empty()) return ArgErr(p.name);
      c.watch.endpoints = false;
    } else if (key == "ignore") {
      if (a.size() != 1) return ArgErr(p.name);
      if (a[0].text != "empty_service") return ParseErrorAt(a[0], "unable to parse ignore value: '" + a[0].text + "'");
      c.records.ignore_empty_service = true;
    } else if (key == "startup_timeout") {
      if (a.size() != 1) return ArgErr(p.name);
      auto dur = ParseGoDurationMillis(a[0].text);
      if (!dur.ok() || dur->count() < 0) return ParseErrorAt(a[0], "failed to parse startup_timeout: " + a[0].text);
      c.startup_timeout = *dur;
    } else if (key == "apiserver_qps" || key == "apiserver_burst" || key == "apiserver_max_inflight") {
      // Accepted for compatibility; the client has no rate limiter.
      if (a.size() != 1) return ArgErr(p.name);
    } else {
      return ParseErrorAt(p.name, "unknown property '" + key + "'");
    }
  }
  if (!c.records.namespaces.empty() && !c.watch.namespace_label_selector.empty())
    return ParseErrorAt(d.name, "namespaces and namespace_labels cannot both be set");
  c.watch.pods = c.records.pods == k8s::PodMode::kVerified;
  return c;
}

StatusOr<std::shared_ptr<client::Client>> KubernetesClient(const KubernetesConfig& config) {
  client::RestConfig rc;
  if (!config.kubeconfig.empty()) {
    auto k = client::LoadKubeconfig(config.kubeconfig, config.context);
    if (!k.ok()) return k.status();
    rc = std::move(*k);
  } else if (!config.endpoint.empty()) {
    rc.server = config.endpoint;
    if (!config.tls_ca.empty()) {
      auto ca = ReadFileToString(config.tls_ca);
      if (!ca.ok()) return ca.status();
      rc.ca_pem = std::move(*ca);
    }
    if (!config.tls_cert.empty()) {
      auto cert = ReadFileToString(config.tls_cert);
      if (!cert.ok()) return cert.status();
      auto key = ReadFileToString(config.tls_key);
      if (!key.ok()) return key.status();
      rc.client_cert_pem = std::move(*cert);
      rc.client_key_pem = std::move(*key);
    }
  } else {
    auto k = client::InClusterConfig();
    if (!k.ok()) return k.status();
    rc = std::move(*k);
  }
  auto hc = client::HttpClient::New(std::move(rc));
  if (!hc.ok()) return hc.status();
  return std::shared_ptr<client::Client>(std::move(*hc));
}

StatusOr<std::unique_ptr<Plugin>> SetupKubernetes(const Directive& d, const SetupContext& ctx) {
  auto config = ParseKubernetes(d, ctx);
  if (!config.ok()) return config.status();
  auto cl = KubernetesClient(*config);
  if (!cl.ok()) return ParseErrorAt(d.name, "kubernetes: " + cl.status().message());
  auto timeout = config->startup_timeout;
  auto plugin = std::make_unique<KubernetesPlugin>(std::move(*config), std::move(*cl));
  // As CoreDNS: hold the start for up to startup_timeout so the first
  // answers come from a synced model; then serve anyway (SERVFAIL until synced).
  if (!plugin->WaitForSync(timeout)) LOG_WARN << "kubernetes: starting server with unsynced Kubernetes API";
  return std::unique_ptr<Plugin>(std::move(plugin));
}

// ---------------------------------------------------------------------------
// The handler.

KubernetesPlugin::KubernetesPlugin(KubernetesConfig config, std::shared_ptr<client::Client> client)
    : config_(std::move(config)), client_(std::move(client)) {
  if (config_.records.local_ips.empty()) config_.records.local_ips = LocalAddresses();
  records_ = std::make_unique<k8s::ClusterRecords>(config_.records);
  watch_ = std::make_unique<k8s::ClusterWatch>(*client_, *records_, config_.watch);
  watch_->Start();
}

KubernetesPlugin::~KubernetesPlugin() { watch_->Stop(); }

const Name* KubernetesPlugin::ZoneOf(const Name& qname) const {
  const Name* best = nullptr;
  for (const Name& z : config_.zones)
    if (qname.IsSubdomainOf(z) && (best == nullptr || z.label_count() > best->label_count())) best = &z;
  return best;
}

bool KubernetesPlugin::FallsThrough(const Name& qname) const {
  if (!config_.fallthrough) return false;
  if (config_.fallthrough_zones.empty()) return true;
  for (const Name& z : config_.fallthrough_zones)
    if (qname.IsSubdomainOf(z)) return true;
  return false;
}

void KubernetesPlugin::Count(int rc) {
  answers_[static_cast<size_t>(rc) < answers_.size() ? rc : answers_.size() - 1].fetch_add(1,
                                                                                         std::memory_order_relaxed);
}

namespace {

// Writes the reply of a sub-request (the ExternalName target, asked of the
// rest of the chain) into the original request after the CNAME chain.
class ChaseWriter : public ReplyWriter {
 public:
  ChaseWriter(RequestPtr orig, Message partial) : orig_(std::move(orig)), partial_(std::move(partial)) {}

  void Write(const Request& /*sub*/, std::string_view wire) override {
    RequestPtr orig;
    Message out;
    {
      std::lock_guard lock(mu_);
      if (!orig_) return;
      orig = std::move(orig_);
      out = std::move(partial_);
    }
    auto m = Parse(wire);
    if (m.ok()) {
      for (ResourceRecord& rr : m->answer) out.answer.push_back(std::move(rr));
      out.header.rcode = m->header.rcode;
      if (m->answer.empty()) out.authority = std::move(m->authority);
    }
    orig->Reply(std::move(out));
  }

 private:
  std::mutex mu_;
  RequestPtr orig_;
  Message partial_;
};

}  // namespace

void KubernetesPlugin::Serve(RequestPtr req) {
  if (req->query.question.empty()) return Next(std::move(req));
  const Question& q = req->query.question[0];
  const Name* zone = ZoneOf(q.name);
  if (zone == nullptr) return Next(std::move(req));
  if (q.qtype == type::AXFR || q.qtype == type::IXFR) {
    Count(rcode::Refused);
    return req->Fail(rcode::Refused);
  }
  // The generation before the read: a change during the lookup makes the
  // answer look older than it is, never newer.
  const uint64_t generation = DataGeneration();
  Message reply = Message::ReplyTo(req->query);
  k8s::LookupResult r = records_->Lookup(q, *zone, &reply);
  if (r.outcome == k8s::Outcome::kNxDomain) {
    if (FallsThrough(q.name)) return Next(std::move(req));
    if (!watch_->HasSynced()) {
      reply = Message::ReplyTo(req->query);
      reply.header.aa = true;
      reply.header.rcode = rcode::ServFail;
      reply.authority.push_back(
          records_->Soa(q.name.Parent(std::max(0, q.name.label_count() - zone->label_count()))));
    }
  }
  req->data_generation = generation;
  Count(reply.header.rcode);
  if (r.chase && req->chain != nullptr && req->next_plugin < req->chain->size()) {
    auto sub = std::make_unique<Request>();
    sub->query = req->query;
    sub->query.question[0].name = *r.chase;
    sub->transport = req->transport;
    sub->peer_ip = req->peer_ip;
    sub->peer_port = req->peer_port;
    sub->local_ip = req->local_ip;
    sub->local_port = req->local_port;
    sub->max_size = 65535;
    sub->zone = req->zone;
    sub->server = req->server;
    sub->start = req->start;
    sub->chain = req->chain;
    sub->next_plugin = req->next_plugin;
    sub->keepalive = req->keepalive;
    sub->writer = std::make_shared<ChaseWriter>(std::move(req), std::move(reply));
    return Next(std::move(sub));
  }
  req->Reply(std::move(reply));
}

void KubernetesPlugin::RenderMetrics(std::ostream& out) const {
  out << "# HELP coredns_kubernetes_answers_total Answers the kubernetes plugin wrote, by rcode.\n"
      << "# TYPE coredns_kubernetes_answers_total counter\n";
  for (size_t rc = 0; rc < answers_.size(); ++rc) {
    uint64_t v = answers_[rc].load(std::memory_order_relaxed);
    if (v == 0) continue;
    out << "coredns_kubernetes_answers_total{server=\"" << config_.server << "\",rcode=\""
        << (rc + 1 == answers_.size() ? std::string("OTHER") : RcodeName(static_cast<int>(rc))) << "\"} " << v << "\n";
  }
  k8s::ClusterRecords::Counts c = records_->counts();
  out << "# HELP coredns_kubernetes_objects Objects in the kubernetes plugin's model, by kind.\n"
      << "# TYPE coredns_kubernetes_objects gauge\n"
      << "coredns_kubernetes_objects{kind=\"namespaces\"} " << c.namespaces << "\n"
      << "coredns_kubernetes_objects{kind=\"services\"} " << c.services << "\n"
      << "coredns_kubernetes_objects{kind=\"endpointslices\"} " << c.slices << "\n"
      << "coredns_kubernetes_objects{kind=\"endpoints\"} " << c.endpoints << "\n"
      << "coredns_kubernetes_objects{kind=\"pods\"} " << c.pods << "\n";
}

}  // namespace netkube::dns
