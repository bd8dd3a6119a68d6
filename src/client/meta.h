// Object metadata helpers shared by the client machinery and the controllers:
// keys ("ns/name"), labels, owner references, conditions, timestamps and
// label-selector matching on metav1.LabelSelector JSON.
//
// Pure; thread-safe (the clock is a plain function pointer set by tests).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace netkube::client {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// "ns/name", or "name" for cluster-scoped objects (empty namespace).
std::string KeyOf(std::string_view ns, std::string_view name);
std::string KeyOf(const Json& obj);
// Splits a key made by KeyOf into namespace and name.
void SplitKey(std::string_view key, std::string* ns, std::string* name);

// metadata fields ("" when absent).
std::string NameOf(const Json& obj);
std::string NamespaceOf(const Json& obj);
std::string UidOf(const Json& obj);
std::string ResourceVersionOf(const Json& obj);
bool IsBeingDeleted(const Json& obj);  // metadata.deletionTimestamp set
bool HasFinalizer(const Json& obj, std::string_view finalizer);
// Removes the finalizer from metadata.finalizers; returns whether it was there.
bool RemoveFinalizer(Json* obj, std::string_view finalizer);

// The ownerReference with controller=true, or nullptr.
const Json* ControllerRefOf(const Json& obj);
// A new ownerReference to `owner` (apiVersion/kind taken from `owner`).
Json MakeOwnerRef(const Json& owner, bool controller, bool block_owner_deletion);

// Matches a metav1.LabelSelector (matchLabels + matchExpressions) against a
// labels object. A null or absent selector matches nothing; an empty selector
// ({}) matches everything. Unknown operators match nothing.
bool SelectorMatches(const Json& selector, const Json& labels);
// Matches the query-string selector syntax ("a=b,c!=d,e in (f),!g,h").
// Returns InvalidArgument-like BadRequest on parse errors.
StatusOr<bool> QuerySelectorMatches(std::string_view query, const Json& labels);
// Field selector ("spec.nodeName=n1,status.phase!=Running") against dotted paths.
StatusOr<bool> FieldSelectorMatches(std::string_view query, const Json& obj);

// Conditions in status.conditions by type; nullptr when absent.
const Json* FindCondition(const Json& obj, std::string_view type);
// Pod readiness: condition Ready is "True".
bool IsPodReady(const Json& pod);
// Ready and has been Ready for at least `min_ready_seconds` at `now`.
bool IsPodAvailable(const Json& pod, int64_t min_ready_seconds, TimePoint now);
// Pods that count: not Succeeded/Failed and not being deleted.
bool IsPodActive(const Json& pod);

// RFC 3339 in UTC with seconds precision ("2024-05-01T10:00:00Z").
std::string FormatTime(TimePoint t);
// Accepts "...Z" with optional fractional seconds; nullopt on parse errors.
std::optional<TimePoint> ParseTime(std::string_view s);

// The clock used for timestamps; tests may replace it. Default: system_clock.
using ClockFn = TimePoint (*)();
TimePoint Now();
void SetClockForTesting(ClockFn fn);  // nullptr restores the system clock

// Reads an int or a numeric string at a json_pointer-like dotted path of an
// object; `def` when absent.
int64_t GetInt(const Json& obj, std::initializer_list<std::string_view> path, int64_t def);
std::string GetString(const Json& obj, std::initializer_list<std::string_view> path);
// Returns a pointer to the value at the path, or nullptr.
const Json* Find(const Json& obj, std::initializer_list<std::string_view> path);

// A random string from the alphabet Kubernetes uses for generated names
// ("bcdfghjklmnpqrstvwxz2456789").
std::string RandomSuffix(size_t n);
// A random RFC 4122 version-4 UUID.
std::string NewUid();

}  // namespace netkube::client
