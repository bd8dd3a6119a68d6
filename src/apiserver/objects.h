// Small facts derived from objects that several API server files need.
// Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace netkube::apiserver {

// The pod's QoS class as kube-apiserver computes it: "Guaranteed" when every
// container has equal, non-empty cpu and memory requests and limits;
// "BestEffort" when no container has any request or limit; else "Burstable".
std::string PodQosClass(const nlohmann::json& pod);

// The metav1.Status object kube-apiserver answers an error with: kind Status,
// status Failure, message, reason, code, and details (name, group, kind,
// causes) when the Status carries them.
nlohmann::json StatusObject(const Status& s);

// A Status object body: {"kind":"Status","apiVersion":"v1","metadata":{},
// "status":"Success","code":code} (plus details name/kind when given).
nlohmann::json SuccessStatus(int code, const std::string& name = "", const std::string& kind = "");

}  // namespace netkube::apiserver
