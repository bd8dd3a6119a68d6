#include "controllers/daemonset_controller.h"

#include <algorithm>
#include <map>

#include "client/meta.h"
#include "controllers/deployment_util.h"
#include "controllers/node_match.h"
#include "controllers/pod_control.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {

constexpr char kHashLabel[] = "controller-revision-hash";
constexpr char kGenerationLabel[] = "pod-template-generation";

const api::Kind& DsKind() { return client::KindOf("apps", "DaemonSet"); }

Json Tol(const char* key, const char* effect) {
  return {{"key", key}, {"operator", "Exists"}, {"effect", effect}};
}

}  // namespace

Json DaemonPodSpec(const Json& template_spec) {
  Json spec = template_spec.is_object() ? template_spec : Json::object();
  Json& tols = spec["tolerations"];
  if (!tols.is_array()) tols = Json::array();
  std::vector<Json> add = {Tol("node.kubernetes.io/not-ready", "NoExecute"),
                           Tol("node.kubernetes.io/unreachable", "NoExecute"),
                           Tol("node.kubernetes.io/disk-pressure", "NoSchedule"),
                           Tol("node.kubernetes.io/memory-pressure", "NoSchedule"),
                           Tol("node.kubernetes.io/pid-pressure", "NoSchedule"),
                           Tol("node.kubernetes.io/unschedulable", "NoSchedule")};
  const Json* hn = client::Find(spec, {"hostNetwork"});
  if (hn != nullptr && hn->is_boolean() && hn->get<bool>()) add.push_back(Tol("node.kubernetes.io/network-unavailable", "NoSchedule"));
  for (const Json& t : add) {
    bool have = false;
    for (const Json& x : tols)
      have = have || (x.value("key", "") == t["key"] && x.value("effect", "") == t["effect"]);
    if (!have) tols.push_back(t);
  }
  return spec;
}

std::string DaemonPodNode(const Json& pod) {
  std::string n = client::GetString(pod, {"spec", "nodeName"});
  if (!n.empty()) return n;
  const Json* terms = client::Find(
      pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (terms == nullptr || !terms->is_array()) return "";
  for (const Json& t : *terms) {
    const Json* fields = client::Find(t, {"matchFields"});
    if (fields == nullptr || !fields->is_array()) continue;
    for (const Json& f : *fields)
      if (f.value("key", "") == "metadata.name" && f.value("operator", "") == "In" && f.contains("values") &&
          f["values"].is_array() && f["values"].size() == 1 && f["values"][0].is_string())
        return f["values"][0].get<std::string>();
  }
  return "";
}

DaemonSetController::DaemonSetController(client::Client& client, client::SharedInformers& informers,
                                         client::EventRecorder& events)
    : Controller("daemonset-controller"),
      client_(client),
      dss_(informers.For(DsKind())),
      pods_(informers.For(client::KindOf("", "Pod"))),
      nodes_(informers.For(client::KindOf("", "Node"))),
      events_(events) {
  dss_.AddHandler(EnqueueKeys());
  pods_.AddHandler({[this](const ObjectPtr& p) {
                      expectations_.ObserveCreation(client::KeyOf(*p));
                      OnPod(p);
                    },
                    [this](const ObjectPtr& old, const ObjectPtr& p) {
                      if (client::IsBeingDeleted(*p) && !client::IsBeingDeleted(*old))
                        expectations_.ObserveDeletion(client::KeyOf(*p));
                      OnPod(p);
                    },
                    [this](const ObjectPtr& p) {
                      expectations_.ObserveDeletion(client::KeyOf(*p));
                      OnPod(p);
                    }});
  auto all = [this](const ObjectPtr&) { EnqueueAll(); };
  nodes_.AddHandler({all,
                     [this](const ObjectPtr& old, const ObjectPtr& n) {
                       const Json* ol = client::Find(*old, {"metadata", "labels"});
                       const Json* nl = client::Find(*n, {"metadata", "labels"});
                       if (old->value("spec", Json()) != n->value("spec", Json()) ||
                           (ol ? *ol : Json()) != (nl ? *nl : Json()) || NodeReady(*old) != NodeReady(*n))
                         EnqueueAll();
                     },
                     all});
}

void DaemonSetController::OnPod(const ObjectPtr& pod) {
  const Json* ref = client::ControllerRefOf(*pod);
  if (ref != nullptr && ref->value("kind", "") == "DaemonSet")
    queue_.Add(client::KeyOf(client::NamespaceOf(*pod), ref->value("name", "")));
}

void DaemonSetController::EnqueueAll() {
  for (const ObjectPtr& ds : dss_.List("")) queue_.Add(client::KeyOf(*ds));
}

Status DaemonSetController::Sync(const std::string& key) {
  std::string ns, name;
  client::SplitKey(key, &ns, &name);
  ObjectPtr dsp = dss_.Get(ns, name);
  if (!dsp) {
    expectations_.Clear(key);
    return Status::OK();
  }
  const Json& ds = *dsp;
  const Json* selector = client::Find(ds, {"spec", "selector"});
  if (selector == nullptr) return Status::OK();
  static const Json kEmpty = Json::object();
  const Json* tp = client::Find(ds, {"spec", "template"});
  const Json& tmpl = tp != nullptr ? *tp : kEmpty;
  std::string hash = deployment::ComputeHash(tmpl, client::GetInt(ds, {"status", "collisionCount"}, -1));
  int64_t generation = client::GetInt(ds, {"metadata", "generation"}, 1);
  int64_t min_ready = client::GetInt(ds, {"spec", "minReadySeconds"}, 0);
  client::TimePoint now = client::Now();
  Json spec = DaemonPodSpec(tmpl.value("spec", Json::object()));

  auto claimed = ClaimPods(client_, ds, *selector, pods_.List(ns));
  if (!claimed.ok()) return claimed.status();
  std::map<std::string, std::vector<ObjectPtr>> by_node;
  for (const ObjectPtr& p : *claimed) by_node[DaemonPodNode(*p)].push_back(p);

  struct Plan {
    std::vector<std::string> create;  // node names
    std::vector<ObjectPtr> remove;
  } plan;
  int64_t desired = 0, current = 0, ready = 0, available = 0, updated = 0, misscheduled = 0;
  std::map<std::string, ObjectPtr> node_pod;  // node -> its one live daemon pod (eligible nodes)
  std::set<std::string> seen_nodes;
  for (const ObjectPtr& n : nodes_.List("")) {
    std::string node = client::NameOf(*n);
    seen_nodes.insert(node);
    Json taints = EffectiveTaints(*n);
    const Json& tols = spec["tolerations"];
    bool fits = MatchesNodeSelectorAndAffinity(spec, *n);
    bool should_run = fits && FirstUntoleratedTaint(taints, tols) == nullptr;
    bool keep_running = should_run;
    if (fits && !should_run) {
      // Only NoExecute taints evict a running daemon pod.
      keep_running = true;
      for (const Json& t : taints)
        if (t.value("effect", "") == "NoExecute" && !TolerationsTolerate(tols, t)) keep_running = false;
    }
    std::vector<ObjectPtr> live;
    for (const ObjectPtr& p : by_node[node]) {
      if (client::IsBeingDeleted(*p)) continue;
      if (client::GetString(*p, {"status", "phase"}) == "Failed") {
        plan.remove.push_back(p);
        continue;
      }
      live.push_back(p);
    }
    if (should_run) ++desired;
    if (!keep_running) {
      if (!live.empty()) ++misscheduled;
      for (const ObjectPtr& p : live) plan.remove.push_back(p);
      continue;
    }
    if (live.empty()) {
      bool terminating = by_node[node].size() > 0;  // wait for the old pod to go
      if (should_run && !terminating) plan.create.push_back(node);
      continue;
    }
    // Keep the oldest, delete duplicates.
    std::sort(live.begin(), live.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
      return client::GetString(*a, {"metadata", "creationTimestamp"}) <
             client::GetString(*b, {"metadata", "creationTimestamp"});
    });
    for (size_t i = 1; i < live.size(); ++i) plan.remove.push_back(live[i]);
    const Json& pod = *live[0];
    if (!should_run) {
      ++misscheduled;
      continue;
    }
    ++current;
    node_pod[node] = live[0];
    if (client::IsPodReady(pod)) ++ready;
    if (client::IsPodAvailable(pod, min_ready, now)) ++available;
    if (client::GetString(pod, {"metadata", "labels", kHashLabel}) == hash) ++updated;
  }
  // Pods for nodes that no longer exist.
  for (auto& [node, pods] : by_node)
    if (!seen_nodes.count(node))
      for (const ObjectPtr& p : pods)
        if (!client::IsBeingDeleted(*p)) plan.remove.push_back(p);

  // Rolling update: replace old pods within maxUnavailable.
  std::string strategy = client::GetString(ds, {"spec", "updateStrategy", "type"});
  if (strategy.empty() || strategy == "RollingUpdate") {
    int64_t max_unavailable = 1;
    if (const Json* mu = client::Find(ds, {"spec", "updateStrategy", "rollingUpdate", "maxUnavailable"}))
      if (!deployment::ScaledValue(*mu, desired, true, &max_unavailable)) max_unavailable = 1;
    if (max_unavailable < 1) max_unavailable = 1;
    int64_t unavailable = desired - available;
    for (auto& [node, p] : node_pod) {
      if (client::GetString(*p, {"metadata", "labels", kHashLabel}) == hash) continue;
      if (!client::IsPodAvailable(*p, min_ready, now)) {
        plan.remove.push_back(p);  // already unavailable: replacing costs nothing
      } else if (unavailable < max_unavailable) {
        plan.remove.push_back(p);
        ++unavailable;
      }
    }
  }

  if (expectations_.Satisfied(key) && !client::IsBeingDeleted(ds)) {
    const api::Kind& pods = client::KindOf("", "Pod");
    for (const std::string& node : plan.create) {
      Json pod = PodFromTemplate(ds, tmpl);
      pod["metadata"]["labels"][kHashLabel] = hash;
      pod["metadata"]["labels"][kGenerationLabel] = std::to_string(generation);
      pod["spec"] = spec;
      Json term = {{"matchFields", Json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", {node}}}})}};
      pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] =
          Json::array({term});
      auto r = client_.Create(pods, ns, pod);
      if (!r.ok()) {
        events_.Warning(ds, "FailedCreate", "Error creating: " + r.status().message());
        return r.status();
      }
      expectations_.ExpectCreation(key, client::KeyOf(*r));
      if (pods_.Get(ns, client::NameOf(*r))) expectations_.ObserveCreation(client::KeyOf(*r));
      events_.Normal(ds, "SuccessfulCreate", "Created pod: " + client::NameOf(*r));
    }
    for (const ObjectPtr& p : plan.remove) {
      std::string pk = client::KeyOf(*p);
      expectations_.ExpectDeletion(key, pk);
      client::DeleteOptions opts;
      opts.precondition_uid = client::UidOf(*p);
      auto r = client_.Delete(pods, ns, client::NameOf(*p), opts);
      ObjectPtr cached = pods_.Get(ns, client::NameOf(*p));
      if (!r.ok() || !cached || client::IsBeingDeleted(*cached)) expectations_.ObserveDeletion(pk);
      if (!r.ok()) {
        if (r.status().IsNotFound()) continue;
        events_.Warning(ds, "FailedDelete", "Error deleting: " + r.status().message());
        return r.status();
      }
      events_.Normal(ds, "SuccessfulDelete", "Deleted pod: " + client::NameOf(*p));
    }
  }

  Json status = ds.value("status", Json::object());
  status["desiredNumberScheduled"] = desired;
  status["currentNumberScheduled"] = current;
  status["numberReady"] = ready;
  status["numberAvailable"] = available;
  status["numberUnavailable"] = std::max<int64_t>(0, desired - available);
  status["updatedNumberScheduled"] = updated;
  status["numberMisscheduled"] = misscheduled;
  status["observedGeneration"] = generation;
  for (const char* f : {"numberAvailable", "numberUnavailable", "updatedNumberScheduled"})
    if (status[f] == 0) status.erase(f);
  if (status != ds.value("status", Json::object())) {
    Json next = ds;
    next["status"] = status;
    auto r = client_.Update(DsKind(), ns, next, "status");
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
  }
  if (min_ready > 0 && ready > available) queue_.AddAfter(key, std::chrono::seconds(min_ready));
  return Status::OK();
}

}  // namespace netkube::controllers
