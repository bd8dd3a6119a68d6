// dns_loader: the data of the cluster DNS benchmark (bench/dns/dns_bench.sh).
//
//   dns_loader --out DIR [--kubeconfig F] [--services 10000] [--endpoints 5]
//       [--headless-percent 20] [--namespaces 100] [--clients 8] [--pods 0|1]
//       [--lookups 50000] [--seed 1] [--ttl 30]
//
// 1. Builds the cluster: NAMESPACES namespaces ns-000.., SERVICES selector-less
//    Services spread over them (svc-00000.., ports "http" 80/TCP and, on every
//    third, "grpc" 9090/TCP; ClusterIPs 10.96.1.1.. given explicitly;
//    HEADLESS-PERCENT of them headless), and one EndpointSlice
//    (discovery.k8s.io/v1, label kubernetes.io/service-name) per Service with
//    ENDPOINTS ready endpoints 10.244.x.y (headless ones with hostnames
//    ep-0..), plus one not-ready endpoint on every tenth Service (which DNS
//    must leave out). With --kubeconfig, creates all of it through the API
//    from CLIENTS threads (each its own client::HttpClient) and, with
//    --pods 1, one Pod per endpoint (status.podIP set through the status
//    subresource) for `pods verified`.
// 2. Reads the Services and EndpointSlices back (from the API when there is
//    one, so the default `kubernetes` Service is included; else the generated
//    objects) and writes what a CoreDNS-compatible server answers for them
//    (Kubernetes DNS specification 1.1.0) as zone files for Knot and NSD:
//      DIR/cluster.local.zone  SOA, NS, dns-version TXT, A of ClusterIP
//                              Services, A per ready endpoint of headless
//                              ones, hostname A records, SRV per named port
//      DIR/in-addr.arpa.zone   PTR of ClusterIPs and ready endpoint IPs
// 3. Writes the query mix glibc sends from pods (search NS.svc.cluster.local
//    svc.cluster.local cluster.local, options ndots:5, A then AAAA per try):
//      DIR/queries.txt  dnsperf input, LOOKUPS lookups in random order
//      DIR/check.txt    the first queries of each lookup kind (for comparing
//                       the servers' answers)
//    Lookup kinds (pod namespace P chosen at random), by share:
//      35% "svc" of a ClusterIP Service in P: hit (A), NODATA (AAAA)
//      10% "svc" of a headless Service in P: ENDPOINTS A records, NODATA
//      20% "svc.otherns": one NXDOMAIN pair (svc.otherns.P.svc.cluster.local),
//          then hit + NODATA
//      15% "svc.ns.svc.cluster.local" (no trailing dot; 4 dots < ndots 5):
//          three NXDOMAIN pairs (each search suffix appended), then hit + NODATA
//       5% "ep-0.svc" (a headless endpoint's hostname, StatefulSet style, from
//          P): hit + NODATA on the first try
//      15% misses "nosuch-N": three NXDOMAIN pairs. glibc's last try, the name
//          as is, leaves the cluster zone (the forward plugin's job) and is not
//          sent.
//
// Prints, read by dns_bench.sh:
//   RESULT step=load services=N headless=N slices=N endpoints=N pods=N
//          namespaces=N errors=N create_s=S rate=OBJECTS_PER_S
//   RESULT step=zone records=N ptr=N queries=N lookups=N nxdomain=N nodata=N hit=N
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/http_client.h"
#include "client/meta.h"
#include "common/flags.h"

namespace netkube::bench {
namespace {

using client::Json;
using Clock = std::chrono::steady_clock;

struct Config {
  std::string out;
  std::string kubeconfig;
  int services = 10000;
  int endpoints = 5;
  int headless_percent = 20;
  int namespaces = 100;
  int clients = 8;
  bool pods = false;
  int lookups = 50000;
  unsigned seed = 1;
  int ttl = 30;
};

std::string Pad(int v, int width) {
  std::string s = std::to_string(v);
  return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

std::string Ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
         "." + std::to_string(ip & 255);
}

// The i-th address of a /16 base, skipping .0 and .255 in each /24.
uint32_t Nth(uint32_t base, int i) { return base + (static_cast<uint32_t>(i / 254 + 1) << 8) + (i % 254 + 1); }

bool Headless(const Config& c, int i) { return (i * 100 / c.services) % 100 < c.headless_percent; }

// --- the generated objects ------------------------------------------------------

struct Generated {
  std::vector<Json> namespaces, services, slices, pods;
  std::vector<std::pair<std::string, std::string>> pod_ips;  // "ns/name" -> ip, parallel to pods
};

Generated Generate(const Config& c) {
  Generated g;
  for (int n = 0; n < c.namespaces; ++n)
    g.namespaces.push_back({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ns-" + Pad(n, 3)}}}});
  const uint32_t svc_base = (10u << 24) | (96u << 16);
  const uint32_t pod_base = (10u << 24) | (244u << 16);
  int next_ep = 0;
  for (int i = 0; i < c.services; ++i) {
    std::string ns = "ns-" + Pad(i % c.namespaces, 3);
    std::string name = "svc-" + Pad(i, 5);
    bool headless = Headless(c, i);
    Json ports = Json::array({{{"name", "http"}, {"protocol", "TCP"}, {"port", 80}, {"targetPort", 8080}}});
    Json slice_ports = Json::array({{{"name", "http"}, {"protocol", "TCP"}, {"port", 8080}}});
    if (i % 3 == 0) {
      ports.push_back({{"name", "grpc"}, {"protocol", "TCP"}, {"port", 9090}, {"targetPort", 9090}});
      slice_ports.push_back({{"name", "grpc"}, {"protocol", "TCP"}, {"port", 9090}});
    }
    g.services.push_back({{"apiVersion", "v1"},
                          {"kind", "Service"},
                          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"dnsbench", "1"}}}}},
                          {"spec",
                           {{"type", "ClusterIP"},
                            {"clusterIP", headless ? std::string("None") : Ipv4(Nth(svc_base, i))},
                            {"ports", ports}}}});
    Json eps = Json::array();
    int count = c.endpoints + (i % 10 == 0 ? 1 : 0);
    for (int e = 0; e < count; ++e) {
      bool ready = e < c.endpoints;
      std::string ip = Ipv4(Nth(pod_base, next_ep++));
      std::string pod = name + "-" + std::to_string(e);
      Json ep = {{"addresses", {ip}},
                 {"conditions", {{"ready", ready}, {"serving", ready}, {"terminating", false}}},
                 {"targetRef", {{"kind", "Pod"}, {"namespace", ns}, {"name", pod}}}};
      if (headless) ep["hostname"] = "ep-" + std::to_string(e);
      eps.push_back(ep);
      if (c.pods) {
        g.pods.push_back({{"apiVersion", "v1"},
                          {"kind", "Pod"},
                          {"metadata", {{"name", pod}, {"namespace", ns}, {"labels", {{"dnsbench", "1"}}}}},
                          {"spec", {{"containers", Json::array({{{"name", "main"}, {"image", "registry.k8s.io/pause:3.9"}}})}}}});
        g.pod_ips.emplace_back(ns + "/" + pod, ip);
      }
    }
    g.slices.push_back({{"apiVersion", "discovery.k8s.io/v1"},
                        {"kind", "EndpointSlice"},
                        {"metadata",
                         {{"name", name + "-dnsbench"},
                          {"namespace", ns},
                          {"labels",
                           {{"kubernetes.io/service-name", name},
                            {"endpointslice.kubernetes.io/managed-by", "dns-loader.netkube.io"}}}}},
                        {"addressType", "IPv4"},
                        {"endpoints", eps},
                        {"ports", slice_ports}});
  }
  return g;
}

// Runs fn(i) for i in [0, n) from c.clients threads with their own clients.
// Returns the number of failures (the first few are printed).
int Parallel(const Config& c, int n, const std::function<Status(client::HttpClient&, int)>& fn) {
  std::atomic<int> next{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < c.clients; ++t) {
    threads.emplace_back([&] {
      auto cl = client::HttpClient::FromKubeconfig(c.kubeconfig);
      if (!cl.ok()) {
        std::fprintf(stderr, "dns_loader: %s\n", cl.status().ToString().c_str());
        errors += 1;
        return;
      }
      for (int i = next++; i < n; i = next++) {
        Status s = fn(**cl, i);
        if (!s.ok() && errors++ < 5) std::fprintf(stderr, "dns_loader: %s\n", s.ToString().c_str());
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors.load();
}

Status CreateOk(StatusOr<Json> r) {
  if (r.ok() || r.status().IsAlreadyExists()) return Status();
  return r.status();
}

// Lists every object of `kind` in pages of 2,000.
StatusOr<std::vector<Json>> ListAll(client::Client& cl, const api::Kind& kind) {
  std::vector<Json> out;
  client::ListOptions o;
  o.limit = 2000;
  for (;;) {
    auto list = cl.List(kind, "", o);
    if (!list.ok()) return list.status();
    for (auto& item : (*list)["items"]) out.push_back(std::move(item));
    o.continue_token = client::GetString(*list, {"metadata", "continue"});
    if (o.continue_token.empty()) return out;
  }
}

// --- what DNS answers ----------------------------------------------------------

struct Endpoint {
  std::string ip, hostname;
};
struct Port {
  std::string name, proto;
  int port = 0;
};
struct Service {
  std::string ns, name, cluster_ip;  // cluster_ip "" = headless
  std::vector<Port> ports;           // the Service's ports (ClusterIP) / the slices' (headless)
  std::vector<Endpoint> endpoints;   // ready ones
};

// Services (ClusterIP and headless; ExternalName is not generated) keyed by
// "ns/name", with the ready endpoints of their slices.
std::map<std::string, Service> Model(const std::vector<Json>& services, const std::vector<Json>& slices) {
  std::map<std::string, Service> out;
  for (const auto& s : services) {
    Service v;
    v.ns = client::NamespaceOf(s);
    v.name = client::NameOf(s);
    std::string ip = client::GetString(s, {"spec", "clusterIP"});
    std::string type = client::GetString(s, {"spec", "type"});
    if (type == "ExternalName" || ip.empty()) continue;
    v.cluster_ip = ip == "None" ? "" : ip;
    if (const Json* ports = client::Find(s, {"spec", "ports"}); ports && ports->is_array())
      for (const auto& p : *ports)
        v.ports.push_back({p.value("name", ""), p.value("protocol", "TCP"), p.value("port", 0)});
    out[v.ns + "/" + v.name] = std::move(v);
  }
  for (const auto& sl : slices) {
    std::string svc = client::GetString(sl, {"metadata", "labels", "kubernetes.io/service-name"});
    auto it = out.find(client::NamespaceOf(sl) + "/" + svc);
    if (it == out.end() || sl.value("addressType", "") != "IPv4") continue;
    Service& v = it->second;
    if (v.cluster_ip.empty()) {
      v.ports.clear();
      if (const Json* ports = client::Find(sl, {"ports"}); ports && ports->is_array())
        for (const auto& p : *ports)
          v.ports.push_back({p.value("name", ""), p.value("protocol", "TCP"), p.value("port", 0)});
    }
    if (const Json* eps = client::Find(sl, {"endpoints"}); eps && eps->is_array()) {
      for (const auto& e : *eps) {
        const Json* ready = client::Find(e, {"conditions", "ready"});
        if (ready && ready->is_boolean() && !ready->get<bool>()) continue;  // nil counts as ready
        for (const auto& a : e.value("addresses", Json::array()))
          v.endpoints.push_back({a.get<std::string>(), e.value("hostname", "")});
      }
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string Dashed(std::string ip) {
  std::replace(ip.begin(), ip.end(), '.', '-');
  return ip;
}

std::string ReverseName(const std::string& ip) {
  unsigned a, b, c, d;
  std::sscanf(ip.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return std::to_string(d) + "." + std::to_string(c) + "." + std::to_string(b) + "." + std::to_string(a) +
         ".in-addr.arpa.";
}

struct ZoneCounts {
  long records = 0, ptr = 0;
};

// The zone files; CoreDNS's SOA (ns.dns.ZONE, hostmaster.ZONE, refresh 7200,
// retry 1800, expire 86400, minimum = the ttl) and NS.
ZoneCounts WriteZones(const Config& c, const std::map<std::string, Service>& model) {
  ZoneCounts n;
  const std::string zone = "cluster.local.";
  std::ofstream z(c.out + "/cluster.local.zone");
  std::ofstream r(c.out + "/in-addr.arpa.zone");
  auto soa = [&](std::ofstream& f, const std::string& origin) {
    f << "$ORIGIN " << origin << "\n$TTL " << c.ttl << "\n";
    f << origin << " IN SOA ns.dns." << zone << " hostmaster." << zone << " 1 7200 1800 86400 " << c.ttl << "\n";
    f << origin << " IN NS ns.dns." << zone << "\n";
    n.records += 2;
  };
  soa(z, zone);
  z << "ns.dns." << zone << " IN A 10.96.0.10\n";
  z << "dns-version." << zone << " IN TXT \"1.1.0\"\n";
  soa(r, "in-addr.arpa.");
  n.records += 2;
  std::set<std::string> ptr_done;
  auto ptr = [&](const std::string& ip, const std::string& target) {
    if (!ptr_done.insert(ip).second) return;
    r << ReverseName(ip) << " IN PTR " << target << "\n";
    n.ptr++;
    n.records++;
  };
  for (const auto& [key, v] : model) {
    std::string base = Lower(v.name + "." + v.ns + ".svc." + zone);
    if (!v.cluster_ip.empty()) {
      z << base << " IN A " << v.cluster_ip << "\n";
      n.records++;
      for (const auto& p : v.ports) {
        if (p.name.empty()) continue;
        z << "_" << Lower(p.name) << "._" << Lower(p.proto) << "." << base << " IN SRV 0 100 " << p.port << " "
          << base << "\n";
        n.records++;
      }
      ptr(v.cluster_ip, base);
      // CoreDNS's reverse lookup also names the endpoints of ClusterIP
      // Services (hostname or dashed IP under the Service).
      for (const auto& e : v.endpoints) ptr(e.ip, Lower(e.hostname.empty() ? Dashed(e.ip) : e.hostname) + "." + base);
      continue;
    }
    std::set<std::string> hosts;
    int srv_weight = v.endpoints.empty() ? 100 : std::max<int>(1, 100 / static_cast<int>(v.endpoints.size()));
    for (const auto& e : v.endpoints) {
      z << base << " IN A " << e.ip << "\n";
      std::string host = Lower(e.hostname.empty() ? Dashed(e.ip) : e.hostname) + "." + base;
      if (hosts.insert(host + e.ip).second) z << host << " IN A " << e.ip << "\n";
      for (const auto& p : v.ports) {
        if (p.name.empty()) continue;
        z << "_" << Lower(p.name) << "._" << Lower(p.proto) << "." << base << " IN SRV 0 " << srv_weight << " "
          << p.port << " " << host << "\n";
        n.records++;
      }
      ptr(e.ip, host);
      n.records += 2;
    }
  }
  return n;
}

// --- the query mix ----------------------------------------------------------------

struct QueryCounts {
  long queries = 0, nxdomain = 0, nodata = 0, hit = 0;
};

QueryCounts WriteQueries(const Config& c, const std::map<std::string, Service>& model) {
  QueryCounts q;
  std::vector<const Service*> cip, headless;
  std::map<std::string, std::vector<const Service*>> by_ns_cip, by_ns_headless;
  for (const auto& [k, v] : model) {
    if (v.ns.rfind("ns-", 0) != 0) continue;  // only the generated namespaces
    if (!v.cluster_ip.empty()) {
      cip.push_back(&v);
      by_ns_cip[v.ns].push_back(&v);
    } else if (!v.endpoints.empty()) {
      headless.push_back(&v);
      by_ns_headless[v.ns].push_back(&v);
    }
  }
  std::vector<std::string> hs_ns;
  for (const auto& [ns, v] : by_ns_headless) hs_ns.push_back(ns);
  std::vector<std::string> namespaces;
  for (const auto& [ns, v] : by_ns_cip) namespaces.push_back(ns);
  std::mt19937 rng(c.seed);
  auto pick = [&](const auto& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  const char* zone = "cluster.local";
  std::vector<std::vector<std::string>> lookups;  // each: its queries in order
  std::vector<std::vector<std::string>> firsts(6);
  auto pair = [&](std::vector<std::string>& l, const std::string& name, bool exists) {
    l.push_back(name + " A");
    l.push_back(name + " AAAA");
    if (exists) {
      q.hit++;
      q.nodata++;
    } else {
      q.nxdomain += 2;
    }
  };
  // The search list of a pod in P: each suffix appended in turn.
  auto search = [&](std::vector<std::string>& l, const std::string& name, const std::string& p, int misses) {
    std::string suffixes[3] = {p + ".svc." + zone, std::string("svc.") + zone, zone};
    for (int i = 0; i < misses; ++i) pair(l, name + "." + suffixes[i], false);
  };
  for (int i = 0; i < c.lookups; ++i) {
    int roll = std::uniform_int_distribution<int>(0, 99)(rng);
    std::vector<std::string> l;
    int kind;
    if (roll < 35 || (roll < 45 && headless.empty())) {  // short, ClusterIP
      kind = 0;
      std::string p = pick(namespaces);
      const Service* s = pick(by_ns_cip[p]);
      pair(l, s->name + "." + p + ".svc." + zone, true);
    } else if (roll < 45) {  // short, headless
      kind = 1;
      std::string p = pick(hs_ns);
      const Service* s = pick(by_ns_headless[p]);
      pair(l, s->name + "." + p + ".svc." + zone, true);
    } else if (roll < 65) {  // svc.otherns
      kind = 2;
      std::string p = pick(namespaces);
      const Service* s = pick(cip);
      search(l, s->name + "." + s->ns, p, 1);
      pair(l, s->name + "." + s->ns + ".svc." + zone, true);
    } else if (roll < 80) {  // svc.ns.svc.cluster.local without the dot
      kind = 3;
      std::string p = pick(namespaces);
      const Service* s = pick(cip);
      std::string fq = s->name + "." + s->ns + ".svc." + zone;
      search(l, fq, p, 3);
      pair(l, fq, true);
    } else if (roll < 85 && !headless.empty()) {  // ep-N.svc from the Service's namespace
      kind = 4;
      const Service* s = pick(headless);
      const Endpoint& e = pick(s->endpoints);
      std::string host = e.hostname.empty() ? Dashed(e.ip) : e.hostname;
      pair(l, host + "." + s->name + "." + s->ns + ".svc." + zone, true);
    } else {  // miss
      kind = 5;
      std::string p = pick(namespaces);
      search(l, "nosuch-" + std::to_string(i), p, 3);
    }
    if (firsts[kind].size() < 60) firsts[kind].insert(firsts[kind].end(), l.begin(), l.end());
    lookups.push_back(std::move(l));
  }
  std::ofstream f(c.out + "/queries.txt");
  for (const auto& l : lookups)
    for (const auto& line : l) {
      f << line << "\n";
      q.queries++;
    }
  std::ofstream chk(c.out + "/check.txt");
  for (const auto& k : firsts)
    for (size_t i = 0; i < k.size() && i < 40; ++i) chk << k[i] << "\n";
  return q;
}

// --- main -----------------------------------------------------------------------------

int Main(int argc, char** argv) {
  Args a(argc, argv, 1);
  Config c;
  c.out = a.Get("out");
  c.kubeconfig = a.Get("kubeconfig");
  c.services = a.Int("services", c.services);
  c.endpoints = a.Int("endpoints", c.endpoints);
  c.headless_percent = a.Int("headless-percent", c.headless_percent);
  c.namespaces = std::max(1, a.Int("namespaces", c.namespaces));
  c.clients = std::max(1, a.Int("clients", c.clients));
  c.pods = a.Int("pods", 0) != 0;
  c.lookups = a.Int("lookups", c.lookups);
  c.seed = static_cast<unsigned>(a.Int("seed", 1));
  c.ttl = a.Int("ttl", c.ttl);
  if (c.out.empty() || c.services <= 0 || c.endpoints <= 0 || c.services > 250000) {
    std::fprintf(stderr,
                 "usage: dns_loader --out DIR [--kubeconfig F] [--services N] [--endpoints N] [--headless-percent P]\n"
                 "         [--namespaces N] [--clients C] [--pods 0|1] [--lookups N] [--seed S] [--ttl T]\n");
    return 2;
  }
  Generated g = Generate(c);
  std::vector<Json> services = g.services, slices = g.slices;
  int errors = 0;
  double create_s = 0;
  if (!c.kubeconfig.empty()) {
    const api::Kind& ns_kind = client::KindOf("", "Namespace");
    const api::Kind& svc_kind = client::KindOf("", "Service");
    const api::Kind& slice_kind = client::KindOf("discovery.k8s.io", "EndpointSlice");
    const api::Kind& pod_kind = client::KindOf("", "Pod");
    auto start = Clock::now();
    errors += Parallel(c, static_cast<int>(g.namespaces.size()), [&](client::HttpClient& cl, int i) {
      return CreateOk(cl.Create(ns_kind, "", g.namespaces[i]));
    });
    int n = static_cast<int>(g.services.size());
    errors += Parallel(c, 2 * n, [&](client::HttpClient& cl, int i) {
      const Json& obj = i % 2 == 0 ? g.services[i / 2] : g.slices[i / 2];
      return CreateOk(cl.Create(i % 2 == 0 ? svc_kind : slice_kind, client::NamespaceOf(obj), obj));
    });
    if (c.pods) {
      errors += Parallel(c, static_cast<int>(g.pods.size()), [&](client::HttpClient& cl, int i) -> Status {
        const Json& pod = g.pods[i];
        std::string ns = client::NamespaceOf(pod), name = client::NameOf(pod);
        NK_RETURN_IF_ERROR(CreateOk(cl.Create(pod_kind, ns, pod)));
        const std::string& ip = g.pod_ips[i].second;
        Json patch = {{"status", {{"phase", "Running"}, {"podIP", ip}, {"podIPs", Json::array({{{"ip", ip}}})}}}};
        return cl.Patch(pod_kind, ns, name, client::PatchType::kMerge, patch, "status").status();
      });
    }
    create_s = std::chrono::duration<double>(Clock::now() - start).count();
    auto cl = client::HttpClient::FromKubeconfig(c.kubeconfig);
    if (!cl.ok()) {
      std::fprintf(stderr, "dns_loader: %s\n", cl.status().ToString().c_str());
      return 1;
    }
    auto listed_services = ListAll(**cl, svc_kind);
    auto listed_slices = ListAll(**cl, slice_kind);
    if (!listed_services.ok() || !listed_slices.ok()) {
      std::fprintf(stderr, "dns_loader: list: %s %s\n", listed_services.status().ToString().c_str(),
                   listed_slices.status().ToString().c_str());
      return 1;
    }
    services = std::move(*listed_services);
    slices = std::move(*listed_slices);
  }
  long eps = 0;
  int headless_n = 0;
  for (int i = 0; i < c.services; ++i) headless_n += Headless(c, i) ? 1 : 0;
  for (const auto& s : g.slices) eps += static_cast<long>(s["endpoints"].size());
  long objects = static_cast<long>(g.namespaces.size() + g.services.size() + g.slices.size() + 2 * g.pods.size());
  std::printf("RESULT step=load services=%zu headless=%d slices=%zu endpoints=%ld pods=%zu namespaces=%zu errors=%d "
              "create_s=%.2f rate=%.0f\n",
              g.services.size(), headless_n, g.slices.size(), eps, g.pods.size(), g.namespaces.size(), errors,
              create_s, create_s > 0 ? static_cast<double>(objects) / create_s : 0);
  auto model = Model(services, slices);
  ZoneCounts zc = WriteZones(c, model);
  QueryCounts qc = WriteQueries(c, model);
  std::printf("RESULT step=zone services=%zu records=%ld ptr=%ld queries=%ld lookups=%d nxdomain=%ld nodata=%ld hit=%ld\n",
              model.size(), zc.records, zc.ptr, qc.queries, c.lookups, qc.nxdomain, qc.nodata, qc.hit);
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace netkube::bench

int main(int argc, char** argv) { return netkube::bench::Main(argc, argv); }
