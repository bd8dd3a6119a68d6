#include "controllers/deployment_controller.h"

#include <algorithm>

#include "client/meta.h"
#include "controllers/deployment_util.h"
#include "controllers/pod_control.h"
#include "util/log.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;
using namespace deployment;  // NOLINT: the helpers are this controller's vocabulary

namespace {

const api::Kind& DeploymentKind() { return client::KindOf("apps", "Deployment"); }
const api::Kind& RsKind() { return client::KindOf("apps", "ReplicaSet"); }

bool OlderFirst(const Json& a, const Json& b) {
  std::string ca = client::GetString(a, {"metadata", "creationTimestamp"});
  std::string cb = client::GetString(b, {"metadata", "creationTimestamp"});
  if (ca != cb) return ca < cb;
  return client::NameOf(a) < client::NameOf(b);
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::vector<Json> DeploymentController::State::Old() const {
  std::vector<Json> out;
  for (size_t i = 0; i < rss.size(); ++i)
    if (static_cast<int>(i) != new_rs) out.push_back(rss[i]);
  return out;
}

DeploymentController::DeploymentController(client::Client& client, client::SharedInformers& informers,
                                           client::EventRecorder& events)
    : Controller("deployment-controller"),
      client_(client),
      deployments_(informers.For(DeploymentKind())),
      rss_(informers.For(RsKind())),
      pods_(informers.For(client::KindOf("", "Pod"))),
      events_(events) {
  deployments_.AddHandler(EnqueueKeys());
  auto on_rs = [this](const ObjectPtr& o) { EnqueueOwnerOfRs(*o); };
  rss_.AddHandler({on_rs, [on_rs](const ObjectPtr&, const ObjectPtr& o) { on_rs(o); }, on_rs});
  // Recreate waits for old pods to be gone.
  pods_.AddHandler({nullptr, nullptr, [this](const ObjectPtr& p) {
                      const Json* ref = client::ControllerRefOf(*p);
                      if (ref == nullptr || ref->value("kind", "") != "ReplicaSet") return;
                      if (ObjectPtr rs = rss_.Get(client::NamespaceOf(*p), ref->value("name", "")))
                        EnqueueOwnerOfRs(*rs);
                    }});
}

void DeploymentController::EnqueueOwnerOfRs(const Json& rs) {
  std::string ns = client::NamespaceOf(rs);
  if (const Json* ref = client::ControllerRefOf(rs)) {
    if (ref->value("kind", "") == "Deployment") queue_.Add(client::KeyOf(ns, ref->value("name", "")));
    return;
  }
  const Json* labels = client::Find(rs, {"metadata", "labels"});
  for (const ObjectPtr& d : deployments_.List(ns))
    if (const Json* sel = client::Find(*d, {"spec", "selector"});
        sel != nullptr && client::SelectorMatches(*sel, labels != nullptr ? *labels : Json()))
      queue_.Add(client::KeyOf(*d));
}

Status DeploymentController::Load(const std::string& ns, const std::string& name, State* st, bool* gone) {
  ObjectPtr d = deployments_.Get(ns, name);
  *gone = !d;
  if (!d) return Status::OK();
  st->d = *d;
  const Json* selector = client::Find(st->d, {"spec", "selector"});
  if (selector == nullptr) return Status::OK();
  auto claimed = ClaimObjects(client_, RsKind(), st->d, *selector, rss_.List(ns));
  if (!claimed.ok()) return claimed.status();
  for (const ObjectPtr& rs : *claimed) st->rss.push_back(*rs);
  std::sort(st->rss.begin(), st->rss.end(), OlderFirst);
  return Status::OK();
}

Status DeploymentController::Sync(const std::string& key) {
  std::string ns, name;
  client::SplitKey(key, &ns, &name);
  State st;
  bool gone = false;
  Status s = Load(ns, name, &st, &gone);
  if (!s.ok() || gone) return s;
  if (client::IsBeingDeleted(st.d)) {
    if (!(s = SyncRevision(&st, false)).ok()) return s;
    return SyncStatus(&st, false);
  }
  if (!(s = CheckPaused(&st)).ok()) return s;
  const Json* paused = client::Find(st.d, {"spec", "paused"});
  if (paused != nullptr && paused->is_boolean() && paused->get<bool>()) {
    if (!(s = SyncRevision(&st, false)).ok()) return s;
    if (!(s = Scale(&st)).ok()) return s;
    if (!(s = Cleanup(&st)).ok()) return s;
    return SyncStatus(&st, false);
  }
  if (!(s = SyncRevision(&st, false)).ok()) return s;
  if (IsScalingEvent(st)) {
    if (!(s = Scale(&st)).ok()) return s;
    return SyncStatus(&st, false);
  }
  return IsRollingUpdate(st.d) ? RolloutRolling(&st) : RolloutRecreate(&st);
}

Status DeploymentController::SetRevisionAnnotation(State* st, int64_t revision) {
  std::string want = std::to_string(revision);
  if (client::GetString(st->d, {"metadata", "annotations", kRevisionAnnotation}) == want) return Status::OK();
  Json next = st->d;
  next["metadata"]["annotations"][kRevisionAnnotation] = want;
  auto r = client_.Update(DeploymentKind(), client::NamespaceOf(next), next);
  if (!r.ok()) return r.status();
  st->d = std::move(*r);
  return Status::OK();
}

namespace {

// Kubernetes' SetNewReplicaSetAnnotations; returns whether `rs` changed.
bool SetNewRsAnnotations(const Json& d, Json* rs, int64_t new_revision, bool exists) {
  Json& ann = (*rs)["metadata"]["annotations"];
  if (!ann.is_object()) ann = Json::object();
  Json before = ann;
  if (const Json* da = client::Find(d, {"metadata", "annotations"}); da != nullptr && da->is_object())
    for (auto it = da->begin(); it != da->end(); ++it)
      if (!SkipCopyAnnotation(it.key())) ann[it.key()] = it.value();
  int64_t old_revision = Revision(*rs);
  if (old_revision < new_revision) {
    ann[kRevisionAnnotation] = std::to_string(new_revision);
    if (old_revision > 0) {
      std::string hist = ann.value(kRevisionHistoryAnnotation, "");
      ann[kRevisionHistoryAnnotation] = hist.empty() ? std::to_string(old_revision)
                                                     : hist + "," + std::to_string(old_revision);
    }
  }
  if (!exists) {
    int64_t want = Replicas(d);
    ann[kDesiredReplicasAnnotation] = std::to_string(want);
    ann[kMaxReplicasAnnotation] = std::to_string(want + MaxSurge(d));
  }
  return ann != before;
}

}  // namespace

Status DeploymentController::SyncRevision(State* st, bool create) {
  const Json* tmpl = client::Find(st->d, {"spec", "template"});
  Json d_template = tmpl != nullptr ? *tmpl : Json::object();
  st->new_rs = -1;
  for (size_t i = 0; i < st->rss.size(); ++i)
    if (EqualIgnoreHash(client::Find(st->rss[i], {"spec", "template"}) ? st->rss[i]["spec"]["template"] : Json(),
                        d_template)) {
      st->new_rs = static_cast<int>(i);
      break;
    }
  int64_t collisions = client::GetInt(st->d, {"status", "collisionCount"}, -1);
  std::string hash = ComputeHash(d_template, collisions);
  if (st->new_rs < 0) {
    // The ReplicaSet this controller created for the current template, even if
    // server-side defaulting made the templates differ in form.
    for (size_t i = 0; i < st->rss.size(); ++i)
      if (client::GetString(st->rss[i], {"metadata", "labels", kPodTemplateHashLabel}) == hash &&
          client::NameOf(st->rss[i]) == client::NameOf(st->d) + "-" + hash) {
        st->new_rs = static_cast<int>(i);
        break;
      }
  }
  int64_t max_old = 0;
  for (size_t i = 0; i < st->rss.size(); ++i)
    if (static_cast<int>(i) != st->new_rs) max_old = std::max(max_old, Revision(st->rss[i]));
  int64_t new_revision = max_old + 1;
  std::string now = client::FormatTime(client::Now());
  std::string ns = client::NamespaceOf(st->d);

  if (st->new_rs >= 0) {
    Json rs = st->rss[st->new_rs];
    bool changed = SetNewRsAnnotations(st->d, &rs, new_revision, true);
    int64_t mrs = client::GetInt(st->d, {"spec", "minReadySeconds"}, 0);
    if (client::GetInt(rs, {"spec", "minReadySeconds"}, 0) != mrs) {
      rs["spec"]["minReadySeconds"] = mrs;
      changed = true;
    }
    if (changed) {
      auto r = client_.Update(RsKind(), ns, rs);
      if (!r.ok()) return r.status();
      st->rss[st->new_rs] = std::move(*r);
    }
    Status s = SetRevisionAnnotation(st, Revision(st->rss[st->new_rs]));
    if (!s.ok()) return s;
    Json status = st->d.value("status", Json::object());
    if (HasProgressDeadline(st->d) && GetCondition(status, "Progressing") == nullptr) {
      SetCondition(&status, NewCondition("Progressing", "True", kFoundNewRSReason,
                                         "Found new replica set " + Quote(client::NameOf(*st->New())), now));
      return WriteStatus(st, status);
    }
    return Status::OK();
  }
  if (!create) return Status::OK();

  Json rs_template = d_template;
  rs_template["metadata"]["labels"][kPodTemplateHashLabel] = hash;
  Json selector = st->d["spec"]["selector"];
  selector["matchLabels"][kPodTemplateHashLabel] = hash;
  Json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", client::NameOf(st->d) + "-" + hash},
               {"namespace", ns},
               {"labels", rs_template["metadata"]["labels"]},
               {"ownerReferences", Json::array({client::MakeOwnerRef(st->d, true, true)})}}},
             {"spec",
              {{"replicas", 0},
               {"minReadySeconds", client::GetInt(st->d, {"spec", "minReadySeconds"}, 0)},
               {"selector", selector},
               {"template", rs_template}}}};
  std::vector<Json> all = st->rss;
  all.push_back(rs);
  int64_t replicas = NewRSNewReplicas(st->d, all, rs);
  rs["spec"]["replicas"] = replicas;
  SetNewRsAnnotations(st->d, &rs, new_revision, false);
  bool already_exists = false;
  auto created = client_.Create(RsKind(), ns, rs);
  if (!created.ok()) {
    if (!created.status().IsAlreadyExists()) return created.status();
    auto existing = client_.Get(RsKind(), ns, client::NameOf(rs));
    if (!existing.ok()) return existing.status();
    const Json* ref = client::ControllerRefOf(*existing);
    const Json* et = client::Find(*existing, {"spec", "template"});
    if (ref != nullptr && ref->value("uid", "") == client::UidOf(st->d) && et != nullptr) {
      // Ours (the cache had not shown it yet).
      created = std::move(existing);
      already_exists = true;
    } else {
      // A hash collision: bump collisionCount so the next hash differs.
      Json status = st->d.value("status", Json::object());
      status["collisionCount"] = std::max<int64_t>(collisions, 0) + 1;
      Status s = WriteStatus(st, status);
      if (!s.ok()) return s;
      return Status::Conflict("hash collision for replica set " + client::NameOf(rs));
    }
  }
  st->rss.push_back(std::move(*created));
  st->new_rs = static_cast<int>(st->rss.size()) - 1;
  const Json& nrs = st->rss.back();
  if (!already_exists && replicas > 0)
    events_.Normal(st->d, "ScalingReplicaSet",
                   "Scaled up replica set " + client::NameOf(nrs) + " from 0 to " + std::to_string(replicas));
  Status s = SetRevisionAnnotation(st, new_revision);
  if (!s.ok()) return s;
  if (!already_exists && HasProgressDeadline(st->d)) {
    Json status = st->d.value("status", Json::object());
    SetCondition(&status, NewCondition("Progressing", "True", kNewRSReason,
                                       "Created new replica set " + Quote(client::NameOf(nrs)), now));
    return WriteStatus(st, status);
  }
  return Status::OK();
}

StatusOr<bool> DeploymentController::ScaleRs(State* st, size_t idx, int64_t replicas) {
  Json rs = st->rss[idx];
  int64_t cur = client::GetInt(rs, {"spec", "replicas"}, 0);
  int64_t want = Replicas(st->d);
  std::string desired = std::to_string(want), max = std::to_string(want + MaxSurge(st->d));
  bool size_changes = cur != replicas;
  bool ann_changes = client::GetString(rs, {"metadata", "annotations", kDesiredReplicasAnnotation}) != desired ||
                     client::GetString(rs, {"metadata", "annotations", kMaxReplicasAnnotation}) != max;
  if (!size_changes && !ann_changes) return false;
  rs["spec"]["replicas"] = replicas;
  rs["metadata"]["annotations"][kDesiredReplicasAnnotation] = desired;
  rs["metadata"]["annotations"][kMaxReplicasAnnotation] = max;
  auto r = client_.Update(RsKind(), client::NamespaceOf(rs), rs);
  if (!r.ok()) return r.status();
  st->rss[idx] = std::move(*r);
  if (size_changes)
    events_.Normal(st->d, "ScalingReplicaSet",
                   std::string("Scaled ") + (replicas > cur ? "up" : "down") + " replica set " + client::NameOf(rs) +
                       " to " + std::to_string(replicas) + " from " + std::to_string(cur));
  return size_changes;
}

Status DeploymentController::Cleanup(State* st) {
  int64_t limit = client::GetInt(st->d, {"spec", "revisionHistoryLimit"}, 10);
  std::vector<Json> old;
  for (const Json& rs : st->Old())
    if (!client::IsBeingDeleted(rs)) old.push_back(rs);
  int64_t diff = static_cast<int64_t>(old.size()) - limit;
  if (diff <= 0) return Status::OK();
  std::sort(old.begin(), old.end(), [](const Json& a, const Json& b) {
    if (Revision(a) != Revision(b)) return Revision(a) < Revision(b);
    return OlderFirst(a, b);
  });
  for (int64_t i = 0; i < diff; ++i) {
    const Json& rs = old[i];
    if (client::GetInt(rs, {"status", "replicas"}, 0) != 0 || client::GetInt(rs, {"spec", "replicas"}, 0) != 0 ||
        client::GetInt(rs, {"metadata", "generation"}, 1) > client::GetInt(rs, {"status", "observedGeneration"}, 0))
      continue;
    client::DeleteOptions opts;
    opts.precondition_uid = client::UidOf(rs);
    auto r = client_.Delete(RsKind(), client::NamespaceOf(rs), client::NameOf(rs), opts);
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
  }
  return Status::OK();
}

Status DeploymentController::CheckPaused(State* st) {
  if (!HasProgressDeadline(st->d)) return Status::OK();
  Json status = st->d.value("status", Json::object());
  const Json* cond = GetCondition(status, "Progressing");
  if (cond != nullptr && cond->value("reason", "") == kTimedOutReason) return Status::OK();
  const Json* p = client::Find(st->d, {"spec", "paused"});
  bool paused = p != nullptr && p->is_boolean() && p->get<bool>();
  bool paused_cond = cond != nullptr && cond->value("reason", "") == kPausedReason;
  std::string now = client::FormatTime(client::Now());
  if (paused && !paused_cond) {
    SetCondition(&status, NewCondition("Progressing", "Unknown", kPausedReason, "Deployment is paused", now));
  } else if (!paused && paused_cond) {
    SetCondition(&status, NewCondition("Progressing", "Unknown", kResumedReason, "Deployment is resumed", now));
  } else {
    return Status::OK();
  }
  return WriteStatus(st, status);
}

Status DeploymentController::WriteStatus(State* st, const Json& status) {
  if (st->d.value("status", Json::object()) == status) return Status::OK();
  Json next = st->d;
  next["status"] = status;
  auto r = client_.Update(DeploymentKind(), client::NamespaceOf(next), next, "status");
  if (!r.ok()) return r.status();
  st->d = std::move(*r);
  return Status::OK();
}

Status DeploymentController::SyncStatus(State* st, bool rollout) {
  client::TimePoint now_tp = client::Now();
  std::string now = client::FormatTime(now_tp);
  std::vector<Json> all = st->All();
  const Json* nrs = st->New();
  Json status = CalculateStatus(st->d, all, nrs, now);
  std::string subject = nrs != nullptr ? "ReplicaSet " + Quote(client::NameOf(*nrs))
                                       : "Deployment " + Quote(client::NameOf(st->d));
  if (rollout) {
    if (!HasProgressDeadline(st->d)) RemoveCondition(&status, "Progressing");
    const Json cur_status = st->d.value("status", Json::object());
    const Json* cur = GetCondition(cur_status, "Progressing");
    bool complete = client::GetInt(status, {"replicas"}, 0) == client::GetInt(status, {"updatedReplicas"}, 0) &&
                    cur != nullptr && cur->value("reason", "") == kNewRSAvailableReason;
    if (HasProgressDeadline(st->d) && !complete) {
      if (DeploymentComplete(st->d, status)) {
        SetCondition(&status, NewCondition("Progressing", "True", kNewRSAvailableReason,
                                           subject + " has successfully progressed.", now));
      } else if (DeploymentProgressing(st->d, status)) {
        Json cond = NewCondition("Progressing", "True", kRSUpdatedReason, subject + " is progressing.", now);
        if (cur != nullptr && cur->value("status", "") == "True")
          cond["lastTransitionTime"] = cur->value("lastTransitionTime", now);
        RemoveCondition(&status, "Progressing");
        SetCondition(&status, cond);
      } else if (DeploymentTimedOut(st->d, status, now_tp)) {
        SetCondition(&status, NewCondition("Progressing", "False", kTimedOutReason,
                                           subject + " has timed out progressing.", now));
      }
    }
  }
  Status s = WriteStatus(st, status);
  if (!s.ok()) return s;
  if (rollout && HasProgressDeadline(st->d) && !DeploymentComplete(st->d, status)) {
    const Json* c = GetCondition(status, "Progressing");
    if (c != nullptr && c->value("reason", "") != kTimedOutReason) {
      auto from = client::ParseTime(c->value("lastUpdateTime", ""));
      int64_t deadline = client::GetInt(st->d, {"spec", "progressDeadlineSeconds"}, 600);
      if (from) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*from + std::chrono::seconds(deadline) -
                                                                          now_tp) +
                    std::chrono::seconds(1);
        queue_.AddAfter(client::KeyOf(st->d), std::max(left, std::chrono::milliseconds(1000)));
      }
    }
  }
  return Status::OK();
}

}  // namespace netkube::controllers
