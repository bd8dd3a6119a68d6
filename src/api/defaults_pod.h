// Private to defaults*.cc: the pod spec defaults shared by Pods and the pod
// templates of Deployments, ReplicaSets and DaemonSets.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace netkube::api::defaults {

// SetDefaults_PodSpec and the container, probe, port and volume defaults.
// REQUIRES: spec is a JSON object.
void DefaultPodSpec(nlohmann::json& spec);
// Defaults only a Pod (not a template) gets, from SetDefaults_Pod and the
// admission plugins every cluster runs: enableServiceLinks, requests from
// limits, serviceAccountName "default", priority 0, preemptionPolicy, and the
// not-ready/unreachable NoExecute tolerations of 300s.
void DefaultPodOnly(nlohmann::json& spec);
// imagePullPolicy for an image reference: Always for ":latest" or no tag,
// IfNotPresent otherwise (digests included).
const char* DefaultPullPolicy(const std::string& image);

}  // namespace netkube::api::defaults
