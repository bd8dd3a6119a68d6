// proxy_connect_bench: TCP connect latency through a ClusterIP with N
// services installed, for several N in one run (issue 4: 10,000 vs 10, goal
// ratio <= 1.1), plus the compile+render and apply times of each table.
//
// For each N: N services x 3 endpoints as proxy::Service / EndpointSlice
// values (ClusterIPs 10.96.x.y:80, endpoints 10.250.x.y:8080 that answer
// nothing), except one service whose 3 endpoints are the 3 addresses of a
// real server (--server-ips) -> CompileProxyPlan -> RenderProxyTable ->
// nft::Applier (netlink batch executor, or libnftables with
// --executor libnftables) in the current network namespace. Then COUNT
// connect()+close() to that service's ClusterIP are timed one by one (after
// WARMUP untimed ones), and the table is removed. A baseline with no table:
// the same connects straight to the first server address.
//
// The server is a plain accept-and-close loop on 0.0.0.0:8080 in the network
// namespace --server-netns (a /run/netns path), run by a thread that setns()
// into it. bench/proxy/connect_bench.sh builds the namespaces; run it, not
// this program, unless you have built the same plumbing:
//   proxy_connect_bench --server-netns /run/netns/X --server-ips a,b,c
//       [--services 10,10000,10] [--connects 2000] [--warmup 200]
//       [--executor nftnl|libnftables]
// Prints one "RESULT ..." line per step. A benchmark: it asserts nothing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/flags.h"
#include "nft/applier.h"
#include "nft/executor.h"
#include "nft/nftnl_executor.h"
#include "proxy/plan.h"
#include "proxy/render.h"
#include "proxy/types.h"

namespace {

using netkube::bench::Args;
using netkube::bench::Percentile;
namespace proxy = netkube::proxy;
namespace nft = netkube::nft;

constexpr int kServerPort = 8080;
constexpr int kServicePort = 80;

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// The i-th address of a.b.0.0/16 counting from .0.1 (i < 65,000).
std::string Ip16(int a, int b, int i) {
  int n = i + 1;
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(n / 256) + "." +
         std::to_string(n % 256);
}

// ClusterIP of service i: 10.96.0.0/12 from 10.96.1.1 on (10.96.0.1 and .10
// stay clear, as in a cluster).
std::string ClusterIp(int i) { return Ip16(10, 96 + i / 60000, 256 + i % 60000); }

struct Inputs {
  std::vector<proxy::Service> services;
  std::vector<proxy::EndpointSlice> slices;
  std::string target_ip;  // the ClusterIP of the service backed by the server
};

// N services, 3 endpoints each (on node "other"); service `real` has the
// server's addresses as its endpoints.
Inputs MakeInputs(int n, const std::vector<std::string>& server_ips) {
  Inputs in;
  int real = n / 2;
  in.services.reserve(n);
  in.slices.reserve(n);
  for (int i = 0; i < n; ++i) {
    proxy::Service s;
    s.name = {"bench", "svc-" + std::to_string(i)};
    s.cluster_ips = {ClusterIp(i)};
    s.ports = {{"", proxy::Protocol::kTCP, kServicePort, std::to_string(kServerPort), 0}};
    proxy::EndpointSlice sl;
    sl.name = {"bench", s.name.name + "-abcde"};
    sl.service_name = s.name.name;
    sl.ports = {{"", proxy::Protocol::kTCP, kServerPort}};
    for (int k = 0; k < 3; ++k) {
      proxy::SliceEndpoint ep;
      ep.addresses = {i == real ? server_ips[k % server_ips.size()] : Ip16(10, 250, i * 3 + k)};
      ep.node_name = "other";
      sl.endpoints.push_back(ep);
    }
    if (i == real) in.target_ip = s.cluster_ips[0];
    in.services.push_back(std::move(s));
    in.slices.push_back(std::move(sl));
  }
  return in;
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The accept-and-close server, in the namespace at `netns_path`.
class Server {
 public:
  bool Start(const std::string& netns_path) {
    std::atomic<int> state{0};  // 1 listening, -1 failed
    thread_ = std::thread([&state, netns_path, this] {
      int ns = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
        std::perror("proxy_connect_bench: setns to the server namespace");
        state = -1;
        return;
      }
      close(ns);
      fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(kServerPort);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 4096) != 0) {
        std::perror("proxy_connect_bench: server bind/listen");
        state = -1;
        return;
      }
      state = 1;
      while (!stop_) {
        int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) close(c);
      }
    });
    while (state == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return state == 1;
  }
  ~Server() {
    stop_ = true;
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int fd_ = -1;
};

// One connect()+close() to ip:port; milliseconds, or -1 on failure.
double ConnectOnce(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // RST on close: no TIME_WAIT pile-up across thousands of connects.
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  auto t0 = std::chrono::steady_clock::now();
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  double ms = MsSince(t0);
  close(fd);
  return rc == 0 ? ms : -1;
}

struct Latency {
  double p50 = 0, p90 = 0, p99 = 0, mean = 0;
  int ok = 0, failed = 0;
};

Latency Measure(const std::string& ip, int port, int warmup, int count) {
  for (int i = 0; i < warmup; ++i) ConnectOnce(ip, port);
  std::vector<double> v;
  v.reserve(count);
  Latency l;
  for (int i = 0; i < count; ++i) {
    double ms = ConnectOnce(ip, port);
    if (ms < 0) {
      ++l.failed;
      continue;
    }
    v.push_back(ms);
  }
  std::sort(v.begin(), v.end());
  l.ok = static_cast<int>(v.size());
  double sum = 0;
  for (double x : v) sum += x;
  l.mean = v.empty() ? 0 : sum / v.size();
  l.p50 = Percentile(v, 0.5);
  l.p90 = Percentile(v, 0.9);
  l.p99 = Percentile(v, 0.99);
  return l;
}

std::string Fmt(const Latency& l) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f ok=%d failed=%d",
                l.p50 * 1000, l.p90 * 1000, l.p99 * 1000, l.mean * 1000, l.ok, l.failed);
  return buf;
}

long PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  Args args(argc, argv, 1);
  std::string netns = args.Get("server-netns");
  std::vector<std::string> server_ips = Split(args.Get("server-ips"));
  if (netns.empty() || server_ips.empty()) {
    std::fprintf(stderr,
                 "usage: proxy_connect_bench --server-netns /run/netns/NAME --server-ips A[,B,C] "
                 "[--services 10,10000,10] [--connects 2000] [--warmup 200] "
                 "[--executor nftnl|libnftables]\n");
    return 2;
  }
  std::vector<int> sizes;
  for (const auto& s : Split(args.Get("services", "10,10000,10"))) sizes.push_back(std::stoi(s));
  int count = args.Int("connects", 2000);
  int warmup = args.Int("warmup", 200);
  std::string executor = args.Get("executor", "nftnl");

  Server server;
  if (!server.Start(netns)) return 1;

  Latency base = Measure(server_ips[0], kServerPort, warmup, count);
  std::printf("RESULT step=direct services=0 target=%s:%d %s\n", server_ips[0].c_str(), kServerPort,
              Fmt(base).c_str());
  std::fflush(stdout);

  proxy::NodeInfo node{"bench-node", {}};
  proxy::RenderOptions ropts;  // no pod CIDR: every ClusterIP client is masqueraded
  for (int n : sizes) {
    auto t0 = std::chrono::steady_clock::now();
    Inputs in = MakeInputs(n, server_ips);
    double inputs_ms = MsSince(t0);
    t0 = std::chrono::steady_clock::now();
    proxy::ProxyPlan plan = CompileProxyPlan(in.services, in.slices, node);
    double compile_ms = MsSince(t0);
    t0 = std::chrono::steady_clock::now();
    std::vector<std::string> skipped;
    auto table = RenderProxyTable(plan, ropts, &skipped);
    double render_ms = MsSince(t0);
    if (!table.ok()) {
      std::fprintf(stderr, "proxy_connect_bench: render: %s\n", table.status().ToString().c_str());
      return 1;
    }
    nft::Applier applier(executor == "libnftables" ? nft::NewLibnftablesExecutor()
                                                   : nft::NewNftnlExecutor());
    t0 = std::chrono::steady_clock::now();
    netkube::Status st = applier.ApplyFull(*table);
    double apply_ms = MsSince(t0);
    if (!st.ok()) {
      std::fprintf(stderr, "proxy_connect_bench: apply of %d services: %s\n", n, st.ToString().c_str());
      return 1;
    }
    const auto& r = applier.last_result();
    Latency l = Measure(in.target_ip, kServicePort, warmup, count);
    std::printf(
        "RESULT step=clusterip services=%d target=%s:%d %s inputs_ms=%.1f compile_ms=%.1f "
        "render_ms=%.1f apply_ms=%.1f direct_batch=%d bytes=%zu skipped=%zu executor=%s "
        "peak_rss_mb=%ld\n",
        n, in.target_ip.c_str(), kServicePort, Fmt(l).c_str(), inputs_ms, compile_ms, render_ms,
        apply_ms, r.direct ? 1 : 0, r.script_bytes, skipped.size(), executor.c_str(), PeakRssMb());
    std::fflush(stdout);
    st = applier.Remove(table->family, table->name);
    if (!st.ok()) {
      std::fprintf(stderr, "proxy_connect_bench: remove: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
