// The rollout strategies and proportional scaling of DeploymentController
// (Kubernetes' rolling.go, recreate.go and sync.go scale()).
#include <algorithm>
#include <cmath>
#include <map>

#include "client/meta.h"
#include "controllers/deployment_controller.h"
#include "controllers/deployment_util.h"

namespace netkube::controllers {

using client::Json;
using namespace deployment;  // NOLINT

namespace {

int64_t SpecOf(const Json& rs) { return client::GetInt(rs, {"spec", "replicas"}, 0); }
int64_t AvailableOf(const Json& rs) { return client::GetInt(rs, {"status", "availableReplicas"}, 0); }
std::string Created(const Json& rs) { return client::GetString(rs, {"metadata", "creationTimestamp"}); }

bool AnnotationInt(const Json& rs, const char* key, int64_t* v) {
  std::string s = client::GetString(rs, {"metadata", "annotations", key});
  if (s.empty()) return false;
  try {
    *v = std::stoll(s);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

bool DeploymentController::IsScalingEvent(const State& st) const {
  int64_t want = Replicas(st.d);
  for (const Json& rs : st.rss) {
    if (SpecOf(rs) <= 0) continue;
    int64_t desired;
    if (AnnotationInt(rs, kDesiredReplicasAnnotation, &desired) && desired != want) return true;
  }
  return false;
}

Status DeploymentController::Scale(State* st) {
  int64_t want = Replicas(st->d);
  std::vector<size_t> active;
  for (size_t i = 0; i < st->rss.size(); ++i)
    if (SpecOf(st->rss[i]) > 0) active.push_back(i);
  // FindActiveOrLatest.
  int target = -1;
  if (active.size() == 1) {
    target = static_cast<int>(active[0]);
  } else if (active.empty() && !st->rss.empty()) {
    target = st->new_rs >= 0 ? st->new_rs : static_cast<int>(st->rss.size()) - 1;  // rss are oldest first
  }
  if (target >= 0 || active.empty()) {
    if (target < 0 || SpecOf(st->rss[target]) == want) return Status::OK();
    auto r = ScaleRs(st, target, want);
    return r.ok() ? Status::OK() : r.status();
  }
  // The new ReplicaSet is saturated: scale the old ones to zero.
  if (const Json* nrs = st->New()) {
    int64_t desired;
    if (AnnotationInt(*nrs, kDesiredReplicasAnnotation, &desired) && desired == want && SpecOf(*nrs) == want &&
        AvailableOf(*nrs) == want) {
      for (size_t i : active)
        if (static_cast<int>(i) != st->new_rs) {
          auto r = ScaleRs(st, i, 0);
          if (!r.ok()) return r.status();
        }
      return Status::OK();
    }
  }
  if (!IsRollingUpdate(st->d)) return Status::OK();
  int64_t all = 0;
  for (size_t i : active) all += SpecOf(st->rss[i]);
  int64_t allowed = want > 0 ? want + MaxSurge(st->d) : 0;
  int64_t to_add = allowed - all;
  // Larger first; ties: newer first when scaling up, older first when down.
  std::sort(active.begin(), active.end(), [&](size_t a, size_t b) {
    const Json &x = st->rss[a], &y = st->rss[b];
    if (SpecOf(x) != SpecOf(y)) return SpecOf(x) > SpecOf(y);
    return to_add > 0 ? Created(x) > Created(y) : Created(x) < Created(y);
  });
  std::map<size_t, int64_t> size;
  int64_t added = 0;
  for (size_t i : active) {
    const Json& rs = st->rss[i];
    int64_t proportion = 0;
    if (to_add != 0 && SpecOf(rs) != 0 && to_add != added) {
      int64_t fraction;
      if (want == 0) {
        fraction = -SpecOf(rs);
      } else {
        int64_t dep_replicas = want + MaxSurge(st->d);
        int64_t annotated;
        if (!AnnotationInt(rs, kMaxReplicasAnnotation, &annotated))
          annotated = client::GetInt(st->d, {"status", "replicas"}, 0);
        if (annotated <= 0) annotated = std::max<int64_t>(all, 1);
        double new_size = static_cast<double>(SpecOf(rs) * dep_replicas) / static_cast<double>(annotated);
        fraction = static_cast<int64_t>(std::llround(new_size)) - SpecOf(rs);
      }
      int64_t left = to_add - added;
      proportion = to_add > 0 ? std::min(fraction, left) : std::max(fraction, left);
    }
    size[i] = SpecOf(rs) + proportion;
    added += proportion;
  }
  for (size_t k = 0; k < active.size(); ++k) {
    size_t i = active[k];
    if (k == 0 && to_add != 0) size[i] = std::max<int64_t>(0, size[i] + to_add - added);
    auto r = ScaleRs(st, i, size[i]);
    if (!r.ok()) return r.status();
  }
  return Status::OK();
}

StatusOr<bool> DeploymentController::ReconcileNew(State* st) {
  if (st->new_rs < 0) return false;
  int64_t want = Replicas(st->d);
  const Json& nrs = st->rss[st->new_rs];
  if (SpecOf(nrs) == want) return false;
  if (SpecOf(nrs) > want) return ScaleRs(st, st->new_rs, want);
  return ScaleRs(st, st->new_rs, NewRSNewReplicas(st->d, st->rss, nrs));
}

StatusOr<bool> DeploymentController::ReconcileOld(State* st) {
  std::vector<size_t> old;  // oldest first (rss is sorted so)
  int64_t old_pods = 0;
  for (size_t i = 0; i < st->rss.size(); ++i)
    if (static_cast<int>(i) != st->new_rs) {
      old.push_back(i);
      old_pods += SpecOf(st->rss[i]);
    }
  if (old_pods == 0) return false;
  int64_t all_pods = SpecReplicas(st->rss);
  int64_t min_available = Replicas(st->d) - MaxUnavailable(st->d);
  int64_t new_unavailable = 0;
  if (const Json* nrs = st->New()) new_unavailable = SpecOf(*nrs) - AvailableOf(*nrs);
  int64_t max_scaled_down = all_pods - min_available - new_unavailable;
  if (max_scaled_down <= 0) return false;
  // First drop old replicas that are not available anyway.
  int64_t cleaned = 0;
  for (size_t i : old) {
    if (cleaned >= max_scaled_down) break;
    const Json& rs = st->rss[i];
    if (SpecOf(rs) == 0 || SpecOf(rs) == AvailableOf(rs)) continue;
    int64_t n = std::min(max_scaled_down - cleaned, SpecOf(rs) - AvailableOf(rs));
    auto r = ScaleRs(st, i, SpecOf(rs) - n);
    if (!r.ok()) return r.status();
    cleaned += n;
  }
  // Then scale down as far as availability allows.
  int64_t available = StatusReplicas(st->rss, "availableReplicas");
  int64_t scaled = 0;
  if (available > min_available) {
    int64_t total = available - min_available;
    for (size_t i : old) {
      if (scaled >= total) break;
      const Json& rs = st->rss[i];
      if (SpecOf(rs) == 0) continue;
      int64_t n = std::min(SpecOf(rs), total - scaled);
      auto r = ScaleRs(st, i, SpecOf(rs) - n);
      if (!r.ok()) return r.status();
      scaled += n;
    }
  }
  return cleaned + scaled > 0;
}

Status DeploymentController::RolloutRolling(State* st) {
  Status s = SyncRevision(st, true);
  if (!s.ok()) return s;
  auto up = ReconcileNew(st);
  if (!up.ok()) return up.status();
  if (*up) return SyncStatus(st, true);
  auto down = ReconcileOld(st);
  if (!down.ok()) return down.status();
  if (*down) return SyncStatus(st, true);
  if (DeploymentComplete(st->d, st->d.value("status", Json::object()))) {
    if (!(s = Cleanup(st)).ok()) return s;
  }
  return SyncStatus(st, true);
}

bool DeploymentController::OldPodsRunning(const State& st) const {
  for (size_t i = 0; i < st.rss.size(); ++i) {
    if (static_cast<int>(i) == st.new_rs) continue;
    if (client::GetInt(st.rss[i], {"status", "replicas"}, 0) > 0) return true;
    for (const client::ObjectPtr& p : pods_.ByIndex(client::kIndexOwnerUid, client::UidOf(st.rss[i]))) {
      std::string phase = client::GetString(*p, {"status", "phase"});
      if (phase != "Failed" && phase != "Succeeded") return true;
    }
  }
  return false;
}

Status DeploymentController::RolloutRecreate(State* st) {
  bool scaled_down = false;
  for (size_t i = 0; i < st->rss.size(); ++i) {
    if (static_cast<int>(i) == st->new_rs || SpecOf(st->rss[i]) == 0) continue;
    auto r = ScaleRs(st, i, 0);
    if (!r.ok()) return r.status();
    scaled_down = scaled_down || *r;
  }
  if (scaled_down || OldPodsRunning(*st)) return SyncStatus(st, true);
  Status s;
  if (st->new_rs < 0 && !(s = SyncRevision(st, true)).ok()) return s;
  if (st->new_rs >= 0) {
    auto r = ScaleRs(st, st->new_rs, Replicas(st->d));
    if (!r.ok()) return r.status();
  }
  if (DeploymentComplete(st->d, st->d.value("status", Json::object()))) {
    if (!(s = Cleanup(st)).ok()) return s;
  }
  return SyncStatus(st, true);
}

}  // namespace netkube::controllers
