#include "dns/k8s_watch.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "client/meta.h"
#include "dns/plugin.h"
#include "util/log.h"

namespace netkube::dns::k8s {

using client::Json;

// ---------------------------------------------------------------------------
// Conversions.

namespace {

const Json* Field(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string Str(const Json* v) { return (v != nullptr && v->is_string()) ? v->get<std::string>() : std::string(); }

std::optional<Protocol> ParseProtocol(const Json* v) {
  std::string p = Str(v);
  if (p.empty() || p == "TCP") return Protocol::kTCP;
  if (p == "UDP") return Protocol::kUDP;
  if (p == "SCTP") return Protocol::kSCTP;
  return std::nullopt;
}

std::vector<PortInfo> Ports(const Json* ports) {
  std::vector<PortInfo> out;
  if (ports == nullptr || !ports->is_array()) return out;
  for (const Json& p : *ports) {
    auto proto = ParseProtocol(Field(p, "protocol"));
    if (!proto) continue;
    PortInfo pi;
    pi.name = Str(Field(p, "name"));
    pi.protocol = *proto;
    const Json* num = Field(p, "port");
    pi.port = (num != nullptr && num->is_number_integer()) ? num->get<int32_t>() : -1;
    if (pi.port > 65535) pi.port = -1;
    out.push_back(std::move(pi));
  }
  return out;
}

}  // namespace

std::optional<ServiceInfo> ServiceFromJson(const Json& obj) {
  ServiceInfo s;
  s.ns = client::NamespaceOf(obj);
  s.name = client::NameOf(obj);
  if (s.name.empty()) return std::nullopt;
  const Json* spec = Field(obj, "spec");
  if (spec == nullptr) spec = &obj;  // tolerate a spec-less object: ClusterIP without IPs
  std::string type = Str(Field(*spec, "type"));
  std::string cluster_ip = Str(Field(*spec, "clusterIP"));
  if (type == "ExternalName") {
    s.type = ServiceInfo::Type::kExternalName;
    s.external_name = Str(Field(*spec, "externalName"));
    while (!s.external_name.empty() && s.external_name.back() == '.') s.external_name.pop_back();
  } else if (cluster_ip == "None") {
    s.type = ServiceInfo::Type::kHeadless;
  } else {
    s.type = ServiceInfo::Type::kClusterIP;
    std::vector<std::string> ips;
    if (const Json* list = Field(*spec, "clusterIPs"); list != nullptr && list->is_array())
      for (const Json& ip : *list) ips.push_back(Str(&ip));
    if (ips.empty() && !cluster_ip.empty()) ips.push_back(cluster_ip);
    for (const std::string& text : ips)
      if (auto ip = IpAddr::Parse(text)) s.cluster_ips.push_back(*ip);
  }
  s.ports = Ports(Field(*spec, "ports"));
  const Json* pnr = Field(*spec, "publishNotReadyAddresses");
  s.publish_not_ready = pnr != nullptr && pnr->is_boolean() && pnr->get<bool>();
  return s;
}

std::optional<EndpointSliceInfo> EndpointSliceFromJson(const Json& obj) {
  EndpointSliceInfo s;
  s.ns = client::NamespaceOf(obj);
  s.name = client::NameOf(obj);
  s.service = client::GetString(obj, {"metadata", "labels", "kubernetes.io/service-name"});
  if (s.name.empty() || s.service.empty()) return std::nullopt;
  std::string address_type = Str(Field(obj, "addressType"));
  if (address_type == "FQDN") return std::nullopt;  // names, not addresses: nothing DNS can serve
  s.ports = Ports(Field(obj, "ports"));
  if (const Json* eps = Field(obj, "endpoints"); eps != nullptr && eps->is_array()) {
    for (const Json& ep : *eps) {
      EndpointInfo base;
      const Json* ready = client::Find(ep, {"conditions", "ready"});
      base.ready = ready == nullptr || !ready->is_boolean() || ready->get<bool>();
      base.hostname = Str(Field(ep, "hostname"));
      if (const Json* ref = Field(ep, "targetRef"); ref != nullptr && Str(Field(*ref, "kind")) == "Pod") {
        base.pod_name = Str(Field(*ref, "name"));
        if (base.pod_name.size() > kMaxLabel) base.pod_name.clear();
      }
      const Json* addrs = Field(ep, "addresses");
      if (addrs == nullptr || !addrs->is_array()) continue;
      for (const Json& a : *addrs) {
        auto ip = IpAddr::Parse(Str(&a));
        if (!ip) continue;
        EndpointInfo e = base;
        e.ip = *ip;
        s.endpoints.push_back(std::move(e));
      }
    }
  }
  return s;
}

std::optional<PodInfo> PodFromJson(const Json& obj) {
  PodInfo p;
  p.ns = client::NamespaceOf(obj);
  p.name = client::NameOf(obj);
  if (p.name.empty() || client::IsBeingDeleted(obj)) return std::nullopt;
  std::vector<std::string> ips;
  if (const Json* list = client::Find(obj, {"status", "podIPs"}); list != nullptr && list->is_array())
    for (const Json& e : *list) ips.push_back(Str(Field(e, "ip")));
  if (ips.empty()) ips.push_back(client::GetString(obj, {"status", "podIP"}));
  for (const std::string& text : ips)
    if (auto ip = IpAddr::Parse(text)) p.ips.push_back(*ip);
  if (p.ips.empty()) return std::nullopt;
  return p;
}

// ---------------------------------------------------------------------------
// One kind's list and watch loop.

class ClusterWatch::Reflector {
 public:
  // What a kind does with the model.
  struct Ops {
    // Converts and upserts (or removes, when there is nothing to serve).
    std::function<bool(const Json&)> apply;
    std::function<bool(const std::string& ns, const std::string& name)> remove;
    // Converts one listed object into the pending batch.
    std::function<void(const Json&)> collect;
    // Replaces the kind with the batch and clears it.
    std::function<bool()> replace;
    // Drops a half-collected batch.
    std::function<void()> abort;
  };

  Reflector(ClusterWatch& owner, client::Client& client, const api::Kind& kind, std::string label_selector,
            int64_t page_size, Ops ops, std::function<void()> on_change)
      : owner_(owner),
        client_(client),
        kind_(kind),
        selector_(std::move(label_selector)),
        page_size_(page_size),
        ops_(std::move(ops)),
        on_change_(std::move(on_change)) {}

  ~Reflector() { Stop(); }

  void Start() {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool synced() const { return synced_.load(); }

 private:
  friend class ClusterWatch;
  bool Sleep(std::chrono::milliseconds d) {
    auto deadline = std::chrono::steady_clock::now() + d;
    while (!stop_.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return !stop_.load();
  }

  void Changed(bool changed) {
    if (changed && on_change_) on_change_();
  }

  // Lists every page; returns the resourceVersion, or "" on failure.
  std::string List() {
    std::string token, rv;
    do {
      client::ListOptions lo;
      lo.label_selector = selector_;
      lo.limit = page_size_;
      lo.continue_token = token;
      auto page = client_.List(kind_, "", lo);
      if (!page.ok()) {
        LOG_WARN << "kubernetes: list " << kind_.plural << ": " << page.status().ToString();
        ops_.abort();
        return "";
      }
      if (const Json* items = Field(*page, "items"); items != nullptr && items->is_array())
        for (const Json& item : *items) ops_.collect(item);
      token = client::GetString(*page, {"metadata", "continue"});
      rv = client::GetString(*page, {"metadata", "resourceVersion"});
    } while (!token.empty() && !stop_.load());
    if (stop_.load()) return "";
    Changed(ops_.replace());
    ++owner_.lists_;
    synced_ = true;
    return rv.empty() ? "0" : rv;
  }

  void Run() {
    std::chrono::milliseconds backoff{100};
    while (!stop_.load()) {
      std::string rv = List();
      if (rv.empty()) {
        if (!Sleep(backoff)) return;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
        continue;
      }
      backoff = std::chrono::milliseconds(100);
      Watch(rv);
    }
  }

  // Watches from `rv` until a relist is needed or Stop.
  void Watch(std::string rv) {
    while (!stop_.load()) {
      client::ListOptions lo;
      lo.label_selector = selector_;
      lo.resource_version = rv;
      lo.allow_bookmarks = true;
      auto w = client_.Watch(kind_, "", lo);
      if (!w.ok()) {
        LOG_V(2) << "kubernetes: watch " << kind_.plural << ": " << w.status().ToString();
        if (!w.status().IsGone()) Sleep(std::chrono::milliseconds(200));
        return;
      }
      std::unique_ptr<client::WatchStream> stream = std::move(*w);
      auto opened = std::chrono::steady_clock::now();
      bool got_event = false;
      client::WatchEvent ev;
      while (!stop_.load()) {
        if (!stream->Next(&ev, std::chrono::milliseconds(100))) {
          if (!got_event && std::chrono::steady_clock::now() - opened < std::chrono::milliseconds(50))
            Sleep(std::chrono::milliseconds(100));
          break;
        }
        if (ev.type.empty()) continue;
        got_event = true;
        if (ev.type == "ERROR") {
          LOG_V(2) << "kubernetes: watch " << kind_.plural << " error: " << ev.object.dump();
          stream->Close();
          return;
        }
        std::string erv = client::ResourceVersionOf(ev.object);
        if (!erv.empty()) rv = erv;
        if (ev.type == "BOOKMARK") continue;
        ++owner_.events_;
        if (ev.type == "DELETED")
          Changed(ops_.remove(client::NamespaceOf(ev.object), client::NameOf(ev.object)));
        else
          Changed(ops_.apply(ev.object));
      }
      stream->Close();
    }
  }

  ClusterWatch& owner_;
  client::Client& client_;
  const api::Kind& kind_;
  const std::string selector_;
  const int64_t page_size_;
  Ops ops_;
  std::function<void()> on_change_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> synced_{false};
  std::thread thread_;
};

namespace {

// The Ops of one kind: T is the compact struct, `from_json` converts, and
// the model's Upsert/Delete/Replace of T are bound by the callers below.
template <class T>
ClusterWatch::Reflector::Ops MakeOps(std::function<std::optional<T>(const Json&)> from_json,
                                     std::function<bool(T)> upsert,
                                     std::function<bool(const std::string&, const std::string&)> remove,
                                     std::function<bool(std::vector<T>)> replace) {
  auto batch = std::make_shared<std::vector<T>>();
  ClusterWatch::Reflector::Ops ops;
  ops.apply = [from_json, upsert, remove](const Json& obj) {
    std::optional<T> v = from_json(obj);
    if (!v) return remove(client::NamespaceOf(obj), client::NameOf(obj));
    return upsert(std::move(*v));
  };
  ops.remove = remove;
  ops.collect = [from_json, batch](const Json& obj) {
    if (std::optional<T> v = from_json(obj)) batch->push_back(std::move(*v));
  };
  ops.replace = [batch, replace] {
    std::vector<T> all;
    all.swap(*batch);
    return replace(std::move(all));
  };
  ops.abort = [batch] { std::vector<T>().swap(*batch); };
  return ops;
}

}  // namespace

ClusterWatch::ClusterWatch(client::Client& client, ClusterRecords& records, WatchOptions options) {
  std::function<void()> on_change = options.on_change ? options.on_change : [] { BumpDataGeneration(); };
  ClusterRecords* m = &records;
  auto add = [&](const api::Kind& kind, std::string selector, Reflector::Ops ops) {
    reflectors_.push_back(std::make_unique<Reflector>(*this, client, kind, std::move(selector), options.page_size,
                                                      std::move(ops), on_change));
  };
  add(client::KindOf("", "Namespace"), options.namespace_label_selector,
      MakeOps<std::string>(
          [](const Json& o) -> std::optional<std::string> {
            std::string n = client::NameOf(o);
            if (n.empty()) return std::nullopt;
            return n;
          },
          [m](std::string n) { return m->UpsertNamespace(n); },
          [m](const std::string&, const std::string& name) { return m->DeleteNamespace(name); },
          [m](std::vector<std::string> all) { return m->ReplaceNamespaces(all); }));
  add(client::KindOf("", "Service"), options.label_selector,
      MakeOps<ServiceInfo>(ServiceFromJson, [m](ServiceInfo s) { return m->UpsertService(std::move(s)); },
                           [m](const std::string& ns, const std::string& n) { return m->DeleteService(ns, n); },
                           [m](std::vector<ServiceInfo> all) { return m->ReplaceServices(std::move(all)); }));
  if (options.endpoints)
    add(client::KindOf("discovery.k8s.io", "EndpointSlice"), options.label_selector,
        MakeOps<EndpointSliceInfo>(
            EndpointSliceFromJson, [m](EndpointSliceInfo s) { return m->UpsertSlice(std::move(s)); },
            [m](const std::string& ns, const std::string& n) { return m->DeleteSlice(ns, n); },
            [m](std::vector<EndpointSliceInfo> all) { return m->ReplaceSlices(std::move(all)); }));
  if (options.pods)
    add(client::KindOf("", "Pod"), "",
        MakeOps<PodInfo>(PodFromJson, [m](PodInfo p) { return m->UpsertPod(std::move(p)); },
                         [m](const std::string& ns, const std::string& n) { return m->DeletePod(ns, n); },
                         [m](std::vector<PodInfo> all) { return m->ReplacePods(std::move(all)); }));
}

ClusterWatch::~ClusterWatch() { Stop(); }

void ClusterWatch::Start() {
  for (auto& r : reflectors_) r->Start();
}

void ClusterWatch::Stop() {
  for (auto& r : reflectors_) r->stop_ = true;  // all at once, then join
  for (auto& r : reflectors_) r->Stop();
}

bool ClusterWatch::HasSynced() const {
  for (const auto& r : reflectors_)
    if (!r->synced()) return false;
  return true;
}

bool ClusterWatch::WaitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!HasSynced()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace netkube::dns::k8s
