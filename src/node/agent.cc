#include "node/agent.h"

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "client/http_client.h"
#include "client/meta.h"
#include "cni/invoker.h"
#include "node/agent_impl.h"
#include "util/file.h"
#include "util/log.h"

namespace netkube::node {
namespace {

namespace fs = std::filesystem;

constexpr int kWorkers = 4;

// flannel's subnet.env, in netkube's words: what the CNI installer needs to
// write this node's network configuration.
Status WriteSubnetEnv(const AgentOptions& o) {
  std::string dir = o.root_dir + "/run/netkube";
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ostringstream out;
  out << "NETKUBE_NETWORK=" << o.cluster_pod_cidr << "\n"
      << "NETKUBE_SUBNET=" << o.pod_cidr << "\n"
      << "NETKUBE_MTU=" << (o.network == "vxlan" ? 1450 : 1500) << "\n"
      << "NETKUBE_NODE_IP=" << o.node_ip << "\n"
      << "NETKUBE_NODE_NAME=" << o.node_name << "\n"
      << "NETKUBE_CNI_DATA_DIR=" << o.root_dir << "/var/lib/cni/networks\n";
  return WriteFileAtomic(dir + "/subnet.env", out.str());
}

}  // namespace

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Agent::~Agent() { Stop(); }

Status Agent::Start() {
  Impl& a = *impl_;
  AgentOptions& o = const_cast<AgentOptions&>(a.options);
  if (o.node_name.empty()) return Status::BadRequest("--node is required");
  if (o.kubeconfig.empty()) return Status::BadRequest("--kubeconfig is required");
  if (o.root_dir.empty()) return Status::BadRequest("--root-dir is required");
  if (o.node_ip.empty()) return Status::BadRequest("--node-ip is required");
  if (o.network != "vxlan" && o.network != "routed") {
    return Status::BadRequest("--network: want vxlan or routed, got " + o.network);
  }
  if (o.self_exe.empty()) {
    std::error_code ec;
    o.self_exe = fs::read_symlink("/proc/self/exe", ec).string();
  }
  if (o.cni_conf_dir.empty()) o.cni_conf_dir = o.root_dir + "/etc/cni/net.d";
  if (o.cni_bin_dirs.empty()) {
    o.cni_bin_dirs = {o.root_dir + "/opt/cni/bin", fs::path(o.self_exe).parent_path().string(), "/usr/lib/cni"};
  }
  a.pods_dir = o.root_dir + "/pods";
  std::error_code ec;
  for (const std::string& d : {a.pods_dir, o.cni_conf_dir, o.root_dir + "/opt/cni/bin", o.root_dir + "/var/lib/cni"}) {
    fs::create_directories(d, ec);
    if (ec) return Status::Internal("create " + d + ": " + ec.message());
  }
  if (Status st = WriteSubnetEnv(o); !st.ok()) return st;
  a.facts = ReadNodeFacts(o.root_dir);
  a.catalog = std::make_unique<images::Catalog>(images::Catalog::Builtin());
  if (!o.images_file.empty()) {
    if (Status st = a.catalog->Merge(o.images_file); !st.ok()) return st;
  }

  auto c = client::HttpClient::FromKubeconfig(o.kubeconfig);
  if (!c.ok()) return c.status();
  a.client = std::move(*c);
  a.events = std::make_unique<client::EventRecorder>(*a.client, "kubelet");

  // The API server may still be starting: retry registration for a while.
  Status reg;
  for (int i = 0; i < 300; ++i) {
    reg = a.RegisterNode();
    if (reg.ok() || reg.reason() == Reason::kInvalid || reg.reason() == Reason::kBadRequest) break;
    if (i % 20 == 0) LOG_INFO << "waiting for the API server: " << reg.message();
    usleep(100 * 1000);
  }
  if (!reg.ok()) return Status(reg.reason(), "register node " + o.node_name + ": " + reg.message());
  a.RefreshNetwork();
  a.UpdateNodeStatus(true);
  a.RenewLease();

  a.sandboxes = std::make_unique<Sandboxes>(a.pods_dir, o.node_name, cni::Invoker(o.cni_bin_dirs));
  a.containers = std::make_unique<Containers>(a.pods_dir, o.self_exe,
                                              [&a](const std::string& uid, const std::string&) { a.queue.Add(uid); });
  a.prober = std::make_unique<Prober>([&a](const std::string& uid, const std::string& name, ProbeType type,
                                           bool result, bool changed, const std::string& message) {
    a.OnProbeResult(uid, name, type, result, changed, message);
  });
  std::vector<std::string> recovered = a.containers->Recover();
  for (const auto& entry : fs::directory_iterator(a.pods_dir, ec)) {
    if (entry.is_directory()) recovered.push_back(entry.path().filename());
  }

  client::InformerOptions io;
  io.field_selector = "spec.nodeName=" + o.node_name;
  io.resync = std::chrono::seconds(15);  // the safety net; exits, probes and the network re-queue pods themselves
  a.pod_informer = std::make_unique<client::Informer>(*a.client, client::KindOf("", "Pod"), io);
  a.pod_informer->AddHandler({
      .on_add = [&a](const client::ObjectPtr& p) {
        std::string uid = client::UidOf(*p);
        {
          std::lock_guard<std::mutex> lock(a.mu);
          a.pods[uid] = p;
        }
        a.queue.Add(uid);
      },
      .on_update = [&a](const client::ObjectPtr&, const client::ObjectPtr& p) {
        std::string uid = client::UidOf(*p);
        {
          std::lock_guard<std::mutex> lock(a.mu);
          a.pods[uid] = p;
        }
        a.queue.Add(uid);
      },
      .on_delete = [&a](const client::ObjectPtr& p) {
        std::string uid = client::UidOf(*p);
        {
          std::lock_guard<std::mutex> lock(a.mu);
          a.pods[uid] = nullptr;
        }
        a.queue.Add(uid);
      },
  });
  a.pod_informer->Start();
  a.pod_informer->WaitForSync(std::chrono::seconds(30));
  for (const std::string& uid : recovered) {
    {
      std::lock_guard<std::mutex> lock(a.mu);
      a.pods.emplace(uid, nullptr);  // unknown to the API unless the informer had it
    }
    a.queue.Add(uid);
  }
  for (int i = 0; i < kWorkers; ++i) a.workers.emplace_back([&a] { a.Worker(); });
  // The Node informer (StartNodeNetwork) exists before the heartbeat reads it.
  if (Status st = a.StartNodeNetwork(); !st.ok()) return st;
  if (Status st = a.StartServiceProxy(); !st.ok()) return Status(st.reason(), "service proxy: " + st.message());
  a.heartbeat = std::thread([&a] { a.HeartbeatLoop(); });
  if (Status st = a.StartNodeApi(); !st.ok()) return Status(st.reason(), "node API: " + st.message());
  LOG_INFO << "agent for node " << o.node_name << " running (" << recovered.size() << " pod records recovered)";
  return Status::OK();
}

void Agent::Stop() {
  Impl& a = *impl_;
  if (a.stop.exchange(true)) return;
  a.stop_cv.notify_all();
  a.queue.ShutDown();
  a.nodes_cv.notify_all();
  if (a.node_api) a.node_api->Stop();
  a.StopServiceProxy();
  if (a.pod_informer) a.pod_informer->Stop();
  if (a.node_informer) a.node_informer->Stop();
  if (a.node_network.joinable()) a.node_network.join();
  for (std::thread& t : a.workers) t.join();
  if (a.heartbeat.joinable()) a.heartbeat.join();
}

}  // namespace netkube::node
