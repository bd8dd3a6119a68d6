// Internal to the agent: the state its files share (agent.cc wires it,
// heartbeat.cc reports the node, pod_sync.cc reconciles pods,
// container_plan.cc turns a container of a pod into a ContainerSpec).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/workqueue.h"
#include "cni/types.h"
#include "node/agent.h"
#include "node/containers.h"
#include "node/lookups.h"
#include "node/node_object.h"
#include "node/pod_status.h"
#include "node/probes.h"
#include "node/sandbox.h"
#include "images/catalog.h"
#include "podspec/types.h"
#include "proxy/proxier.h"
#include "podspec/volumes.h"
#include "streaming/console.h"
#include "streaming/node_server.h"
#include "streaming/runtime.h"

namespace netkube::node {

struct Agent::Impl {
  explicit Impl(AgentOptions o) : options(std::move(o)) {}

  const AgentOptions options;
  std::string pods_dir;
  NodeFacts facts;
  std::unique_ptr<client::Client> client;
  std::unique_ptr<client::EventRecorder> events;
  std::unique_ptr<client::Informer> pod_informer;
  std::unique_ptr<client::Informer> node_informer;
  std::unique_ptr<Sandboxes> sandboxes;
  std::unique_ptr<Containers> containers;
  client::WorkQueue queue;  // pod uids
  std::vector<std::thread> workers;
  std::thread heartbeat;
  std::atomic<bool> stop{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;

  // Pods by uid as last seen from the API (nullptr once deleted from it).
  std::mutex mu;
  std::map<std::string, client::ObjectPtr> pods;
  std::map<std::string, Json> reported;              // uid -> last status written
  std::map<std::string, std::string> reported_rv;    // uid -> resourceVersion the patch was based on
  std::map<std::string, std::map<std::string, Waiting>> waiting;  // uid -> container -> why
  std::map<std::string, std::chrono::steady_clock::time_point> kill_deadline;  // uid -> SIGKILL time
  std::set<std::string> failed;                      // uids the agent declared Failed
  std::map<std::string, std::chrono::steady_clock::time_point> container_kill;  // uid/name -> SIGKILL time

  std::unique_ptr<Prober> prober;
  // Registers the probes of a container's run (or marks it started and ready
  // when it has none).
  void StartProbes(const Json& pod, const Json& container, const SandboxRecord& sb, int pid,
                   const std::vector<std::string>& env);
  std::set<std::string> probed;  // container IDs whose probes run

  // node_api.cc: logs, exec, attach, port-forward for the API server.
  Status StartNodeApi();
  std::unique_ptr<streaming::Runtime> runtime;
  std::unique_ptr<streaming::NodeServer> node_api;
  std::map<std::string, std::shared_ptr<streaming::Console>> consoles;  // uid/container (stdin or tty)
  void OnProbeResult(const std::string& uid, const std::string& container, ProbeType type, bool result,
                     bool changed, const std::string& message);
  // Stops one container: SIGTERM now, SIGKILL after the pod's grace period.
  void KillContainer(const Json& pod, const std::string& name, const std::string& why);
  // Marks the container stopping, runs its preStop hook (on its own thread)
  // and then sends SIGTERM; without a hook, SIGTERM at once.
  // `pod` may be null (gone from the API): no hook then.
  void StopContainer(const std::string& uid, const Json& pod, const std::string& name, int pid);

  // The node's network plugin configuration (nullopt = NotReady).
  std::mutex net_mu;
  std::optional<cni::NetworkConfigList> network;

  // heartbeat.cc
  Status RegisterNode();
  void HeartbeatLoop();
  bool RefreshNetwork();  // returns true when readiness changed
  void RenewLease();
  void UpdateNodeStatus(bool force);
  Json last_node_status;
  std::chrono::steady_clock::time_point last_status_update;

  // pod_sync.cc
  void Worker();
  Status SyncPod(const std::string& uid);
  Status TerminatePod(const std::string& uid, const client::ObjectPtr& pod);
  Status StartContainer(const Json& pod, const Json& container, const SandboxRecord& sandbox, bool init);
  void ReportStatus(const std::string& uid, const Json& pod, const PodRuntimeView& view);
  std::optional<cni::NetworkConfigList> Network();

  // container_plan.cc: the ContainerSpec of `container`, or the Waiting
  // reason why it cannot start (ErrImagePull, CreateContainerConfigError).
  StatusOr<ContainerSpec> PlanContainer(const Json& pod, const Json& container, const SandboxRecord& sandbox,
                                        Waiting* why);
  Status WritePodFiles(const Json& pod, const SandboxRecord& sandbox);
  Status SetUpVolumes(const Json& pod, const std::vector<podspec::VolumePlan>& volumes);
  // The pod's volumes, planned and set up once per pod (as kubelet mounts
  // them before any container starts), then shared by its containers and
  // their restarts; RefreshVolumes keeps the payloads current.
  StatusOr<std::vector<podspec::VolumePlan>> PodVolumes(const Json& pod, const podspec::Lookups& lookups);
  std::map<std::string, std::vector<podspec::VolumePlan>> pod_volumes;  // uid -> volumes (no payloads)
  void TearDownVolumes(const std::string& uid);
  // Rewrites the configMap/secret/downwardAPI/projected volumes of a running
  // pod at most every kVolumeRefresh, so changed objects reach the pod's
  // files (atomically, through ..data) without a restart.
  void RefreshVolumes(const Json& pod);
  std::map<std::string, std::chrono::steady_clock::time_point> volumes_refreshed;  // uid -> last time
  TokenCache tokens;
  podspec::NodeFacts PodspecNode() const;
  std::unique_ptr<images::Catalog> catalog;

  bool SleepFor(std::chrono::milliseconds d);

  // node_network.cc: the overlay (vxlan or routed) following the Nodes.
  Status StartNodeNetwork();
  std::thread node_network;
  std::mutex nodes_mu;
  std::condition_variable nodes_cv;
  bool nodes_dirty = false;

  // service_proxy.cc: the node's service proxy, its /metrics and /healthz,
  // and the healthCheckNodePort servers it asks for.
  Status StartServiceProxy();
  void StopServiceProxy();
  void ServeHealthChecks(const std::map<int32_t, proxy::HealthCheck>& checks);
  std::shared_ptr<proxy::Proxier> proxier;
  std::mutex health_mu;
  std::map<int32_t, int> health_fds;  // healthCheckNodePort -> listening socket
  std::vector<int> proxy_fds;         // /metrics and /healthz sockets
};

}  // namespace netkube::node
