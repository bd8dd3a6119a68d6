// nft_bench: the cost of programming a service-proxy-shaped nftables table at
// scale with src/nft, through both executors side by side (the netlink batch
// executor and the libnftables script executor), plus an anchor: kube-proxy's
// nftables rule form (a `numgen random mod N vmap { ... }` per service)
// loaded with `nft -f`. Needs root; run it in a private network namespace:
//   scripts/in-netns build-nftnl/src/nft/nft_bench [SERVICES=10000] [ENDPOINTS=3] [ANCHOR_SERVICES=2000]
// ANCHOR_SERVICES=0 skips the anchor (at 10,000 it takes minutes).
// Each executor runs in its own child process, so each peak RSS is its own
// (IR included; the later steps keep several table copies, so the last
// row is higher than the full load's own peak). Prints one line per step (milliseconds) and the ratios. A
// benchmark, not a test: it reports numbers and asserts nothing about them.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "nft/applier.h"
#include "nft/nftnl_executor.h"
#include "nft/render.h"
#include "nft/rule.h"

using namespace netkube::nft;

namespace {

std::string Ip(int base_a, int base_b, int i) {
  return std::to_string(base_a) + "." + std::to_string(base_b + i / 65536) + "." + std::to_string((i / 256) % 256) +
         "." + std::to_string(i % 256);
}

std::string SvcChain(int i) { return "service-" + std::to_string(i) + "-default/svc" + std::to_string(i) + "/tcp/http"; }

// Service i: ClusterIP 10.96.x.y:80/tcp -> `eps` endpoints 10.244.x.y:8080.
void AddService(Table* t, int i, int eps) {
  std::vector<std::string> chains;
  for (int k = 0; k < eps; ++k) {
    std::string ep = "endpoint-" + std::to_string(i) + "-" + std::to_string(k);
    std::string ip = Ip(10, 244, i * eps + k);
    auto& c = t->AddChain(ep);
    c.rules.push_back(*RuleBuilder().SaddrIs(ip).MarkSet(0x4000).Build());
    c.rules.push_back(*RuleBuilder().L4Proto("tcp").DnatTo(ip, 8080).Build());
    chains.push_back(ep);
  }
  t->AddChain(SvcChain(i)).rules = *RandomCascade(chains);
  t->sets["service-ips"].elements[Ip(10, 96, i) + " . tcp . 80"] = "goto " + SvcChain(i);
}

Table Build(int services, int eps) {
  Table t;
  t.name = "netkube-bench";
  t.AddSet("service-ips", "ipv4_addr . inet_proto . inet_service", "verdict");
  t.AddChain("nat-prerouting", BaseChainSpec{"nat", "prerouting", -100, "accept"}).rules = {"jump services"};
  t.AddChain("nat-output", BaseChainSpec{"nat", "output", -100, "accept"}).rules = {"jump services"};
  t.AddChain("nat-postrouting", BaseChainSpec{"nat", "postrouting", 100, "accept"}).rules = {
      *RuleBuilder().MarkMatch(0x4000).Masquerade().Build()};
  t.AddChain("services").rules = {
      *RuleBuilder().VmapLookup("ip daddr . meta l4proto . th dport", "service-ips").Build()};
  for (int i = 0; i < services; ++i) AddService(&t, i, eps);
  return t;
}

template <typename F>
double Ms(F f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

long PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

void Check(const netkube::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// Steps measured for one executor, in this order.
enum Step {
  kFullFresh, kFullAgain, kAddService, kRemoveEndpoint, kAddServiceNamed, kRemoveEndpointNamed, kHeal, kPeakFull, kPeakRss, kSteps
};
const char* kStepNames[] = {"apply full fresh",   "apply full again",   "Apply +1 service", "Apply -1 endpoint",
                            "ApplyChanged +1 svc", "ApplyChanged -1 ep", "heal (no drift)",  "RSS after full (MB)", "peak RSS (MB)"};

// Table `t` with endpoint 0 of service i removed; fills the changed names.
Table RemoveEndpoint(const Table& t, int i, int eps, Applier::Changed* changed) {
  Table out = t;
  std::string ep0 = "endpoint-" + std::to_string(i) + "-0";
  out.chains.erase(ep0);
  std::vector<std::string> rest;
  for (int k = 1; k < eps; ++k) rest.push_back("endpoint-" + std::to_string(i) + "-" + std::to_string(k));
  out.chains[SvcChain(i)].rules = *RandomCascade(rest);
  *changed = {{ep0, SvcChain(i)}, {}};
  return out;
}

Applier::Changed ServiceNames(int i, int eps) {
  Applier::Changed c{{SvcChain(i)}, {"service-ips"}};
  for (int k = 0; k < eps; ++k) c.chains.push_back("endpoint-" + std::to_string(i) + "-" + std::to_string(k));
  return c;
}

// Runs the scenario with one executor; fills `out` (ms, MB last).
void Scenario(bool batch, int services, int eps, double* out) {
  Applier applier(batch ? NewNftnlExecutor() : NewLibnftablesExecutor());
  Table t = Build(services, eps);
  out[kFullFresh] = Ms([&] { Check(applier.ApplyFull(t), "full"); });
  out[kPeakFull] = static_cast<double>(PeakRssMb());
  if (batch && !applier.last_result().direct) std::fprintf(stderr, "fell back: %s\n", applier.last_result().fallback.c_str());
  out[kFullAgain] = Ms([&] { Check(applier.ApplyFull(t), "full"); });
  Table t2 = t;
  AddService(&t2, services, eps);
  out[kAddService] = Ms([&] { Check(applier.Apply(t2), "delta"); });
  Applier::Changed changed;
  Table t3 = RemoveEndpoint(t2, services, eps, &changed);
  out[kRemoveEndpoint] = Ms([&] { Check(applier.Apply(t3), "delta"); });
  // The same two changes with the names given (O(changes) in userspace).
  Table t4 = t3;
  AddService(&t4, services + 1, eps);
  out[kAddServiceNamed] = Ms([&] { Check(applier.ApplyChanged(t4, ServiceNames(services + 1, eps)), "named"); });
  Table t5 = RemoveEndpoint(t4, services + 1, eps, &changed);
  out[kRemoveEndpointNamed] = Ms([&] { Check(applier.ApplyChanged(t5, changed), "named"); });
  out[kHeal] = Ms([&] { Check(applier.Heal(t5), "heal"); });
  Check(applier.Remove(t.family, t.name), "remove");
  out[kPeakRss] = static_cast<double>(PeakRssMb());
}

// Runs Scenario in a child process (its own peak RSS).
bool RunChild(bool batch, int services, int eps, double* out) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    double r[kSteps] = {};
    Scenario(batch, services, eps, r);
    (void)!write(fds[1], r, sizeof r);
    _exit(0);
  }
  close(fds[1]);
  ssize_t n = read(fds[0], out, sizeof(double) * kSteps);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return n == static_cast<ssize_t>(sizeof(double) * kSteps) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// kube-proxy's nftables form for `services` services: per service a chain
// with `numgen random mod N vmap { 0 : goto ep0, ... }`, endpoint chains
// with mark + dnat, one services vmap.
std::string AnchorScript(int services, int eps, int first) {
  std::string s;
  for (int i = first; i < first + services; ++i) {
    std::string svc = "svc-" + std::to_string(i);
    std::string vmap;
    for (int k = 0; k < eps; ++k) {
      std::string ep = "ep-" + std::to_string(i) + "-" + std::to_string(k);
      std::string ip = Ip(10, 244, i * eps + k);
      s += "add chain ip kube-proxy " + ep + "\n";
      s += "add rule ip kube-proxy " + ep + " ip saddr " + ip + " meta mark set meta mark | 0x4000\n";
      s += "add rule ip kube-proxy " + ep + " meta l4proto tcp dnat to " + ip + ":8080\n";
      vmap += (k ? ", " : "") + std::to_string(k) + " : goto " + ep;
    }
    s += "add chain ip kube-proxy " + svc + "\n";
    s += "add rule ip kube-proxy " + svc + " numgen random mod " + std::to_string(eps) + " vmap { " + vmap + " }\n";
    s += "add element ip kube-proxy service-ips { " + Ip(10, 96, i) + " . tcp . 80 : goto " + svc + " }\n";
  }
  return s;
}

double NftFile(const std::string& script) {
  const char* path = "/tmp/nft_bench_anchor.nft";
  std::ofstream(path) << script;
  double ms = Ms([&] {
    if (std::system((std::string("nft -f ") + path).c_str()) != 0) std::fprintf(stderr, "anchor: nft -f failed\n");
  });
  std::remove(path);
  return ms;
}

void Anchor(int services, int eps) {
  std::string head =
      "add table ip kube-proxy\n"
      "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }\n"
      "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100; policy accept; }\n"
      "add chain ip kube-proxy services\n"
      "add rule ip kube-proxy nat-prerouting jump services\n"
      "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips\n";
  std::string full = head + AnchorScript(services, eps, 0);
  double fresh = NftFile(full);
  double replace = NftFile("add table ip kube-proxy\ndelete table ip kube-proxy\n" + full);
  double one = NftFile(AnchorScript(1, eps, services));
  std::printf("anchor (kube-proxy numgen vmap form, nft -f, %d services x %d):\n", services, eps);
  std::printf("  full fresh %9.1f ms   full replace %9.1f ms   +1 service %7.1f ms\n", fresh, replace, one);
  std::system("nft delete table ip kube-proxy 2>/dev/null");
}

}  // namespace

int main(int argc, char** argv) {
  int services = argc > 1 ? std::atoi(argv[1]) : 10000;
  int eps = argc > 2 ? std::atoi(argv[2]) : 3;
  int anchor = argc > 3 ? std::atoi(argv[3]) : 2000;
  std::printf("services=%d endpoints/service=%d\n", services, eps);
  {
    Table t;
    std::printf("build IR          %9.1f ms\n", Ms([&] { t = Build(services, eps); }));
    std::printf("validate          %9.1f ms\n", Ms([&] { Check(Validate(t), "validate"); }));
    std::string text;
    double ms = Ms([&] { text = RenderFull(t); });
    std::printf("render full       %9.1f ms (%zu bytes)\n", ms, text.size());
    Table t2 = t;
    AddService(&t2, services, eps);
    std::printf("diff only         %9.1f ms\n", Ms([&] { (void)Diff(t, t2); }));
  }
  double batch[kSteps] = {}, script[kSteps] = {};
  bool ok_batch = RunChild(true, services, eps, batch);
  bool ok_script = RunChild(false, services, eps, script);
  std::printf("%-20s %14s %14s %8s\n", "step", "netlink batch", "libnftables", "ratio");
  for (int s = 0; s < kSteps; ++s) {
    std::printf("%-20s %14.1f %14.1f %7.1fx\n", kStepNames[s], ok_batch ? batch[s] : -1, ok_script ? script[s] : -1,
                ok_batch && ok_script && batch[s] > 0 ? script[s] / batch[s] : 0.0);
  }
  if (anchor > 0) Anchor(anchor, eps);
  return ok_batch && ok_script ? 0 : 1;
}
