#include "controllers/deployment_util.h"

#include <algorithm>
#include <cmath>

namespace netkube::controllers::deployment {

std::string SafeEncode(const std::string& s) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (unsigned char c : s) out.push_back(kAlphabet[c % kAlphabet.size()]);
  return out;
}

std::string ComputeHash(const Json& pod_template, int64_t collision_count) {
  uint32_t h = 2166136261u;
  auto feed = [&](unsigned char c) {
    h ^= c;
    h *= 16777619u;
  };
  for (unsigned char c : pod_template.dump()) feed(c);
  if (collision_count >= 0) {
    uint32_t cc = static_cast<uint32_t>(collision_count);
    for (int i = 0; i < 4; ++i) feed(static_cast<unsigned char>((cc >> (8 * i)) & 0xff));
  }
  return SafeEncode(std::to_string(h));
}

bool ScaledValue(const Json& v, int64_t total, bool round_up, int64_t* out) {
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  if (!v.is_string()) return false;
  std::string s = v.get<std::string>();
  if (s.empty()) return false;
  if (s.back() != '%') {
    try {
      *out = std::stoll(s);
      return true;
    } catch (...) {
      return false;
    }
  }
  int64_t pct;
  try {
    pct = std::stoll(s.substr(0, s.size() - 1));
  } catch (...) {
    return false;
  }
  double x = static_cast<double>(pct) * static_cast<double>(total) / 100.0;
  *out = static_cast<int64_t>(round_up ? std::ceil(x) : std::floor(x));
  return true;
}

int64_t Replicas(const Json& obj) { return client::GetInt(obj, {"spec", "replicas"}, 1); }

bool IsRollingUpdate(const Json& d) {
  std::string t = client::GetString(d, {"spec", "strategy", "type"});
  return t.empty() || t == "RollingUpdate";
}

void ResolveFenceposts(const Json& d, int64_t* surge, int64_t* unavailable) {
  int64_t replicas = Replicas(d);
  const Json* ru = client::Find(d, {"spec", "strategy", "rollingUpdate"});
  Json ms = "25%", mu = "25%";
  if (ru != nullptr && ru->is_object()) {
    if (ru->contains("maxSurge")) ms = (*ru)["maxSurge"];
    if (ru->contains("maxUnavailable")) mu = (*ru)["maxUnavailable"];
  }
  if (!ScaledValue(ms, replicas, true, surge)) *surge = 0;
  if (!ScaledValue(mu, replicas, false, unavailable)) *unavailable = 0;
  if (*surge == 0 && *unavailable == 0) *unavailable = 1;
}

int64_t MaxSurge(const Json& d) {
  if (!IsRollingUpdate(d)) return 0;
  int64_t s, u;
  ResolveFenceposts(d, &s, &u);
  return s;
}

int64_t MaxUnavailable(const Json& d) {
  if (!IsRollingUpdate(d) || Replicas(d) == 0) return 0;
  int64_t s, u;
  ResolveFenceposts(d, &s, &u);
  return std::min(u, Replicas(d));
}

int64_t Revision(const Json& obj) {
  std::string r = client::GetString(obj, {"metadata", "annotations", kRevisionAnnotation});
  if (r.empty()) return 0;
  try {
    return std::stoll(r);
  } catch (...) {
    return 0;
  }
}

namespace {

// Typed comparison in Kubernetes treats an absent field, null, false, 0, "",
// {} and [] alike (Semantic.DeepEqual over Go structs); so does this form.
bool IsZero(const Json& v) {
  return v.is_null() || (v.is_boolean() && !v.get<bool>()) || (v.is_number() && v == 0) ||
         (v.is_string() && v.get<std::string>().empty()) || (v.is_object() && v.empty()) ||
         (v.is_array() && v.empty());
}

Json Normalize(const Json& v) {
  if (v.is_object()) {
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      Json n = Normalize(it.value());
      if (!IsZero(n)) out[it.key()] = std::move(n);
    }
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const Json& x : v) out.push_back(Normalize(x));
    return out;
  }
  return v;
}

Json WithoutHash(const Json& t) {
  Json c = t.is_null() ? Json::object() : t;
  if (c.contains("metadata") && c["metadata"].is_object()) {
    Json& m = c["metadata"];
    if (m.contains("labels") && m["labels"].is_object()) {
      m["labels"].erase(kPodTemplateHashLabel);
      if (m["labels"].empty()) m.erase("labels");
    }
    if (m.contains("creationTimestamp") && m["creationTimestamp"].is_null()) m.erase("creationTimestamp");
    if (m.empty()) c.erase("metadata");
  }
  return c;
}
}  // namespace

bool EqualIgnoreHash(const Json& a, const Json& b) { return Normalize(WithoutHash(a)) == Normalize(WithoutHash(b)); }

Json NewCondition(const std::string& type, const std::string& status, const std::string& reason,
                  const std::string& message, const std::string& now) {
  return {{"type", type}, {"status", status}, {"lastUpdateTime", now}, {"lastTransitionTime", now},
          {"reason", reason}, {"message", message}};
}

const Json* GetCondition(const Json& status, const std::string& type) {
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const Json& c : status["conditions"])
    if (c.value("type", "") == type) return &c;
  return nullptr;
}

void RemoveCondition(Json* status, const std::string& type) {
  if (!status->contains("conditions") || !(*status)["conditions"].is_array()) return;
  Json keep = Json::array();
  for (const Json& c : (*status)["conditions"])
    if (c.value("type", "") != type) keep.push_back(c);
  (*status)["conditions"] = keep;
}

void SetCondition(Json* status, Json cond) {
  std::string type = cond.value("type", "");
  const Json* cur = GetCondition(*status, type);
  if (cur != nullptr && cur->value("status", "") == cond.value("status", "") &&
      cur->value("reason", "") == cond.value("reason", ""))
    return;
  if (cur != nullptr && cur->value("status", "") == cond.value("status", ""))
    cond["lastTransitionTime"] = cur->value("lastTransitionTime", cond.value("lastTransitionTime", ""));
  RemoveCondition(status, type);
  if (!(*status)["conditions"].is_array()) (*status)["conditions"] = Json::array();
  (*status)["conditions"].push_back(std::move(cond));
}

int64_t SpecReplicas(const std::vector<Json>& rss) {
  int64_t n = 0;
  for (const Json& rs : rss) n += client::GetInt(rs, {"spec", "replicas"}, 0);
  return n;
}

int64_t StatusReplicas(const std::vector<Json>& rss, const char* field) {
  int64_t n = 0;
  for (const Json& rs : rss) n += client::GetInt(rs, {"status", field}, 0);
  return n;
}

Json CalculateStatus(const Json& d, const std::vector<Json>& all_rss, const Json* new_rs, const std::string& now) {
  Json status = d.contains("status") && d["status"].is_object() ? d["status"] : Json::object();
  int64_t available = StatusReplicas(all_rss, "availableReplicas");
  int64_t total = SpecReplicas(all_rss);
  int64_t unavailable = std::max<int64_t>(0, total - available);
  status["observedGeneration"] = client::GetInt(d, {"metadata", "generation"}, 1);
  status["replicas"] = StatusReplicas(all_rss);
  status["updatedReplicas"] = new_rs != nullptr ? client::GetInt(*new_rs, {"status", "replicas"}, 0) : 0;
  status["readyReplicas"] = StatusReplicas(all_rss, "readyReplicas");
  status["availableReplicas"] = available;
  status["unavailableReplicas"] = unavailable;
  for (const char* f : {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"})
    if (status[f] == 0) status.erase(f);
  if (available >= Replicas(d) - MaxUnavailable(d)) {
    SetCondition(&status, NewCondition("Available", "True", kMinAvailableReason, "Deployment has minimum availability.", now));
  } else {
    SetCondition(&status,
                 NewCondition("Available", "False", kMinUnavailableReason, "Deployment does not have minimum availability.", now));
  }
  return status;
}

bool DeploymentComplete(const Json& d, const Json& status) {
  int64_t r = Replicas(d);
  return client::GetInt(status, {"updatedReplicas"}, 0) == r && client::GetInt(status, {"replicas"}, 0) == r &&
         client::GetInt(status, {"availableReplicas"}, 0) == r &&
         client::GetInt(status, {"observedGeneration"}, 0) >= client::GetInt(d, {"metadata", "generation"}, 1);
}

bool DeploymentProgressing(const Json& d, const Json& ns) {
  const Json os = d.contains("status") && d["status"].is_object() ? d["status"] : Json::object();
  auto g = [](const Json& s, const char* f) { return client::GetInt(s, {f}, 0); };
  int64_t old_old = g(os, "replicas") - g(os, "updatedReplicas");
  int64_t new_old = g(ns, "replicas") - g(ns, "updatedReplicas");
  return g(ns, "updatedReplicas") > g(os, "updatedReplicas") || g(ns, "readyReplicas") > g(os, "readyReplicas") ||
         g(ns, "availableReplicas") > g(os, "availableReplicas") || old_old > new_old;
}

bool HasProgressDeadline(const Json& d) {
  const Json* p = client::Find(d, {"spec", "progressDeadlineSeconds"});
  if (p == nullptr) return true;  // defaulted to 600
  return !(p->is_number_integer() && p->get<int64_t>() == 2147483647);
}

bool DeploymentTimedOut(const Json& d, const Json& new_status, client::TimePoint now) {
  if (!HasProgressDeadline(d)) return false;
  const Json* c = GetCondition(new_status, "Progressing");
  if (c == nullptr) return false;
  std::string reason = c->value("reason", "");
  if (reason == kNewRSAvailableReason) return false;
  if (reason == kTimedOutReason) return true;
  auto from = client::ParseTime(c->value("lastUpdateTime", ""));
  if (!from) return false;
  int64_t deadline = client::GetInt(d, {"spec", "progressDeadlineSeconds"}, 600);
  return *from + std::chrono::seconds(deadline) < now;
}

int64_t NewRSNewReplicas(const Json& d, const std::vector<Json>& all_rss, const Json& new_rs) {
  int64_t want = Replicas(d);
  int64_t cur = client::GetInt(new_rs, {"spec", "replicas"}, 0);
  if (!IsRollingUpdate(d)) return want;
  if (cur >= want) return want;
  int64_t max_total = want + MaxSurge(d);
  int64_t current = SpecReplicas(all_rss);
  if (current >= max_total) return cur;
  int64_t up = std::min(max_total - current, want - cur);
  return cur + up;
}

bool SkipCopyAnnotation(const std::string& key) {
  return key == kRevisionAnnotation || key == kRevisionHistoryAnnotation || key == kDesiredReplicasAnnotation ||
         key == kMaxReplicasAnnotation || key == "kubectl.kubernetes.io/last-applied-configuration" ||
         key == "deprecated.deployment.rollback.to";
}

}  // namespace netkube::controllers::deployment
