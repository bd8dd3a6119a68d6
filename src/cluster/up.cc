// netkube up. See lifecycle.h.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "apiserver/certs.h"
#include "client/http_client.h"
#include "cluster/kubeconfig_merge.h"
#include "cluster/lifecycle.h"
#include "cluster/manifest.h"
#include "cluster/network.h"
#include "cluster/state.h"
#include "cluster/supervisor.h"
#include "netlink/handle.h"
#include "netlink/ip.h"
#include "util/log.h"

namespace netkube::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr auto kPoll = std::chrono::milliseconds(20);

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

Environment GatherEnvironment(const ClusterConfig& config) {
  Environment env;
  env.is_root = ::geteuid() == 0;
  env.state_dir = StateDir();
  for (const auto& name : ListClusters(env.state_dir)) {
    env.cluster_dirs.insert(name);
    auto plan = LoadPlan(env.state_dir + "/clusters/" + name);
    if (plan.ok()) env.clusters.push_back({plan->name, plan->node_cidr, plan->api_port});
  }
  for (const auto& n : ListNetNs()) env.netns.insert(n);
  if (auto h = netlink::Handle::Open(); h.ok()) {
    if (auto links = h->ListLinks(); links.ok()) {
      for (const auto& l : *links) env.host_links.insert(l.name);
    }
  }
  int first = config.api_port != 0 ? config.api_port : kApiPort;
  for (int p = first; p < first + 32; ++p) {
    if (!PortFree(p)) env.busy_ports.insert(p);
  }
  return env;
}

// Progress lines, as kind prints them.
class Steps {
 public:
  void Done(const std::string& what) { std::fprintf(stderr, " \u2713 %s\n", what.c_str()); }
  void Failed(const std::string& what) { std::fprintf(stderr, " \u2717 %s\n", what.c_str()); }
};

Status WriteCertificates(ClusterPlan& plan) {
  apiserver::PkiOptions po;
  po.dir = plan.server_dir;
  auto svc = netlink::Ipv4Prefix::Parse(plan.service_cidr);
  if (!svc.ok()) return svc.status();
  po.ip_sans = {"127.0.0.1", plan.control_plane().ip, netlink::Ipv4{svc->Network().value + 1}.ToString()};
  if (Status st = MakeDirs(plan.server_dir, 0700); !st.ok()) return st;
  auto pki = apiserver::EnsurePki(po);
  if (!pki.ok()) return pki.status();
  for (const auto& n : plan.nodes) {
    if (Status st = MakeDirs(n.root_dir + "/pki", 0700); !st.ok()) return st;
    std::string crt = n.root_dir + "/pki/node.crt", key = n.root_dir + "/pki/node.key";
    if (Status st = apiserver::IssueClientCert(*pki, "system:node:" + n.name, {"system:nodes"}, crt, key); !st.ok())
      return st;
    if (Status st = apiserver::WriteKubeconfig(n.kubeconfig, plan.context(), plan.node_api_url, *pki, crt, key);
        !st.ok())
      return st;
  }
  std::string user = UserKubeconfigPath(plan.dir);
  if (Status st = apiserver::WriteKubeconfig(user, plan.context(), plan.api_url, *pki, pki->admin_crt, pki->admin_key);
      !st.ok())
    return st;
  auto text = ReadFileToString(user);
  if (!text.ok()) return text.status();
  return MergeKubeconfigFile(plan.user_kubeconfig, *text, plan.context());
}

bool ConditionTrue(const json& obj, const std::string& type) {
  if (!obj.contains("status") || !obj["status"].contains("conditions")) return false;
  for (const auto& c : obj["status"]["conditions"]) {
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  }
  return false;
}

// Polls `check` every kPoll until it returns OK or the deadline passes.
// `check` returns Unavailable while not yet there, with a message saying why.
Status PollUntil(Clock::time_point deadline, const std::function<Status()>& check) {
  std::string last;
  while (true) {
    Status st = check();
    if (st.ok()) return st;
    if (log::Verbosity() > 0 && st.message() != last) {
      last = st.message();
      LOG_INFO << "waiting: " << last;
    }
    if (st.reason() != Reason::kServiceUnavailable) return st;
    if (Clock::now() >= deadline) return Status::Timeout(st.message());
    std::this_thread::sleep_for(kPoll);
  }
}

int Fail(const ClusterPlan& plan, Steps& steps, const std::string& step, const Status& st, bool cleanup) {
  steps.Failed(step);
  std::fprintf(stderr, "ERROR: failed to create cluster: %s\n", st.message().c_str());
  if (cleanup) {
    std::fprintf(stderr, "Removing what was made ...\n");
    Down(plan.name);
  } else {
    std::fprintf(stderr, "The cluster is left running; logs are in %s/*.log. Remove it with: netkube down --name %s\n",
                 plan.dir.c_str(), plan.name.c_str());
  }
  return 1;
}

}  // namespace

int Up(const UpOptions& options) {
  auto t0 = Clock::now();
  const ClusterConfig& config = options.config;
  Environment env = GatherEnvironment(config);
  auto planned = MakePlan(config, env);
  if (!planned.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", planned.status().message().c_str());
    return 1;
  }
  ClusterPlan plan = std::move(*planned);
  plan.user_kubeconfig = DefaultKubeconfigPath();
  if (Status st = ProbeKernel(plan.network); !st.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "Creating cluster \"%s\" ...\n", plan.name.c_str());
  for (const auto& note : plan.notes) std::fprintf(stderr, " \u2022 %s\n", note.c_str());
  Steps steps;

  // Recorded before anything is created: `down` undoes whatever exists.
  if (Status st = SavePlan(plan); !st.ok()) return Fail(plan, steps, "Recording the cluster", st, true);
  if (Status st = CreateNetwork(plan); !st.ok()) return Fail(plan, steps, "Preparing nodes", st, true);
  steps.Done("Preparing nodes (" + std::to_string(plan.nodes.size()) + " network namespaces, node network " +
             plan.node_cidr + ", LoadBalancer pool " + plan.load_balancer_pool + ")");
  if (Status st = WriteCertificates(plan); !st.ok()) return Fail(plan, steps, "Writing configuration", st, true);
  steps.Done("Writing configuration");

  auto sup = StartSupervisor(plan);
  if (!sup.ok()) return Fail(plan, steps, "Starting control-plane", sup.status(), true);
  auto client = client::HttpClient::FromKubeconfig(UserKubeconfigPath(plan.dir));
  if (!client.ok()) return Fail(plan, steps, "Starting control-plane", client.status(), true);
  auto deadline = Clock::now() + options.wait;
  Status ready = PollUntil(deadline, [&]() -> Status {
    if (!IsSameProcess(*sup)) return Status::Internal("the supervisor exited; see " + plan.dir + "/supervisor.log");
    auto r = (*client)->Raw("GET", "/readyz");
    if (!r.ok() || r->code != 200) return Status::Unavailable("the API server is not ready; see " + plan.dir + "/server.log");
    // The bootstrap objects (kube-system) come right after the sockets open.
    auto ns = (*client)->Get(client::KindOf("", "Namespace"), "", "kube-system");
    if (!ns.ok()) return Status::Unavailable("the API server has no kube-system namespace yet");
    return Status::OK();
  });
  if (!ready.ok()) return Fail(plan, steps, "Starting control-plane", ready, true);
  steps.Done("Starting control-plane");

  const api::Kind& node_kind = client::KindOf("", "Node");
  const api::Kind& pod_kind = client::KindOf("", "Pod");
  Status joined = PollUntil(deadline, [&]() -> Status {
    auto nodes = (*client)->List(node_kind, "", {});
    if (!nodes.ok()) return Status::Unavailable(nodes.status().message());
    size_t n = (*nodes)["items"].size();
    if (n < plan.nodes.size())
      return Status::Unavailable(std::to_string(n) + " of " + std::to_string(plan.nodes.size()) +
                                 " nodes registered; see " + plan.dir + "/<node>.log");
    return Status::OK();
  });
  if (!joined.ok()) return Fail(plan, steps, "Joining nodes", joined, false);
  steps.Done("Joining nodes");

  if (plan.cni != "none") {
    auto objects = CniObjects(plan.cni);
    Status st = objects.ok() ? ApplyObjects(**client, *objects) : objects.status();
    if (!st.ok()) return Fail(plan, steps, "Installing CNI", st, false);
    steps.Done(std::string("Installing CNI (") + (plan.cni == "bridge" ? "reference plugins" : "netkube-cni") + ", " +
               plan.network + ")");
  }
  // Applied even without a CNI: its pods then wait Pending, as on kubeadm.
  if (plan.dns != "none") {
    auto objects = CoreDnsObjects(plan.cluster_dns);
    Status st = objects.ok() ? ApplyObjects(**client, *objects) : objects.status();
    if (!st.ok()) return Fail(plan, steps, "Installing cluster DNS", st, false);
    steps.Done("Installing cluster DNS (coredns, kube-dns " + plan.cluster_dns + ")");
  }
  // Also without a CNI (its pod then waits Pending).
  if (plan.ingress != "none") {
    auto objects = IngressObjects();
    Status st = objects.ok() ? ApplyObjects(**client, *objects) : objects.status();
    if (!st.ok()) return Fail(plan, steps, "Installing the ingress controller", st, false);
    steps.Done("Installing the ingress controller (ingress-nginx, IngressClass nginx)");
  }

  if (plan.cni != "none") {
    Status st = PollUntil(deadline, [&]() -> Status {
      auto nodes = (*client)->List(node_kind, "", {});
      if (!nodes.ok()) return Status::Unavailable(nodes.status().message());
      for (const auto& n : (*nodes)["items"]) {
        if (!ConditionTrue(n, "Ready"))
          return Status::Unavailable("node " + n["metadata"].value("name", "") + " is not Ready");
      }
      // The system pods and the ingress controller's, waited for together.
      std::vector<std::string> namespaces = {"kube-system"};
      if (plan.ingress != "none") namespaces.push_back("ingress-nginx");
      for (const std::string& ns : namespaces) {
        auto pods = (*client)->List(pod_kind, ns, {});
        if (!pods.ok()) return Status::Unavailable(pods.status().message());
        if ((*pods)["items"].empty()) return Status::Unavailable("no " + ns + " pods yet");
        for (const auto& p : (*pods)["items"]) {
          std::string phase = p.contains("status") ? p["status"].value("phase", "") : "";
          // Running with every container ready (kubectl's "1/1 Running"). The
          // pod's Ready condition can lag: the node lifecycle controller marks
          // pods of a node that was NotReady, and the agent heals it later.
          if (phase != "Running" || !ConditionTrue(p, "ContainersReady"))
            return Status::Unavailable("pod " + ns + "/" + p["metadata"].value("name", "") + " is not Running (" +
                                       (phase.empty() ? "Pending" : phase) + ")");
        }
      }
      return Status::OK();
    });
    if (!st.ok()) return Fail(plan, steps, "Waiting for nodes Ready", st, false);
    steps.Done("Waiting for nodes Ready and system pods Running");
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "Cluster \"%s\" is up (%.2f s): %zu node%s, API %s (also %s from the nodes).\n"
      "Set kubectl context to \"%s\" (in %s).\n"
      "You can now use your cluster with:\n\n"
      "kubectl cluster-info --context %s\n"
      "kubectl get nodes -o wide\n\n"
      "Remove it with: netkube down%s\n",
      plan.name.c_str(), secs, plan.nodes.size(), plan.nodes.size() == 1 ? "" : "s", plan.api_url.c_str(),
      plan.node_api_url.c_str(), plan.context().c_str(), plan.user_kubeconfig.c_str(), plan.context().c_str(),
      plan.name == "netkube" ? "" : (" --name " + plan.name).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace netkube::cluster
