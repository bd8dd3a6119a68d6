// proxy_sync_bench: the service proxy's sync cost at scale, measured on the
// compile and apply steps alone (no pods, no API server), as the node agent
// runs them: ChangeTracker -> ProxyTableRenderer -> nft::Applier.
//
//   scripts/in-netns build/bench/proxy_sync_bench [SERVICES=10000] [ENDPOINTS=3] [CHANGES=50]
//
// Prints, in milliseconds: the full sync (compile+render, apply), then CHANGES
// single-service changes (an endpoint replaced in one service's EndpointSlice:
// compile+render+apply each, median and p99), and the process's peak RSS.
// Needs root (nftables); run it in a private network namespace. The anchor
// (kube-proxy's rule form loaded with `nft -f`) is bench/nft/nft_bench's.
// A benchmark, not a test: it reports numbers and asserts nothing.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nft/applier.h"
#include "nft/nftnl_executor.h"
#include "proxy/render.h"
#include "proxy/tracker.h"

using namespace netkube;
using namespace netkube::proxy;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string Ip(int a, int i) {
  return std::to_string(a) + "." + std::to_string(96 + i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
         std::to_string(i % 256);
}

Service MakeSvc(int i) {
  Service s;
  s.name = {"default", "svc" + std::to_string(i)};
  s.cluster_ips = {Ip(10, i)};
  s.ports = {{"http", Protocol::kTCP, 80, "8080", 0}};
  if (i % 10 == 0) {  // every tenth a NodePort
    s.type = ServiceType::kNodePort;
    s.ports[0].node_port = 30000 + i / 10 % 2700;
  }
  return s;
}

EndpointSlice MakeSlice(int i, int eps, int generation) {
  EndpointSlice sl;
  sl.name = {"default", "svc" + std::to_string(i) + "-abc"};
  sl.service_name = "svc" + std::to_string(i);
  sl.ports = {{"http", Protocol::kTCP, 8080}};
  for (int e = 0; e < eps; ++e) {
    SliceEndpoint ep;
    ep.addresses = {Ip(11, i * eps + e + generation * 7)};  // 11.x: never routed anywhere
    ep.node_name = e == 0 ? "node-a" : "node-b";
    sl.endpoints.push_back(ep);
  }
  return sl;
}

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  const int services = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int eps = argc > 2 ? std::atoi(argv[2]) : 3;
  const int changes = argc > 3 ? std::atoi(argv[3]) : 50;
  RenderOptions ro;
  ro.cluster_pod_cidr = "10.244.0.0/16";

  ChangeTracker tracker(NodeInfo{"node-a", {"172.18.0.2"}});
  ProxyTableRenderer renderer(ro);
  nft::Applier applier(nft::NewNftnlExecutor());
  for (int i = 0; i < services; ++i) {
    tracker.UpsertService(MakeSvc(i));
    tracker.UpsertEndpointSlice(MakeSlice(i, eps, 0));
  }
  auto t0 = Clock::now();
  ChangeSet c = tracker.TakeChanges();
  Status st = renderer.Update(tracker.entries(), {"172.18.0.2"}, ClusterIPMasquerade::kNonPodSources, c.changed, true);
  auto t1 = Clock::now();
  if (st.ok()) st = applier.ApplyFull(renderer.table());
  auto t2 = Clock::now();
  renderer.TakeTouched();
  if (!st.ok()) {
    std::fprintf(stderr, "full sync: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("services %d x %d endpoints: %zu rules+elements\n", services, eps, renderer.RuleCount());
  std::printf("full sync: compile+render %.1f ms, apply %.1f ms, total %.1f ms\n", Ms(t1 - t0), Ms(t2 - t1),
              Ms(t2 - t0));

  std::vector<double> render_ms, apply_ms, total_ms;
  for (int k = 0; k < changes; ++k) {
    const int i = (k * 7919) % services;
    auto a = Clock::now();
    tracker.UpsertEndpointSlice(MakeSlice(i, eps, k + 1));
    ChangeSet cs = tracker.TakeChanges();
    st = renderer.Update(tracker.entries(), {"172.18.0.2"}, ClusterIPMasquerade::kNonPodSources, cs.changed, cs.full);
    auto b = Clock::now();
    if (st.ok()) {
      ProxyTableRenderer::Touched t = renderer.TakeTouched();
      st = applier.ApplyChanged(renderer.table(), {{t.chains.begin(), t.chains.end()}, {t.sets.begin(), t.sets.end()}});
    }
    auto e = Clock::now();
    if (!st.ok()) {
      std::fprintf(stderr, "change %d: %s\n", k, st.ToString().c_str());
      return 1;
    }
    render_ms.push_back(Ms(b - a));
    apply_ms.push_back(Ms(e - b));
    total_ms.push_back(Ms(e - a));
  }
  auto stats = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return std::make_pair(v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]);
  };
  if (changes > 0) {
    auto [r50, r99] = stats(render_ms);
    auto [a50, a99] = stats(apply_ms);
    auto [t50, t99] = stats(total_ms);
    std::printf("one service change (%d): compile+render median %.2f ms p99 %.2f; apply median %.2f ms p99 %.2f; "
                "total median %.2f ms p99 %.2f ms (%s)\n",
                changes, r50, r99, a50, a99, t50, t99, applier.last_result().full ? "full" : "delta");
  }
  std::printf("peak RSS %ld MB\n", PeakRssMb());
  applier.Remove(nft::Family::kIp, ro.table_name);
  return 0;
}
