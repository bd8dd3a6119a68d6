// Pod reconciliation: make the machine match one pod (SyncPod), or take it
// down (TerminatePod), then report its status.
#include <signal.h>

#include <algorithm>
#include <filesystem>

#include "client/meta.h"
#include "node/agent_impl.h"
#include "node/hostports.h"
#include "podspec/pod_files.h"
#include "util/log.h"

namespace netkube::node {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const api::Kind& PodKind() { return client::KindOf("", "Pod"); }

// kubelet's restart back-off after `restarts` restarts: the first restart is
// immediate, then 10 s doubling up to 5 minutes.
std::chrono::seconds Backoff(int restarts) {
  if (restarts <= 0) return std::chrono::seconds(0);
  int64_t s = 10;
  for (int i = 1; i < restarts && s < 300; ++i) s *= 2;
  return std::chrono::seconds(std::min<int64_t>(s, 300));
}

bool ShouldRestart(const std::string& policy, const Terminated& t) {
  if (policy == "Always") return true;
  if (policy == "OnFailure") return t.exit_code != 0;
  return false;
}

std::string PodDesc(const Json& pod) {
  return client::NameOf(pod) + "_" + client::NamespaceOf(pod) + "(" + client::UidOf(pod) + ")";
}

int64_t GraceSeconds(const Json& pod) {
  int64_t g = client::GetInt(pod, {"metadata", "deletionGracePeriodSeconds"}, -1);
  if (g < 0) g = client::GetInt(pod, {"spec", "terminationGracePeriodSeconds"}, 30);
  return g;
}

}  // namespace

void Agent::Impl::Worker() {
  std::string uid;
  while (queue.Get(&uid)) {
    Status st = SyncPod(uid);
    if (!st.ok()) {
      LOG_WARN << "sync pod " << uid << ": " << st.message();
      queue.AddRateLimited(uid);
    } else {
      queue.Forget(uid);
    }
    queue.Done(uid);
  }
}

Status Agent::Impl::SyncPod(const std::string& uid) {
  client::ObjectPtr pod;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = pods.find(uid);
    if (it == pods.end()) return Status::OK();
    pod = it->second;
  }
  if (pod == nullptr || client::IsBeingDeleted(*pod)) return TerminatePod(uid, pod);
  const Json& p = *pod;
  std::string phase = client::GetString(p, {"status", "phase"});
  auto records = containers->Get(uid);
  bool any_running = std::any_of(records.begin(), records.end(), [](const auto& r) { return r.second.running(); });
  if ((phase == "Succeeded" || phase == "Failed") && !any_running) {
    // Terminal: nothing runs any more; give the pod's address back.
    if (auto sb = sandboxes->Load(uid); sb.ok() && !sb->netns_path.empty()) {
      auto net = Network();
      sandboxes->Destroy(*sb, net ? &*net : nullptr);
    }
    return Status::OK();
  }

  bool host_network = client::Find(p, {"spec", "hostNetwork"}) != nullptr && p["spec"]["hostNetwork"].is_boolean() &&
                      p["spec"]["hostNetwork"].get<bool>();
  PodRuntimeView view;
  view.host_ip = options.node_ip;
  std::map<std::string, Waiting> why;

  auto sandbox = sandboxes->Load(uid);
  if (!sandbox.ok()) {
    std::string created;
    if (const Json* st = client::Find(p, {"status", "startTime"}); st != nullptr && st->is_string()) {
      created = st->get<std::string>();
    }
    if (created.empty()) created = client::FormatTime(client::Now());
    auto net = Network();
    if (!host_network && !net) {
      // kubelet: pods wait for the network plugin; hostNetwork pods do not.
      view.start_time = created;
      for (const Json& c : PodContainers(p, "initContainers")) why[c.value("name", "")] = {"PodInitializing", ""};
      for (const Json& c : PodContainers(p, "containers")) why[c.value("name", "")] = {"ContainerCreating", ""};
      view.waiting = why;
      ReportStatus(uid, p, view);
      events->Warning(p, "NetworkNotReady", "network is not ready: " + NetworkNotReadyMessage());
      return Status::OK();  // the heartbeat re-queues every pod when the network turns ready
    }
    auto hostname = podspec::KernelHostname(p, options.cluster_domain);
    if (!hostname.ok()) return hostname.status();
    sandbox = sandboxes->Create(uid, client::NamespaceOf(p), client::NameOf(p), *hostname, host_network,
                                options.node_ip, net ? &*net : nullptr, created, PodPortMappings(p));
    if (!sandbox.ok()) {
      events->Warning(p, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + sandbox.status().message());
      return sandbox.status();
    }
    if (Status st = WritePodFiles(p, *sandbox); !st.ok()) return st;
  }
  view.sandbox_ready = true;
  view.pod_ip = sandbox->ip;
  view.start_time = sandbox->created;

  {
    // Containers stopped by a failed liveness/startup probe get SIGKILL once their grace ran out.
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = container_kill.lower_bound(uid + "/"); it != container_kill.end() && it->first.rfind(uid + "/", 0) == 0;) {
      std::string name = it->first.substr(uid.size() + 1);
      auto rec = records.find(name);
      if (rec == records.end() || !rec->second.running()) {
        it = container_kill.erase(it);
      } else {
        if (Clock::now() >= it->second) containers->Signal(uid, name, SIGKILL);
        ++it;
      }
    }
  }
  std::string policy = RestartPolicy(p);
  auto now_sys = client::Now();
  std::chrono::milliseconds requeue{0};
  bool failed_pod = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    failed_pod = failed.count(uid) > 0;
  }

  // Init containers run one at a time, in order, each to success.
  bool init_done = true;
  for (const Json& c : PodContainers(p, "initContainers")) {
    std::string name = c.value("name", "");
    auto it = records.find(name);
    if (it != records.end() && it->second.running()) {
      init_done = false;
      break;
    }
    if (it != records.end() && it->second.last && it->second.last->exit_code == 0) continue;
    init_done = false;
    if (it != records.end() && it->second.last) {
      if (policy == "Never") {
        failed_pod = true;
        break;
      }
      auto finished = client::ParseTime(it->second.last->finished_at).value_or(now_sys);
      auto wait = finished + Backoff(it->second.restart_count()) - now_sys;
      if (wait > std::chrono::seconds(0)) {
        auto secs = Backoff(it->second.restart_count()).count();
        why[name] = {"CrashLoopBackOff", "back-off " + std::to_string(secs) + "s restarting failed container=" + name +
                                             " pod=" + PodDesc(p)};
        requeue = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
        break;
      }
    }
    Status st = StartContainer(p, c, *sandbox, true);
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      why[name] = waiting[uid][name];
    }
    break;
  }
  if (failed_pod) {
    std::lock_guard<std::mutex> lock(mu);
    failed.insert(uid);
  }

  if (init_done && !failed_pod) {
    for (const Json& c : PodContainers(p, "containers")) {
      std::string name = c.value("name", "");
      auto it = records.find(name);
      if (it != records.end() && it->second.running()) {
        bool first;
        {
          std::lock_guard<std::mutex> lock(mu);
          first = probed.insert(it->second.container_id).second;
        }
        // A container re-adopted after an agent restart: probe it again.
        if (first) StartProbes(p, c, *sandbox, it->second.pid, ProcessEnviron(it->second.pid));
        continue;
      }
      if (it != records.end() && it->second.last) {
        if (!ShouldRestart(policy, *it->second.last)) continue;
        auto delay = Backoff(it->second.restart_count());
        auto finished = client::ParseTime(it->second.last->finished_at).value_or(now_sys);
        auto wait = finished + delay - now_sys;
        if (wait > std::chrono::seconds(0)) {
          why[name] = {"CrashLoopBackOff", "back-off " + std::to_string(delay.count()) +
                                               "s restarting failed container=" + name + " pod=" + PodDesc(p)};
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
          if (requeue.count() == 0 || ms < requeue) requeue = ms;
          events->Warning(p, "BackOff", "Back-off restarting failed container " + name + " in pod " + PodDesc(p));
          continue;
        }
      }
      if (Status st = StartContainer(p, c, *sandbox, false); !st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        why[name] = waiting[uid][name];
        if (requeue.count() == 0) requeue = std::chrono::seconds(5);
      }
    }
  }
  if (requeue.count() > 0) queue.AddAfter(uid, requeue + std::chrono::milliseconds(10));

  RefreshVolumes(p);
  view.containers = containers->Get(uid);
  view.waiting = why;
  view.terminal_failed = failed_pod;
  if (failed_pod) {
    // Stop what still runs of a failed pod.
    for (const auto& [name, r] : view.containers) {
      if (r.running()) containers->Signal(uid, name, SIGKILL);
    }
  }
  ReportStatus(uid, p, view);
  return Status::OK();
}

Status Agent::Impl::TerminatePod(const std::string& uid, const client::ObjectPtr& pod) {
  auto records = containers->Get(uid);
  auto now = Clock::now();
  bool running = false;
  for (const auto& [name, r] : records) {
    if (!r.running()) continue;
    running = true;
    if (!r.stopping) {
      if (pod) events->Normal(*pod, "Killing", "Stopping container " + name);
      StopContainer(uid, pod ? *pod : Json(), name, r.pid);
    }
  }
  if (running) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = kill_deadline.find(uid);
    if (it == kill_deadline.end()) {
      int64_t grace = pod ? GraceSeconds(*pod) : 0;
      it = kill_deadline.emplace(uid, now + std::chrono::seconds(grace)).first;
    }
    if (now >= it->second) {
      for (const auto& [name, r] : records) {
        if (r.running()) containers->Signal(uid, name, SIGKILL);
      }
    }
    queue.AddAfter(uid, std::chrono::milliseconds(200));
    return Status::OK();
  }
  // Nothing runs: take the sandbox down and forget the pod.
  prober->Remove(uid, "");
  if (auto sb = sandboxes->Load(uid); sb.ok()) {
    auto net = Network();
    if (Status st = sandboxes->Destroy(*sb, net ? &*net : nullptr); !st.ok()) return st;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [name, r] : records) probed.erase(r.container_id);
  }
  containers->Remove(uid);
  TearDownVolumes(uid);
  std::error_code ec;
  fs::remove_all(sandboxes->PodDir(uid), ec);
  if (pod) {
    // The final delete, as kubelet does once the pod's containers are gone.
    client::DeleteOptions del;
    del.grace_period_seconds = 0;
    del.precondition_uid = uid;
    auto r = client->Delete(PodKind(), client::NamespaceOf(*pod), client::NameOf(*pod), del);
    if (!r.ok() && r.status().reason() != Reason::kNotFound && r.status().reason() != Reason::kConflict) {
      return r.status();
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  if (!pod || pods[uid] == nullptr) pods.erase(uid);
  reported.erase(uid);
  reported_rv.erase(uid);
  volumes_refreshed.erase(uid);
  pod_volumes.erase(uid);
  tokens.ForgetPod(uid);
  waiting.erase(uid);
  for (auto it = consoles.lower_bound(uid + "/"); it != consoles.end() && it->first.rfind(uid + "/", 0) == 0;) {
    it = consoles.erase(it);
  }
  kill_deadline.erase(uid);
  failed.erase(uid);
  return Status::OK();
}

void Agent::Impl::StopContainer(const std::string& uid, const Json& pod, const std::string& name, int pid) {
  containers->SetStopping(uid, name);
  const Json* hook = nullptr;
  for (const char* field : {"containers", "initContainers"}) {
    for (const Json& c : PodContainers(pod, field)) {
      if (c.value("name", "") == name) hook = client::Find(c, {"lifecycle", "preStop"});
    }
  }
  if (hook == nullptr || !hook->is_object() || pod.is_null()) {
    containers->Signal(uid, name, SIGTERM);
    return;
  }
  // kubelet runs the preStop hook, then sends SIGTERM; the grace period
  // (and the SIGKILL at its end) counts from the start of the hook.
  Json h = *hook;
  std::string ip;
  if (auto sb = sandboxes->Load(uid); sb.ok()) ip = sb->ip;
  int64_t grace = GraceSeconds(pod);
  std::thread([this, uid, name, pid, h, ip, grace, pod] {
    Status st = RunPreStop(h, ip, pid, grace);
    if (!st.ok()) {
      events->Warning(pod, "FailedPreStopHook", "PreStopHook failed: " + st.message());
    }
    containers->Signal(uid, name, SIGTERM);
  }).detach();
}

void Agent::Impl::ReportStatus(const std::string& uid, const Json& pod, const PodRuntimeView& view) {
  Json status = ComputePodStatus(pod, view, client::FormatTime(client::Now()));
  // Compare with what the API holds (the informer's latest copy), not with
  // what this agent wrote last: others change pod status too (the node
  // lifecycle controller turns Ready false on an unreachable node).
  if (const Json* cur = client::Find(pod, {"status"}); cur != nullptr) {
    bool same = true;
    for (const auto& [k, v] : status.items()) {
      if (!cur->contains(k) || (*cur)[k] != v) {
        same = false;
        break;
      }
    }
    if (same) return;
  }
  {
    // The same patch again before the informer saw the last one: skip.
    std::lock_guard<std::mutex> lock(mu);
    auto it = reported.find(uid);
    if (it != reported.end() && it->second == status &&
        client::ResourceVersionOf(pod) == reported_rv[uid]) {
      return;
    }
  }
  Json patch = {{"metadata", {{"uid", uid}}}, {"status", status}};
  auto r = client->Patch(PodKind(), client::NamespaceOf(pod), client::NameOf(pod), client::PatchType::kMerge, patch,
                         "status");
  if (!r.ok()) {
    LOG_WARN << "update status of pod " << client::NamespaceOf(pod) << "/" << client::NameOf(pod) << ": "
             << r.status().message();
    return;
  }
  std::lock_guard<std::mutex> lock(mu);
  reported[uid] = status;
  reported_rv[uid] = client::ResourceVersionOf(pod);
}

}  // namespace netkube::node
