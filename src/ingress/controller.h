// Controller: the API side of `netkube ingress`. An API client like any
// other component: it lists and watches Ingresses, IngressClasses, Services,
// EndpointSlices and Secrets (every namespace, or --watch-namespace) and its
// ConfigMap, and keeps the proxy's route table equal to Compile(snapshot).
//
// Data flow:
//   informer threads ── handler: JSON → *Info (convert.h), into `pending_` ──┐
//   reconcile thread ◄──────────── wakes on the first change ───────────────┘
//     waits `debounce` (2 ms) so a burst coalesces, applies pending changes to
//     its Snapshot, Compile → live ConfigMap defaults → generation →
//     set_routes(table); hands Events and the served set to the writer.
//   writer thread: records Events (EventRecorder) and, on the leader only,
//     writes Ingress status; API latency never delays a route change.
//   leader elector thread (leader_election.h): only with update_status.
//
// The snapshot is kept incrementally (each event converts one object) rather
// than rebuilt from the listers on every change, so the cost of a change
// follows its size; Compile itself runs on the whole snapshot. The informer
// caches keep only what the controller reads (managedFields, the
// last-applied annotation, Secret data other than tls.crt/tls.key, endpoint
// topology and the status of Services other than the published one are
// dropped by the informers' transform).
//
// No table is published before every informer has listed once, so the first
// table (which makes /healthz answer 200 and the pod Ready) is complete.
//
// Events (component "nginx-ingress-controller", on the Ingress):
//   - each CompileResult event once per (ingress uid, type, reason, message)
//     while compile keeps reporting it; again when it comes back later;
//   - Normal "Sync" "Scheduled for sync" when an Ingress we serve is added or
//     its spec or annotations change (as ingress-nginx; disable_sync_events);
//   - Warning "InvalidCertificate" on every Ingress whose tls names a Secret
//     the proxy could not use (OnCertificateError).
// Ingresses that are not ours (compile.h's IsOurs) get no Event.
//
// Status (leader only; see controller_status.h for the addresses): every
// served Ingress gets status.loadBalancer.ingress = the published addresses,
// patched only when different. An Ingress that is ours but not served
// (refused) has its status cleared, only while it shows exactly our
// addresses. An Ingress of another class is never written, even one we
// published before it moved there: its new controller owns its status.
// Failed writes are retried a second later; every 60 s the leader checks
// every Ingress again, as ingress-nginx's status sync does.
//
// Thread-safety: Start/Stop from one thread; OnCertificateError, IsLeader,
// generation from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
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
#include "ingress/compile.h"
#include "ingress/controller_configmap.h"
#include "ingress/leader_election.h"
#include "ingress/route_table.h"

namespace netkube::ingress {

struct ControllerOptions {
  ControllerConfig config;      // classes, default backend, default certificate
  std::string watch_namespace;  // --watch-namespace; "" = all
  std::string configmap;        // --configmap "ns/name"; "" = none
  // The ConfigMap as read at start; its start-only keys are in the proxy
  // already, so later edits of those are only logged.
  ConfigMapSettings settings;

  bool update_status = true;           // --update-status
  std::string publish_service;         // --publish-service "ns/name"
  std::string publish_status_address;  // --publish-status-address
  std::string pod_name, pod_namespace; // $POD_NAME, $POD_NAMESPACE
  // Leader election (the Lease is in pod_namespace, else the publish
  // Service's namespace, else "default"; the identity is pod_name, else
  // HOSTNAME_PID).
  std::string election_id = "ingress-nginx-leader";
  std::chrono::seconds election_ttl{30};
  std::chrono::milliseconds election_retry{10000};

  bool disable_sync_events = false;  // --disable-sync-events
  std::chrono::milliseconds debounce{2};
  std::string component = "nginx-ingress-controller";  // Events' source
};

class Controller {
 public:
  using SetRoutesFn = std::function<void(std::shared_ptr<const RouteTable>)>;

  // `client` must outlive the controller. `set_routes` publishes a table
  // (Proxy::SetRoutes); it runs on the reconcile thread.
  Controller(client::Client& client, SetRoutesFn set_routes, ControllerOptions options);
  ~Controller();  // Stop()
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void Start();
  // Stops every thread (releasing the Lease when held) and waits for them.
  void Stop();

  // The proxy could not use Secret `secret` ("ns/name"): Warning Events on
  // the Ingresses whose tls names it (Proxy::on_certificate_error).
  void OnCertificateError(const std::string& secret, const std::string& error);

  bool IsLeader() const { return elector_ != nullptr && elector_->IsLeader(); }
  // The generation of the last published table (0 = none yet).
  uint64_t generation() const { return generation_.load(); }
  // Waits until a table of at least `generation` was published.
  bool WaitForGeneration(uint64_t generation, std::chrono::milliseconds timeout) const;

 private:
  // Converted objects not yet applied to the snapshot; nullopt = deleted.
  struct Pending {
    std::map<std::string, std::optional<IngressInfo>> ingresses;
    std::map<std::string, std::optional<IngressClassInfo>> classes;
    std::map<std::string, std::optional<ServiceInfo>> services;
    std::map<std::string, std::optional<EndpointSliceInfo>> slices;
    std::map<std::string, std::optional<SecretInfo>> secrets;
    std::optional<ConfigMapSettings> settings;
    std::set<std::string> synced_ingresses;  // keys whose spec/annotations changed (Sync events)
  };
  struct QueuedEvent {
    std::string ns, name, type, reason, message;
  };
  struct StatusWork {
    // "ns/name" of the Ingresses compile served, and of those that are ours
    // but refused (their status is cleared).
    std::shared_ptr<const std::set<std::string>> served, ours;
  };

  void AddInformers();
  client::Informer& AddInformer(const api::Kind& kind, client::InformerOptions options,
                                std::function<void(const client::ObjectPtr& old_obj, const client::ObjectPtr& obj)> on_change);
  // Marks the state dirty and wakes the reconcile thread. REQUIRES: mu_ held.
  void MarkDirtyLocked();
  bool AllSynced() const;

  void ReconcileLoop();
  void ApplyPending(Pending pending);
  void Reconcile(const std::set<std::string>& synced_ingresses);
  void RecordCertificateErrors();

  void WriterLoop();
  void WriteEvents(std::deque<QueuedEvent> events);
  // Returns false when a write failed (retried later).
  bool WriteStatus(const StatusWork& work);
  std::string HostIp();
  void WakeWriter();

  client::Client& client_;
  const SetRoutesFn set_routes_;
  const ControllerOptions options_;
  client::EventRecorder recorder_;

  std::vector<std::unique_ptr<client::Informer>> informers_;
  client::Informer* ingress_informer_ = nullptr;
  client::Informer* service_informer_ = nullptr;
  std::unique_ptr<LeaderElector> elector_;

  // Handlers → reconcile thread.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                                  // guarded by mu_
  bool dirty_ = false;                                 // guarded by mu_
  std::chrono::steady_clock::time_point first_dirty_;  // guarded by mu_
  Pending pending_;                                    // guarded by mu_
  std::vector<std::pair<std::string, std::string>> cert_errors_;  // guarded by mu_
  std::set<std::string> cert_reported_;  // "uid|secret|error" with an Event out; reconcile thread only
  std::thread reconcile_thread_;

  // Reconcile thread only.
  Snapshot snapshot_;
  ConfigMapSettings live_settings_;
  std::set<std::string> reported_;  // uid|type|reason|message of the last compile's events
  std::atomic<uint64_t> generation_{0};
  mutable std::mutex generation_mu_;
  mutable std::condition_variable generation_cv_;

  // Reconcile thread and handlers → writer thread.
  std::mutex writer_mu_;
  std::condition_variable writer_cv_;
  bool writer_stop_ = false;          // guarded by writer_mu_
  bool status_dirty_ = false;         // guarded by writer_mu_
  std::deque<QueuedEvent> events_;    // guarded by writer_mu_
  StatusWork status_work_;            // guarded by writer_mu_
  std::thread writer_thread_;

  // Writer thread only.
  std::string host_ip_;  // status.hostIP of our pod, once known
  // Status patches whose result the Ingress cache has not shown yet, by
  // "ns/name": the resourceVersion the patch was based on and the addresses
  // written. A pass skips an Ingress still at that version, so a stale cache
  // does not make the same write twice.
  struct Written {
    std::string resource_version;
    client::Json addresses;
  };
  std::map<std::string, Written> written_;
};

}  // namespace netkube::ingress
