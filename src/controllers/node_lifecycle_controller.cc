#include "controllers/node_lifecycle_controller.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "client/meta.h"
#include "controllers/node_match.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;
using client::TimePoint;

namespace {

constexpr char kNotReady[] = "node.kubernetes.io/not-ready";
constexpr char kUnreachable[] = "node.kubernetes.io/unreachable";
constexpr char kUnschedulable[] = "node.kubernetes.io/unschedulable";
constexpr char kLeaseNamespace[] = "kube-node-lease";

const api::Kind& NodeKind() { return client::KindOf("", "Node"); }
const api::Kind& PodKind() { return client::KindOf("", "Pod"); }

std::string ReadyStatus(const Json& node) {
  const Json* c = client::FindCondition(node, "Ready");
  return c == nullptr ? "" : c->value("status", "");
}

bool HasNoExecuteTaint(const Json& node) {
  const Json* taints = client::Find(node, {"spec", "taints"});
  if (taints == nullptr || !taints->is_array()) return false;
  for (const Json& t : *taints)
    if (t.value("effect", "") == "NoExecute") return true;
  return false;
}

bool IsManaged(const Json& taint) {
  std::string key = taint.value("key", ""), effect = taint.value("effect", "");
  if (key == kNotReady || key == kUnreachable) return effect == "NoSchedule" || effect == "NoExecute";
  return key == kUnschedulable && effect == "NoSchedule";
}

std::optional<TimePoint> TimeAt(const Json& obj, std::initializer_list<std::string_view> path) {
  std::string s = client::GetString(obj, path);
  if (s.empty()) return std::nullopt;
  return client::ParseTime(s);
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(client::Client& client, client::SharedInformers& informers,
                                                 client::EventRecorder& events, NodeLifecycleOptions options)
    : Controller("node-lifecycle-controller"),
      client_(client),
      nodes_(informers.For(NodeKind())),
      pods_(informers.For(PodKind())),
      leases_(informers.For(client::KindOf("coordination.k8s.io", "Lease"))),
      events_(events),
      options_(options) {
  auto enqueue = [this](const ObjectPtr& n) { queue_.Add(client::NameOf(*n)); };
  nodes_.AddHandler({enqueue, [enqueue](const ObjectPtr&, const ObjectPtr& n) { enqueue(n); },
                     [this](const ObjectPtr& n) {
                       std::lock_guard<std::mutex> lock(mu_);
                       std::string name = client::NameOf(*n);
                       first_seen_.erase(name);
                       first_seen_.erase(first_seen_.lower_bound(name + "|"), first_seen_.lower_bound(name + "}"));
                     }});
  auto on_pod = [this](const ObjectPtr& p) {
    std::string node = client::GetString(*p, {"spec", "nodeName"});
    if (node.empty() || client::IsBeingDeleted(*p)) return;
    ObjectPtr n = nodes_.Get("", node);
    if (n && (ReadyStatus(*n) != "True" || HasNoExecuteTaint(*n))) queue_.Add(node);
  };
  pods_.AddHandler({on_pod, [on_pod](const ObjectPtr&, const ObjectPtr& p) { on_pod(p); }, nullptr});
  queue_.Add(kMonitorKey);
}

TimePoint NodeLifecycleController::FirstSeen(const std::string& key, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  return first_seen_.emplace(key, now).first->second;
}

TimePoint NodeLifecycleController::LastHeartbeat(const Json& node) {
  std::string name = client::NameOf(node);
  TimePoint last = FirstSeen(name, client::Now());
  if (const Json* c = client::FindCondition(node, "Ready"))
    if (auto t = TimeAt(*c, {"lastHeartbeatTime"})) last = std::max(last, *t);
  if (ObjectPtr lease = leases_.Get(kLeaseNamespace, name))
    if (auto t = TimeAt(*lease, {"spec", "renewTime"})) last = std::max(last, *t);
  return last;
}

Status NodeLifecycleController::Sync(const std::string& key) {
  if (key == kMonitorKey) {
    for (const ObjectPtr& n : nodes_.List("")) queue_.Add(client::NameOf(*n));
    queue_.AddAfter(kMonitorKey, options_.monitor_period);
    return Status::OK();
  }
  ObjectPtr cached = nodes_.Get("", key);
  if (!cached) return Status::OK();
  TimePoint now = client::Now();
  auto node = CheckHealth(*cached, now);
  if (!node.ok()) return node.status();
  node = SyncTaints(*node, now);
  if (!node.ok()) return node.status();
  if (ReadyStatus(*node) != "True") {
    if (Status s = MarkPodsNotReady(key, now); !s.ok()) return s;
  }
  return EvictPods(*node, now);
}

StatusOr<Json> NodeLifecycleController::CheckHealth(const Json& node, TimePoint now) {
  TimePoint last = LastHeartbeat(node);
  if (now - last <= options_.grace_period) return node;
  const Json* ready = client::FindCondition(node, "Ready");
  if (ready != nullptr && ready->value("status", "") == "Unknown") return node;
  Json next = node;
  std::string now_s = client::FormatTime(now);
  Json& conds = next["status"]["conditions"];
  if (!conds.is_array()) conds = Json::array();
  if (ready == nullptr) {
    std::string created = client::GetString(node, {"metadata", "creationTimestamp"});
    conds.push_back({{"type", "Ready"},
                     {"status", "Unknown"},
                     {"reason", "NodeStatusNeverUpdated"},
                     {"message", "Kubelet never posted node status."},
                     {"lastHeartbeatTime", created.empty() ? now_s : created},
                     {"lastTransitionTime", now_s}});
  }
  for (Json& c : conds) {
    std::string type = c.value("type", "");
    if (type != "Ready" && type != "MemoryPressure" && type != "DiskPressure" && type != "PIDPressure") continue;
    if (c.value("status", "") == "Unknown") continue;
    c["status"] = "Unknown";
    c["reason"] = "NodeStatusUnknown";
    c["message"] = "Kubelet stopped posting node status.";
    c["lastTransitionTime"] = now_s;
  }
  auto r = client_.Update(NodeKind(), "", next, "status");
  if (!r.ok()) return r.status();
  events_.Normal(*r, "NodeNotReady", "Node " + client::NameOf(node) + " status is now: NodeNotReady");
  return *r;
}

StatusOr<Json> NodeLifecycleController::SyncTaints(const Json& node, TimePoint now) {
  std::vector<std::pair<std::string, std::string>> want;  // key, effect
  std::string ready = ReadyStatus(node);
  if (ready == "False") want = {{kNotReady, "NoSchedule"}, {kNotReady, "NoExecute"}};
  if (ready == "Unknown") want = {{kUnreachable, "NoSchedule"}, {kUnreachable, "NoExecute"}};
  const Json* unsched = client::Find(node, {"spec", "unschedulable"});
  if (unsched != nullptr && unsched->is_boolean() && unsched->get<bool>()) want.emplace_back(kUnschedulable, "NoSchedule");

  const Json* cur = client::Find(node, {"spec", "taints"});
  Json taints = Json::array();
  if (cur != nullptr && cur->is_array()) {
    for (const Json& t : *cur) {
      if (IsManaged(t) && std::find(want.begin(), want.end(), std::make_pair(t.value("key", ""), t.value("effect", ""))) ==
                              want.end())
        continue;
      taints.push_back(t);
    }
  }
  for (const auto& [key, effect] : want) {
    bool have = false;
    for (const Json& t : taints) have = have || (t.value("key", "") == key && t.value("effect", "") == effect);
    if (have) continue;
    Json t = {{"key", key}, {"effect", effect}};
    if (effect == "NoExecute") t["timeAdded"] = client::FormatTime(now);
    taints.push_back(t);
  }
  Json before = (cur != nullptr && cur->is_array()) ? *cur : Json::array();
  if (taints == before) return node;
  Json patch = {{"metadata", {{"resourceVersion", client::ResourceVersionOf(node)}}},
                {"spec", {{"taints", taints.empty() ? Json(nullptr) : taints}}}};
  return client_.Patch(NodeKind(), "", client::NameOf(node), client::PatchType::kMerge, patch);
}

Status NodeLifecycleController::MarkPodsNotReady(const std::string& node, TimePoint now) {
  for (const ObjectPtr& cached : pods_.ByIndex(client::kIndexNodeName, node)) {
    const Json* c = client::FindCondition(*cached, "Ready");
    if (c == nullptr || c->value("status", "") == "False") continue;
    // The cache is trimmed: write back a fresh copy.
    auto pod = client_.Get(PodKind(), client::NamespaceOf(*cached), client::NameOf(*cached));
    if (!pod.ok()) {
      if (pod.status().IsNotFound()) continue;
      return pod.status();
    }
    if (client::GetString(*pod, {"spec", "nodeName"}) != node) continue;
    bool changed = false;
    Json* conds = &(*pod)["status"]["conditions"];
    if (!conds->is_array()) continue;
    for (Json& cond : *conds) {
      if (cond.value("type", "") != "Ready" || cond.value("status", "") == "False") continue;
      cond["status"] = "False";
      cond["lastTransitionTime"] = client::FormatTime(now);
      changed = true;
    }
    if (!changed) continue;
    auto r = client_.Update(PodKind(), client::NamespaceOf(*pod), *pod, "status");
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
    if (r.ok()) events_.Warning(*r, "NodeNotReady", "Node is not ready");
  }
  return Status::OK();
}

Status NodeLifecycleController::EvictPods(const Json& node, TimePoint now) {
  std::string name = client::NameOf(node);
  std::vector<std::pair<Json, TimePoint>> no_execute;  // taint, timeAdded
  if (const Json* taints = client::Find(node, {"spec", "taints"}); taints != nullptr && taints->is_array()) {
    for (const Json& t : *taints) {
      if (t.value("effect", "") != "NoExecute") continue;
      auto added = TimeAt(t, {"timeAdded"});
      no_execute.emplace_back(t, added ? *added : FirstSeen(name + "|" + t.value("key", "") + "=" + t.value("value", ""), now));
    }
  }
  if (no_execute.empty()) return Status::OK();
  std::optional<TimePoint> next;  // earliest future deadline
  static const Json kNone = Json::array();
  for (const ObjectPtr& pod : pods_.ByIndex(client::kIndexNodeName, name)) {
    if (client::IsBeingDeleted(*pod)) continue;
    const Json* tp = client::Find(*pod, {"spec", "tolerations"});
    const Json& tols = (tp != nullptr && tp->is_array()) ? *tp : kNone;
    bool evict_now = false;
    std::optional<TimePoint> deadline;
    for (const auto& [taint, added] : no_execute) {
      std::optional<int64_t> min_seconds;
      bool tolerated = false;
      for (const Json& tol : tols) {
        if (!Tolerates(tol, taint)) continue;
        tolerated = true;
        const Json* secs = client::Find(tol, {"tolerationSeconds"});
        if (secs == nullptr || !secs->is_number_integer()) continue;
        int64_t s = std::max<int64_t>(0, secs->get<int64_t>());
        if (!min_seconds || s < *min_seconds) min_seconds = s;
      }
      if (!tolerated) {
        evict_now = true;
        break;
      }
      if (!min_seconds) continue;  // tolerated forever
      TimePoint d = added + std::chrono::seconds(*min_seconds);
      if (!deadline || d < *deadline) deadline = d;
    }
    if (!evict_now && deadline && *deadline <= now) evict_now = true;
    if (!evict_now) {
      if (deadline && (!next || *deadline < *next)) next = deadline;
      continue;
    }
    client::DeleteOptions opts;
    opts.precondition_uid = client::UidOf(*pod);
    auto r = client_.Delete(PodKind(), client::NamespaceOf(*pod), client::NameOf(*pod), opts);
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
    if (r.ok())
      events_.Normal(*pod, "TaintManagerEviction",
                     "Marking for deletion Pod " + client::NamespaceOf(*pod) + "/" + client::NameOf(*pod));
  }
  if (next) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now) + std::chrono::milliseconds(1);
    queue_.AddAfter(name, wait);
  }
  return Status::OK();
}

}  // namespace netkube::controllers
