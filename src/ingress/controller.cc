#include "ingress/controller.h"

#include <unistd.h>

#include "client/meta.h"
#include "ingress/controller_status.h"
#include "ingress/convert.h"
#include "util/log.h"

namespace netkube::ingress {
namespace {

using client::Json;
using client::ObjectPtr;
using Clock = std::chrono::steady_clock;

// A failed status write is tried again this much later.
constexpr std::chrono::milliseconds kStatusRetry{1000};
// The leader also checks every Ingress's status this often, as ingress-nginx
// does (heals what an event could not trigger, e.g. a published Service
// outside --watch-namespace).
constexpr std::chrono::milliseconds kStatusResync{60000};
// While the informers have not all listed, the reconcile thread looks again this often.
constexpr std::chrono::milliseconds kSyncPoll{5};

const api::Kind& IngressKind() { return client::KindOf("networking.k8s.io", "Ingress"); }

// What no consumer reads, dropped before objects are cached.
void DropCommon(Json& obj) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return;
  m->erase("managedFields");
  if (auto a = m->find("annotations"); a != m->end() && a->is_object())
    a->erase("kubectl.kubernetes.io/last-applied-configuration");
}

void SlimSecret(Json& obj) {
  DropCommon(obj);
  auto d = obj.find("data");
  if (d == obj.end() || !d->is_object()) return;
  Json kept = Json::object();
  for (const char* key : {"tls.crt", "tls.key"})
    if (auto it = d->find(key); it != d->end()) kept[key] = std::move(*it);
  *d = std::move(kept);
}

void SlimEndpointSlice(Json& obj) {
  DropCommon(obj);
  auto eps = obj.find("endpoints");
  if (eps == obj.end() || !eps->is_array()) return;
  for (Json& e : *eps) {
    if (!e.is_object()) continue;
    for (const char* key : {"hints", "nodeName", "zone", "deprecatedTopology", "hostname"}) e.erase(key);
    if (auto ref = e.find("targetRef"); ref != e.end() && ref->is_object()) {
      Json slim = Json::object();
      for (const char* key : {"kind", "name"})
        if (auto it = ref->find(key); it != ref->end()) slim[key] = std::move(*it);
      *ref = std::move(slim);
    }
  }
}

// Whether two versions of an object differ in what compile reads of it
// (spec and annotations), rather than only in status or bookkeeping.
bool SameSpecAndAnnotations(const Json& a, const Json& b) {
  const Json* sa = client::Find(a, {"spec"});
  const Json* sb = client::Find(b, {"spec"});
  if ((sa == nullptr) != (sb == nullptr) || (sa != nullptr && *sa != *sb)) return false;
  const Json* aa = client::Find(a, {"metadata", "annotations"});
  const Json* ab = client::Find(b, {"metadata", "annotations"});
  if ((aa == nullptr) != (ab == nullptr)) return false;
  return aa == nullptr || *aa == *ab;
}

template <typename Info>
void ApplyChanges(std::map<std::string, std::optional<Info>>& changes, std::map<std::string, Info>& into) {
  for (auto& [key, info] : changes) {
    if (info) into.insert_or_assign(key, std::move(*info));
    else into.erase(key);
  }
}

std::string LeaseNamespace(const ControllerOptions& o) {
  if (!o.pod_namespace.empty()) return o.pod_namespace;
  if (auto slash = o.publish_service.find('/'); slash != std::string::npos) return o.publish_service.substr(0, slash);
  return "default";
}

std::string Identity(const ControllerOptions& o) {
  if (!o.pod_name.empty()) return o.pod_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "_" + std::to_string(getpid());
}

}  // namespace

Controller::Controller(client::Client& client, SetRoutesFn set_routes, ControllerOptions options)
    : client_(client),
      set_routes_(std::move(set_routes)),
      options_(std::move(options)),
      recorder_(client, options_.component),
      live_settings_(options_.settings) {
  AddInformers();
  if (options_.update_status) {
    LeaderElectionOptions le;
    le.ns = LeaseNamespace(options_);
    le.name = options_.election_id;
    le.identity = Identity(options_);
    le.lease_duration = options_.election_ttl;
    le.renew_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(options_.election_ttl) / 2;
    le.retry_period = options_.election_retry;
    le.on_started_leading = [this] { WakeWriter(); };
    elector_ = std::make_unique<LeaderElector>(client_, std::move(le));
  }
}

Controller::~Controller() { Stop(); }

client::Informer& Controller::AddInformer(const api::Kind& kind, client::InformerOptions options,
                                          std::function<void(const ObjectPtr&, const ObjectPtr&)> on_change) {
  informers_.push_back(std::make_unique<client::Informer>(client_, kind, std::move(options)));
  client::Informer& inf = *informers_.back();
  inf.AddHandler({
      .on_add = [on_change](const ObjectPtr& obj) { on_change(nullptr, obj); },
      .on_update = [on_change](const ObjectPtr& old_obj, const ObjectPtr& obj) { on_change(old_obj, obj); },
      .on_delete = [on_change](const ObjectPtr& obj) { on_change(obj, nullptr); },
  });
  return inf;
}

void Controller::AddInformers() {
  const std::string scope = options_.watch_namespace;
  auto key_of = [](const ObjectPtr& old_obj, const ObjectPtr& obj) { return client::KeyOf(obj ? *obj : *old_obj); };

  client::InformerOptions io;
  io.ns = scope;
  io.transform = DropCommon;
  ingress_informer_ = &AddInformer(IngressKind(), io, [this, key_of](const ObjectPtr& old_obj, const ObjectPtr& obj) {
    std::string key = key_of(old_obj, obj);
    if (obj && old_obj && SameSpecAndAnnotations(*old_obj, *obj)) {
      WakeWriter();  // only the status changed: see that it is still ours
      return;
    }
    std::optional<IngressInfo> info = obj ? IngressFromJson(*obj) : std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    pending_.ingresses[key] = std::move(info);
    if (obj) pending_.synced_ingresses.insert(key);
    MarkDirtyLocked();
  });

  client::InformerOptions co;
  co.transform = DropCommon;
  AddInformer(client::KindOf("networking.k8s.io", "IngressClass"), co,
              [this, key_of](const ObjectPtr& old_obj, const ObjectPtr& obj) {
                std::optional<IngressClassInfo> info = obj ? IngressClassFromJson(*obj) : std::nullopt;
                std::lock_guard<std::mutex> lock(mu_);
                pending_.classes[key_of(old_obj, obj)] = std::move(info);
                MarkDirtyLocked();
              });

  client::InformerOptions so;
  so.ns = scope;
  const std::string publish = options_.publish_service;
  so.transform = [publish](Json& obj) {
    DropCommon(obj);
    if (client::KeyOf(obj) != publish) obj.erase("status");
  };
  service_informer_ = &AddInformer(client::KindOf("", "Service"), so,
                                   [this, key_of, publish](const ObjectPtr& old_obj, const ObjectPtr& obj) {
                                     std::string key = key_of(old_obj, obj);
                                     if (key == publish) WakeWriter();
                                     if (obj && old_obj && SameSpecAndAnnotations(*old_obj, *obj)) return;
                                     std::optional<ServiceInfo> info = obj ? ServiceFromJson(*obj) : std::nullopt;
                                     std::lock_guard<std::mutex> lock(mu_);
                                     pending_.services[key] = std::move(info);
                                     MarkDirtyLocked();
                                   });

  client::InformerOptions eo;
  eo.ns = scope;
  eo.transform = SlimEndpointSlice;
  AddInformer(client::KindOf("discovery.k8s.io", "EndpointSlice"), eo,
              [this, key_of](const ObjectPtr& old_obj, const ObjectPtr& obj) {
                std::optional<EndpointSliceInfo> info = obj ? EndpointSliceFromJson(*obj) : std::nullopt;
                std::lock_guard<std::mutex> lock(mu_);
                pending_.slices[key_of(old_obj, obj)] = std::move(info);
                MarkDirtyLocked();
              });

  client::InformerOptions xo;
  // --default-ssl-certificate may live outside --watch-namespace: watch all
  // Secrets then, as ingress-nginx does.
  xo.ns = options_.config.default_ssl_certificate.empty() ? scope : "";
  xo.transform = SlimSecret;
  AddInformer(client::KindOf("", "Secret"), xo, [this, key_of](const ObjectPtr& old_obj, const ObjectPtr& obj) {
    std::optional<SecretInfo> info = obj ? SecretFromJson(*obj) : std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    pending_.secrets[key_of(old_obj, obj)] = std::move(info);
    MarkDirtyLocked();
  });

  if (!options_.configmap.empty()) {
    std::string ns, name;
    client::SplitKey(options_.configmap, &ns, &name);
    client::InformerOptions mo;
    mo.ns = ns;
    mo.field_selector = "metadata.name=" + name;
    mo.transform = DropCommon;
    AddInformer(client::KindOf("", "ConfigMap"), mo, [this](const ObjectPtr&, const ObjectPtr& obj) {
      ConfigMapSettings settings = obj ? ParseConfigMap(ConfigMapDataFromJson(*obj)) : ConfigMapSettings{};
      for (const std::string& e : settings.errors) LOG_WARN << "configmap " << options_.configmap << ": " << e;
      if (!ConfigMapSettings::SameStartSettings(settings, options_.settings))
        LOG_WARN << "configmap " << options_.configmap
                 << ": keep-alive, upstream-keepalive-*, client-*-timeout, large-client-header-buffers and "
                    "disable-access-log apply when the controller restarts";
      std::lock_guard<std::mutex> lock(mu_);
      pending_.settings = std::move(settings);
      MarkDirtyLocked();
    });
  }
}

void Controller::MarkDirtyLocked() {
  if (dirty_) return;
  dirty_ = true;
  first_dirty_ = Clock::now();
  cv_.notify_one();
}

bool Controller::AllSynced() const {
  for (const auto& inf : informers_)
    if (!inf->HasSynced()) return false;
  return true;
}

void Controller::Start() {
  if (reconcile_thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
    // The first table is published once every informer has listed, even
    // when the cluster has no object of any kind.
    dirty_ = true;
    first_dirty_ = Clock::now();
  }
  {
    std::lock_guard<std::mutex> lock(writer_mu_);
    writer_stop_ = false;
  }
  reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
  writer_thread_ = std::thread([this] { WriterLoop(); });
  for (auto& inf : informers_) inf->Start();
  if (elector_) elector_->Start();
}

void Controller::Stop() {
  if (elector_) elector_->Stop();
  for (auto& inf : informers_) inf->RequestStop();
  for (auto& inf : informers_) inf->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
  {
    std::lock_guard<std::mutex> lock(writer_mu_);
    writer_stop_ = true;
  }
  writer_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
}

bool Controller::WaitForGeneration(uint64_t generation, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(generation_mu_);
  return generation_cv_.wait_for(lock, timeout, [&] { return generation_.load() >= generation; });
}

void Controller::OnCertificateError(const std::string& secret, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  cert_errors_.emplace_back(secret, error);
}

// ---------------------------------------------------------------------------
// The reconcile thread.

void Controller::ReconcileLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (!stop_ && !(dirty_ && AllSynced())) {
      if (dirty_) cv_.wait_for(lock, kSyncPoll);
      else cv_.wait(lock);
    }
    if (stop_) return;
    // Let a burst of events coalesce, but never wait longer than debounce
    // after the first of them.
    cv_.wait_until(lock, first_dirty_ + options_.debounce, [this] { return stop_; });
    if (stop_) return;
    Pending pending = std::move(pending_);
    pending_ = Pending{};
    dirty_ = false;
    lock.unlock();
    std::set<std::string> synced = std::move(pending.synced_ingresses);
    ApplyPending(std::move(pending));
    Reconcile(synced);
    lock.lock();
  }
}

void Controller::ApplyPending(Pending p) {
  ApplyChanges(p.ingresses, snapshot_.ingresses);
  ApplyChanges(p.classes, snapshot_.classes);
  ApplyChanges(p.services, snapshot_.services);
  ApplyChanges(p.slices, snapshot_.slices);
  ApplyChanges(p.secrets, snapshot_.secrets);
  if (p.settings) live_settings_ = std::move(*p.settings);
}

void Controller::Reconcile(const std::set<std::string>& synced_ingresses) {
  auto t0 = Clock::now();
  CompileResult result = Compile(snapshot_, options_.config);
  if (!result.table) result.table = std::make_shared<RouteTable>();
  ApplyLiveDefaults(live_settings_, snapshot_, result.table.get());
  const uint64_t generation = generation_.load() + 1;
  result.table->generation = generation;
  set_routes_(result.table);
  {
    std::lock_guard<std::mutex> lock(generation_mu_);
    generation_ = generation;
  }
  generation_cv_.notify_all();
  LOG_V(2) << "reconcile: generation " << generation << ", " << result.served.size() << " of "
           << snapshot_.ingresses.size() << " ingresses served, "
           << std::chrono::duration<double, std::milli>(Clock::now() - t0).count() << " ms";
  RecordCertificateErrors();

  auto served = std::make_shared<std::set<std::string>>(result.served.begin(), result.served.end());
  std::deque<QueuedEvent> events;
  if (!options_.disable_sync_events) {
    for (const std::string& key : synced_ingresses) {
      if (!served->count(key)) continue;
      std::string ns, name;
      client::SplitKey(key, &ns, &name);
      events.push_back({ns, name, "Normal", "Sync", "Scheduled for sync"});
    }
  }
  // Compile's events, each once while it keeps being reported.
  std::set<std::string> reported;
  for (IngressEvent& ev : result.events) {
    auto it = snapshot_.ingresses.find(ev.ns + "/" + ev.name);
    std::string uid = it != snapshot_.ingresses.end() ? it->second.uid : ev.ns + "/" + ev.name;
    std::string key = uid + "|" + ev.type + "|" + ev.reason + "|" + ev.message;
    if (!reported_.count(key))
      events.push_back({std::move(ev.ns), std::move(ev.name), std::move(ev.type), std::move(ev.reason),
                        std::move(ev.message)});
    reported.insert(std::move(key));
  }
  reported_ = std::move(reported);

  // Ours but refused: their status is cleared (when it shows our addresses).
  auto refused = std::make_shared<std::set<std::string>>();
  for (const auto& [key, ingress] : snapshot_.ingresses)
    if (!served->count(key) && IsOurs(ingress, snapshot_.classes, options_.config)) refused->insert(key);

  {
    std::lock_guard<std::mutex> lock(writer_mu_);
    for (QueuedEvent& e : events) events_.push_back(std::move(e));
    status_work_ = {std::move(served), std::move(refused)};
    status_dirty_ = true;
  }
  writer_cv_.notify_one();
}

void Controller::RecordCertificateErrors() {
  std::vector<std::pair<std::string, std::string>> errors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    errors.swap(cert_errors_);
  }
  // The proxy reports every broken certificate on every table: an Event goes
  // out once per (Ingress, Secret, error) while it lasts, again if it comes
  // back later.
  std::set<std::string> current;
  std::deque<QueuedEvent> events;
  for (const auto& [secret, error] : errors) {
    std::string ns, name;
    client::SplitKey(secret, &ns, &name);
    std::string message = "Secret " + secret + " cannot be used (" + error + "); serving the default certificate";
    for (const auto& [key, ingress] : snapshot_.ingresses) {
      if (ingress.ns != ns || !IsOurs(ingress, snapshot_.classes, options_.config)) continue;
      for (const IngressTlsInfo& tls : ingress.tls) {
        if (tls.secret_name != name) continue;
        std::string id = ingress.uid + "|" + secret + "|" + error;
        current.insert(id);
        if (!cert_reported_.count(id))
          events.push_back({ingress.ns, ingress.name, "Warning", "InvalidCertificate", message});
        break;
      }
    }
  }
  cert_reported_ = std::move(current);
  if (events.empty()) return;
  {
    std::lock_guard<std::mutex> lock(writer_mu_);
    for (QueuedEvent& e : events) events_.push_back(std::move(e));
  }
  writer_cv_.notify_one();
}

// ---------------------------------------------------------------------------
// The writer thread.

void Controller::WakeWriter() {
  {
    std::lock_guard<std::mutex> lock(writer_mu_);
    status_dirty_ = true;
  }
  writer_cv_.notify_one();
}

void Controller::WriterLoop() {
  std::unique_lock<std::mutex> lock(writer_mu_);
  bool retry = false;
  while (true) {
    auto ready = [this] { return writer_stop_ || status_dirty_ || !events_.empty(); };
    bool timed_out = !writer_cv_.wait_for(lock, retry ? kStatusRetry : kStatusResync, ready);
    if (writer_stop_) return;
    std::deque<QueuedEvent> events = std::move(events_);
    events_.clear();
    bool do_status = status_dirty_ || timed_out;
    status_dirty_ = false;
    StatusWork work = status_work_;
    lock.unlock();
    // A failed write is retried after kStatusRetry; an Event that wakes the
    // loop first does not cancel that.
    if (do_status) retry = work.served && IsLeader() && !WriteStatus(work);
    WriteEvents(std::move(events));
    lock.lock();
  }
}

void Controller::WriteEvents(std::deque<QueuedEvent> events) {
  for (const QueuedEvent& e : events) {
    ObjectPtr obj = ingress_informer_->Get(e.ns, e.name);
    if (!obj) continue;  // deleted meanwhile
    recorder_.Record(*obj, e.type, e.reason, e.message);
  }
}

std::string Controller::HostIp() {
  if (!host_ip_.empty() || options_.pod_name.empty() || options_.pod_namespace.empty()) return host_ip_;
  auto pod = client_.Get(client::KindOf("", "Pod"), options_.pod_namespace, options_.pod_name);
  if (!pod.ok()) {
    LOG_V(1) << "status: get pod " << options_.pod_namespace << "/" << options_.pod_name << ": "
             << pod.status().ToString();
    return "";
  }
  host_ip_ = client::GetString(*pod, {"status", "hostIP"});
  return host_ip_;
}

bool Controller::WriteStatus(const StatusWork& work) {
  ObjectPtr service;
  if (!options_.publish_service.empty()) {
    std::string ns, name;
    client::SplitKey(options_.publish_service, &ns, &name);
    service = service_informer_->Get(ns, name);
    if (!service && !options_.watch_namespace.empty() && ns != options_.watch_namespace) {
      // Outside the informers' scope: read it (the periodic pass follows changes).
      if (auto got = client_.Get(client::KindOf("", "Service"), ns, name); got.ok())
        service = std::make_shared<const Json>(std::move(*got));
    }
  }
  Json addresses = PublishedAddresses(service.get(), options_.publish_status_address, "");
  if (addresses.empty()) addresses = PublishedAddresses(service.get(), options_.publish_status_address, HostIp());
  if (addresses.empty()) {
    LOG_V(1) << "status: no address to publish yet";
    return options_.pod_name.empty();  // retry while the pod's node IP may still come
  }
  bool ok = true;
  std::map<std::string, Written> written;
  for (const ObjectPtr& obj : ingress_informer_->List("")) {
    std::string key = client::KeyOf(*obj);
    std::optional<Json> patch;
    client::PatchType type = client::PatchType::kMerge;
    Json want = addresses;
    if (work.served->count(key)) {
      patch = SetStatusPatch(*obj, addresses);
    } else if (work.ours->count(key)) {
      patch = ClearStatusPatch(*obj, addresses);
      type = client::PatchType::kJson;
      want = Json::array();
    }
    if (!patch) continue;
    const std::string rv = client::ResourceVersionOf(*obj);
    if (auto it = written_.find(key); it != written_.end() && it->second.resource_version == rv &&
                                      it->second.addresses == want) {
      written.insert(*it);  // our write is on its way to the cache
      continue;
    }
    auto r = client_.Patch(IngressKind(), client::NamespaceOf(*obj), client::NameOf(*obj), type, *patch, "status");
    if (r.ok()) {
      written[key] = {rv, std::move(want)};
    } else if (!r.status().IsNotFound()) {
      LOG_V(1) << "status: ingress " << key << ": " << r.status().ToString();
      ok = false;
    }
  }
  written_ = std::move(written);
  return ok;
}

}  // namespace netkube::ingress
