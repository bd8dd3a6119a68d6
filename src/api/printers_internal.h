// Shared pieces of the server-side Table printers (printers_*.cc): JSON field
// access, timestamps, the common cell formats, and one Printer per kind.
//
// Every printer yields all its cells, -o wide ones included: kube-apiserver
// generates Tables with Wide=true and kubectl hides priority-1 columns itself.
//
// Pure; thread-safe.
#pragma once

#include <ctime>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/printers.h"

namespace netkube::api::printers {

using nlohmann::json;

// The value at a path of object keys, or nullptr when any step is missing.
const json* Find(const json& obj, std::initializer_list<const char*> path);
// The string at `path`; "" when absent or not a string.
std::string Str(const json& obj, std::initializer_list<const char*> path);
// The integer at `path`; `def` when absent or not a number.
long long Int(const json& obj, std::initializer_list<const char*> path, long long def = 0);
// The array at `path`, or an empty array.
const json& Array(const json& obj, std::initializer_list<const char*> path);

// Seconds since the epoch of an RFC 3339 time ("2024-05-01T10:00:00Z",
// fractional seconds and offsets allowed); nullopt when absent or malformed.
std::optional<std::time_t> ParseTime(const json* value);
// HumanDuration(now - t), or a time marker when now is kDeferredNow.
std::string DurationSince(std::time_t t, std::time_t now);
// DurationSince(value), or "<unknown>" when `value` is absent/unparsable.
std::string TimeSince(const json* value, std::time_t now);
// The Age cell: TimeSince(metadata.creationTimestamp).
std::string Age(const json& obj, std::time_t now);
std::string Name(const json& obj);

// "k1=v1,k2=v2" sorted by key, "<none>" when empty (labels.FormatLabels).
std::string FormatLabels(const json* map);
// metav1.FormatLabelSelector: the selector's canonical text, "<none>" when it
// selects everything or nothing, "<error>" when invalid.
std::string FormatLabelSelector(const json* selector);
// Container names and images joined by "," (layoutContainerCells).
void ContainerCells(const json& pod_spec, std::string* names, std::string* images);

// Column helpers.
Column NameColumn();
Column AgeColumn();
Column StringColumn(std::string name, std::string description, int priority = 0);
Column IntColumn(std::string name, std::string description, int priority = 0);

// One kind's printer.
struct Printer {
  const char* group;
  const char* kind;
  std::vector<Column> (*columns)();
  json (*cells)(const json& obj, std::time_t now);
};

// printers_core.cc
std::vector<Column> PodColumns();
json PodCells(const json& obj, std::time_t now);
std::vector<Column> ServiceColumns();
json ServiceCells(const json& obj, std::time_t now);
std::vector<Column> EndpointsColumns();
json EndpointsCells(const json& obj, std::time_t now);
std::vector<Column> NodeColumns();
json NodeCells(const json& obj, std::time_t now);
std::vector<Column> NamespaceColumns();
json NamespaceCells(const json& obj, std::time_t now);
std::vector<Column> ResourceQuotaColumns();
json ResourceQuotaCells(const json& obj, std::time_t now);
std::vector<Column> ConfigMapColumns();
json ConfigMapCells(const json& obj, std::time_t now);
std::vector<Column> SecretColumns();
json SecretCells(const json& obj, std::time_t now);
std::vector<Column> ServiceAccountColumns();
json ServiceAccountCells(const json& obj, std::time_t now);
std::vector<Column> EventColumns();
json EventCells(const json& obj, std::time_t now);

// printers_apps.cc
std::vector<Column> DeploymentColumns();
json DeploymentCells(const json& obj, std::time_t now);
std::vector<Column> ReplicaSetColumns();
json ReplicaSetCells(const json& obj, std::time_t now);
std::vector<Column> DaemonSetColumns();
json DaemonSetCells(const json& obj, std::time_t now);

// printers_networking.cc
std::vector<Column> EndpointSliceColumns();
json EndpointSliceCells(const json& obj, std::time_t now);
std::vector<Column> IngressColumns();
json IngressCells(const json& obj, std::time_t now);
std::vector<Column> IngressClassColumns();
json IngressClassCells(const json& obj, std::time_t now);
std::vector<Column> NetworkPolicyColumns();
json NetworkPolicyCells(const json& obj, std::time_t now);
std::vector<Column> LeaseColumns();
json LeaseCells(const json& obj, std::time_t now);

}  // namespace netkube::api::printers
