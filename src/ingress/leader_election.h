// LeaderElector: one writer among the replicas of the ingress controller, as
// client-go's leaderelection with a coordination.k8s.io/v1 Lease (the lock
// ingress-nginx uses, named by --election-id, in the pod's namespace).
//
// Every `retry_period` the elector reads the Lease and
//   - creates it when it does not exist (holderIdentity = identity,
//     leaseDurationSeconds, acquireTime = renewTime = now, leaseTransitions 0);
//   - renews it when we hold it (renewTime = now);
//   - takes it over when its holder is empty or its renewTime +
//     leaseDurationSeconds is in the past (acquireTime = now,
//     leaseTransitions + 1);
//   - otherwise stays a follower.
// Every write is an Update carrying the resourceVersion that was read, so of
// two candidates racing for an expired Lease exactly one wins (the other gets
// Conflict and stays a follower).
//
// Expiry is judged from the Lease's own renewTime against this machine's wall
// clock, not from when we first saw the record (client-go's choice, which
// guards against clock skew between machines at the cost of waiting a whole
// lease duration after every restart). netkube's replicas share one clock, so
// a restarted controller takes over a dead holder's Lease at once.
//
// A leader that cannot renew (API errors) steps down once `renew_deadline`
// has passed since its last successful renewal, before the Lease can expire
// for the others. Stop() releases a held Lease (holderIdentity "" and
// leaseDurationSeconds 1, as client-go's ReleaseOnCancel), so the next replica
// takes over without waiting for the expiry.
//
// Thread-safety: IsLeader from any thread. Start/Stop from one thread.
// TryAcquireOrRenew is what the thread runs; tests call it directly instead
// of Start (never both).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/meta.h"

namespace netkube::ingress {

struct LeaderElectionOptions {
  std::string ns;        // the Lease's namespace (the pod's)
  std::string name;      // --election-id; default "ingress-nginx-leader"
  std::string identity;  // holderIdentity: the pod name
  std::chrono::seconds lease_duration{30};        // leaseDurationSeconds (ingress-nginx: 30 s)
  std::chrono::milliseconds renew_deadline{15000};  // a leader failing to renew this long steps down
  std::chrono::milliseconds retry_period{10000};    // how often to renew, or to try to acquire
  // Called on the elector's thread when leadership is gained or lost. Must be
  // quick (set a flag, wake a thread).
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
};

class LeaderElector {
 public:
  // `client` must outlive the elector.
  LeaderElector(client::Client& client, LeaderElectionOptions options);
  ~LeaderElector();  // Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts the thread; the first attempt is immediate.
  void Start();
  // Stops the thread and releases the Lease when held.
  void Stop();

  bool IsLeader() const { return leader_.load(); }

  // One round at `now` (wall clock): read, then create, renew or take over.
  // Returns whether we are the leader afterwards; runs the callbacks on a
  // change.
  bool TryAcquireOrRenew(client::TimePoint now);
  // Gives up a held Lease (see above). No-op when not the leader.
  void Release(client::TimePoint now);

 private:
  void Run();
  void SetLeader(bool leader);

  client::Client& client_;
  const LeaderElectionOptions options_;
  std::atomic<bool> leader_{false};
  // Wall-clock time of the last successful create/renew (elector thread only).
  client::TimePoint last_renew_{};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// RFC 3339 with microseconds, as metav1.MicroTime: "2024-05-01T10:00:00.123456Z".
std::string FormatMicroTime(client::TimePoint t);

}  // namespace netkube::ingress
