// The Pod printer: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE
// READINESS GATES, with kubectl's status reason logic (init containers,
// restartable "sidecar" init containers, waiting/terminated reasons,
// Completed-but-running, Terminating, SchedulingGated).
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "api/printers_docs.h"
#include "api/printers_internal.h"

namespace netkube::api::printers {
namespace {

bool ConditionTrue(const json& pod, const char* type) {
  for (const auto& c : Array(pod, {"status", "conditions"})) {
    if (Str(c, {"type"}) == type && Str(c, {"status"}) == "True") return true;
  }
  return false;
}

// Tracks the latest lastState.terminated.finishedAt seen.
struct LastRestart {
  std::optional<std::time_t> at;
  void See(const json& status) {
    const json* term = Find(status, {"lastState", "terminated"});
    if (!term || !term->is_object()) return;
    auto t = ParseTime(Find(*term, {"finishedAt"}));
    if (t && (!at || *t > *at)) at = t;
  }
};

// "Signal:N" / "ExitCode:N" for a terminated state without a reason.
std::string ExitReason(const json& terminated) {
  long long signal = Int(terminated, {"signal"});
  if (signal != 0) return "Signal:" + std::to_string(signal);
  return "ExitCode:" + std::to_string(Int(terminated, {"exitCode"}));
}

bool IsObject(const json* v) { return v && v->is_object(); }

}  // namespace

std::vector<Column> PodColumns() {
  return {
      NameColumn(),
      StringColumn("Ready", "The aggregate readiness state of this pod for accepting traffic."),
      StringColumn("Status", "The aggregate status of the containers in this pod."),
      StringColumn("Restarts",
                   "The number of times the containers in this pod have been restarted and when "
                   "the last container in this pod has restarted."),
      AgeColumn(),
      StringColumn("IP", kDocPodStatusPodIP, 1),
      StringColumn("Node", kDocPodSpecNodeName, 1),
      StringColumn("Nominated Node", kDocPodStatusNominatedNodeName, 1),
      StringColumn("Readiness Gates", kDocPodSpecReadinessGates, 1),
  };
}

json PodCells(const json& pod, std::time_t now) {
  const json& init_specs = Array(pod, {"spec", "initContainers"});
  long long total = static_cast<long long>(Array(pod, {"spec", "containers"}).size());
  long long ready = 0;
  long long restarts = 0;
  long long sidecar_restarts = 0;
  LastRestart last_restart, last_sidecar_restart;

  std::string phase = Str(pod, {"status", "phase"});
  std::string reason = phase;
  if (std::string r = Str(pod, {"status", "reason"}); !r.empty()) reason = r;
  for (const auto& c : Array(pod, {"status", "conditions"})) {
    if (Str(c, {"type"}) == "PodScheduled" && Str(c, {"reason"}) == "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }

  // Restartable init containers (restartPolicy: Always) are sidecars: they
  // count as containers of the pod.
  std::unordered_map<std::string, bool> sidecar;
  for (const auto& c : init_specs) {
    bool always = Str(c, {"restartPolicy"}) == "Always";
    sidecar[Str(c, {"name"})] = always;
    if (always) ++total;
  }

  bool initializing = false;
  const json& init_statuses = Array(pod, {"status", "initContainerStatuses"});
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const json& st = init_statuses[i];
    long long rc = Int(st, {"restartCount"});
    restarts += rc;
    last_restart.See(st);
    bool is_sidecar = sidecar[Str(st, {"name"})];
    if (is_sidecar) {
      sidecar_restarts += rc;
      last_sidecar_restart.See(st);
    }
    const json* term = Find(st, {"state", "terminated"});
    const json* waiting = Find(st, {"state", "waiting"});
    const json* started = Find(st, {"started"});
    if (IsObject(term) && Int(*term, {"exitCode"}) == 0) continue;
    if (is_sidecar && started && started->is_boolean() && started->get<bool>()) {
      const json* r = Find(st, {"ready"});
      if (r && r->is_boolean() && r->get<bool>()) ++ready;
      continue;
    }
    if (IsObject(term)) {
      std::string tr = Str(*term, {"reason"});
      reason = tr.empty() ? "Init:" + ExitReason(*term) : "Init:" + tr;
    } else if (IsObject(waiting) && !Str(*waiting, {"reason"}).empty() &&
               Str(*waiting, {"reason"}) != "PodInitializing") {
      reason = "Init:" + Str(*waiting, {"reason"});
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_specs.size());
    }
    initializing = true;
    break;
  }

  if (!initializing || ConditionTrue(pod, "Initialized")) {
    restarts = sidecar_restarts;
    last_restart = last_sidecar_restart;
    bool has_running = false;
    const json& statuses = Array(pod, {"status", "containerStatuses"});
    for (size_t n = statuses.size(); n > 0; --n) {
      const json& st = statuses[n - 1];
      restarts += Int(st, {"restartCount"});
      last_restart.See(st);
      const json* waiting = Find(st, {"state", "waiting"});
      const json* term = Find(st, {"state", "terminated"});
      const json* running = Find(st, {"state", "running"});
      const json* r = Find(st, {"ready"});
      bool is_ready = r && r->is_boolean() && r->get<bool>();
      if (IsObject(waiting) && !Str(*waiting, {"reason"}).empty()) {
        reason = Str(*waiting, {"reason"});
      } else if (IsObject(term) && !Str(*term, {"reason"}).empty()) {
        reason = Str(*term, {"reason"});
      } else if (IsObject(term)) {
        reason = ExitReason(*term);
      } else if (is_ready && IsObject(running)) {
        has_running = true;
        ++ready;
      }
    }
    // A pod whose last container completed while another still runs.
    if (reason == "Completed" && has_running) {
      reason = ConditionTrue(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  bool deleting = Find(pod, {"metadata", "deletionTimestamp"}) &&
                  !Find(pod, {"metadata", "deletionTimestamp"})->is_null();
  if (deleting && Str(pod, {"status", "reason"}) == "NodeLost") {
    reason = "Unknown";
  } else if (deleting && phase != "Succeeded" && phase != "Failed") {
    reason = "Terminating";
  }

  std::string restarts_cell = std::to_string(restarts);
  if (restarts != 0 && last_restart.at) {
    restarts_cell += " (" + DurationSince(*last_restart.at, now) + " ago)";
  }

  std::string ip;
  const json& ips = Array(pod, {"status", "podIPs"});
  if (!ips.empty()) ip = Str(ips[0], {"ip"});
  if (ip.empty()) ip = Str(pod, {"status", "podIP"});
  std::string node = Str(pod, {"spec", "nodeName"});
  std::string nominated = Str(pod, {"status", "nominatedNodeName"});

  std::string gates = "<none>";
  const json& gate_specs = Array(pod, {"spec", "readinessGates"});
  if (!gate_specs.empty()) {
    int true_conditions = 0;
    for (const auto& g : gate_specs) {
      std::string type = Str(g, {"conditionType"});
      for (const auto& c : Array(pod, {"status", "conditions"})) {
        if (Str(c, {"type"}) == type) {
          if (Str(c, {"status"}) == "True") ++true_conditions;
          break;
        }
      }
    }
    gates = std::to_string(true_conditions) + "/" + std::to_string(gate_specs.size());
  }

  return json::array({Name(pod), std::to_string(ready) + "/" + std::to_string(total), reason,
                      restarts_cell, Age(pod, now), ip.empty() ? "<none>" : ip,
                      node.empty() ? "<none>" : node, nominated.empty() ? "<none>" : nominated,
                      gates});
}

}  // namespace netkube::api::printers
