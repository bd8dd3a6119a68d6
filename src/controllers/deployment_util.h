// Pure helpers of the Deployment controller, following Kubernetes'
// deployment util semantics: the pod-template hash, maxSurge/maxUnavailable
// resolution, revisions, conditions, status and rollout arithmetic.
//
// All functions are pure and thread-safe. Objects are JSON trees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/meta.h"

namespace netkube::controllers::deployment {

using client::Json;

inline constexpr char kRevisionAnnotation[] = "deployment.kubernetes.io/revision";
inline constexpr char kRevisionHistoryAnnotation[] = "deployment.kubernetes.io/revision-history";
inline constexpr char kDesiredReplicasAnnotation[] = "deployment.kubernetes.io/desired-replicas";
inline constexpr char kMaxReplicasAnnotation[] = "deployment.kubernetes.io/max-replicas";
inline constexpr char kPodTemplateHashLabel[] = "pod-template-hash";

// Condition reasons, as Kubernetes writes them.
inline constexpr char kNewRSReason[] = "NewReplicaSetCreated";
inline constexpr char kFoundNewRSReason[] = "FoundNewReplicaSet";
inline constexpr char kRSUpdatedReason[] = "ReplicaSetUpdated";
inline constexpr char kNewRSAvailableReason[] = "NewReplicaSetAvailable";
inline constexpr char kTimedOutReason[] = "ProgressDeadlineExceeded";
inline constexpr char kPausedReason[] = "DeploymentPaused";
inline constexpr char kResumedReason[] = "DeploymentResumed";
inline constexpr char kMinAvailableReason[] = "MinimumReplicasAvailable";
inline constexpr char kMinUnavailableReason[] = "MinimumReplicasUnavailable";

// FNV-32a over the template's canonical JSON (keys sorted) followed by the
// collision count (4 bytes, little endian) when >= 0, written as the decimal
// value encoded with Kubernetes' safe alphabet "bcdfghjklmnpqrstvwxz2456789".
std::string ComputeHash(const Json& pod_template, int64_t collision_count);
// Maps each character c of `s` to alphabet[c % 27], as rand.SafeEncodeString.
std::string SafeEncode(const std::string& s);

// An IntOrString (5 or "25%") scaled against `total`; percentages round up or
// down. Returns false on malformed values.
bool ScaledValue(const Json& v, int64_t total, bool round_up, int64_t* out);

int64_t Replicas(const Json& obj);  // spec.replicas (default 1)
bool IsRollingUpdate(const Json& d);
// maxSurge rounded up, maxUnavailable rounded down (defaults 25%); when both
// are 0, maxUnavailable is 1.
void ResolveFenceposts(const Json& d, int64_t* surge, int64_t* unavailable);
int64_t MaxSurge(const Json& d);        // 0 unless RollingUpdate
int64_t MaxUnavailable(const Json& d);  // 0 unless RollingUpdate; at most replicas

// The revision annotation of an object (0 when absent or malformed).
int64_t Revision(const Json& obj);
// Whether two pod templates are equal ignoring the pod-template-hash label,
// with absent, null and zero values ({}, [], "", 0, false) alike, as
// Kubernetes compares typed templates.
bool EqualIgnoreHash(const Json& a, const Json& b);

// Conditions (status.conditions of a Deployment).
Json NewCondition(const std::string& type, const std::string& status, const std::string& reason,
                  const std::string& message, const std::string& now);
const Json* GetCondition(const Json& status, const std::string& type);
// Kubernetes' SetDeploymentCondition: no-op when status and reason are
// unchanged; keeps lastTransitionTime when only the reason changes.
void SetCondition(Json* status, Json cond);
void RemoveCondition(Json* status, const std::string& type);

// Sums over ReplicaSets.
int64_t SpecReplicas(const std::vector<Json>& rss);
int64_t StatusReplicas(const std::vector<Json>& rss, const char* field = "replicas");

// The status fields computed from the ReplicaSets (observedGeneration,
// replicas, updatedReplicas, readyReplicas, availableReplicas,
// unavailableReplicas, the Available condition), keeping the other conditions
// of the deployment's current status.
Json CalculateStatus(const Json& d, const std::vector<Json>& all_rss, const Json* new_rs, const std::string& now);

bool DeploymentComplete(const Json& d, const Json& status);
bool DeploymentProgressing(const Json& d, const Json& new_status);
bool DeploymentTimedOut(const Json& d, const Json& new_status, client::TimePoint now);
bool HasProgressDeadline(const Json& d);

// The replica count the new ReplicaSet should scale to now.
int64_t NewRSNewReplicas(const Json& d, const std::vector<Json>& all_rss, const Json& new_rs);

// Deployment annotations copied to its ReplicaSets (all but the ones the
// controller owns and kubectl's last-applied-configuration).
bool SkipCopyAnnotation(const std::string& key);

}  // namespace netkube::controllers::deployment
