// Probes: readiness, liveness and startup probes of running containers, as
// kubelet runs them (httpGet, tcpSocket, exec; initialDelaySeconds,
// periodSeconds, timeoutSeconds, successThreshold, failureThreshold).
//
// ParseProbe and the Tracker are pure; Prober runs probes on its own thread
// and reports transitions through callbacks.
//
// Thread-safety: Prober is safe for concurrent use; callbacks run on the
// prober's thread and must be quick.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <condition_variable>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace netkube::node {

using Json = nlohmann::json;

enum class ProbeType { kReadiness, kLiveness, kStartup };
const char* ProbeTypeName(ProbeType t);  // "Readiness", "Liveness", "Startup"

struct ProbeSpec {
  enum Kind { kHttpGet, kTcpSocket, kExec } kind = kTcpSocket;
  std::string host;  // "" = the pod IP
  int port = 0;
  std::string path = "/";
  std::string scheme = "HTTP";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> command;
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
};

// Parses container[readinessProbe|livenessProbe|startupProbe]; nullopt when
// absent. Named ports are resolved against the container's ports; an unknown
// name is an error (kubelet reports it as a probe failure).
StatusOr<std::optional<ProbeSpec>> ParseProbe(const Json& container, ProbeType type);

// Consecutive-result bookkeeping of one probe. The result is unknown until
// successThreshold successes or failureThreshold failures in a row.
class Tracker {
 public:
  explicit Tracker(const ProbeSpec& spec) : spec_(spec) {}
  // Records one result; returns true when the probe's result changes
  // (including from unknown).
  bool Record(bool success);
  std::optional<bool> result() const { return result_; }

 private:
  ProbeSpec spec_;
  std::optional<bool> result_;
  int successes_ = 0, failures_ = 0;
};

// What running a probe needs to know of its container.
struct ProbeTarget {
  std::string pod_ip;
  int pid = 0;  // for exec probes: the container's main process
  std::vector<std::string> env;
};

// Runs one probe; OK on success, else the failure text kubelet would put in
// the Unhealthy event ("Get \"http://10.244.1.5:80/\": dial tcp ...: connect: connection refused").
Status RunProbe(const ProbeSpec& spec, const ProbeTarget& target);

// Runs a lifecycle hook (preStop or postStart): exec, httpGet or sleep,
// within `timeout_seconds`. `pod_ip` and `pid` as for probes.
Status RunPreStop(const Json& hook, const std::string& pod_ip, int pid, int64_t timeout_seconds);

class Prober {
 public:
  // Called after every failed attempt (changed false unless the failure
  // flipped the result) and when the result changes.
  using OnResult = std::function<void(const std::string& uid, const std::string& container, ProbeType type,
                                      bool result, bool changed, const std::string& message)>;
  explicit Prober(OnResult on_result);
  ~Prober();

  // Starts probing one run of a container (replaces probes of earlier runs).
  // The first attempt runs at once (after initialDelaySeconds). A readiness
  // probe that has not succeeded yet in this run is retried after 100 ms
  // (its first 20 failures: a server that starts in well under a second is
  // Ready then, not a second later), then every second (or its period, when
  // shorter) rather than a whole period later, as
  // kubelet re-triggers readiness probes of not-ready containers on each pod
  // sync: a server that is still starting becomes Ready as soon as it serves.
  void Add(const std::string& uid, const std::string& container, ProbeType type, const ProbeSpec& spec,
           const ProbeTarget& target);
  // Stops probing a container (all types), or a whole pod (container "").
  void Remove(const std::string& uid, const std::string& container);

 private:
  struct Worker {
    std::string uid, container;
    ProbeType type;
    ProbeSpec spec;
    ProbeTarget target;
    Tracker tracker;
    std::chrono::steady_clock::time_point due;
    bool gated;  // readiness/liveness wait for the startup probe
    bool succeeded = false;  // any success in this run
    int early_failures = 0;  // readiness failures before the first success
  };
  void Run();

  OnResult on_result_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Worker> workers_;  // uid/container/type
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace netkube::node
