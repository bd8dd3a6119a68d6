// Printers: the server-side Table columns kubectl prints for each kind
// (`kubectl get` and `-o wide`), with the same names, order and cell text as a
// real cluster's (e.g. pods: NAME READY STATUS RESTARTS AGE | IP NODE
// NOMINATED NODE READINESS GATES).
//
// Pure; thread-safe.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"

namespace netkube::api {

// metav1.TableColumnDefinition.
struct Column {
  std::string name;         // "Name", "Ready", "Status", ...
  std::string type;         // "string", "integer", "date", ...
  std::string format;       // "name" for the Name column, else usually ""
  std::string description;
  int priority = 0;         // 1 = only with -o wide
};

// The columns for kind `k`. Kinds without a printer get kube-apiserver's
// default table: Name and "Created At" (type date, an RFC 3339 cell).
const std::vector<Column>& TableColumns(const Kind& k);

// The cells of one row for `obj`, one per column. `now` is the reference time for
// AGE-style cells (kubectl prints the duration from creationTimestamp to now).
nlohmann::json TableCells(const Kind& k, const nlohmann::json& obj, std::time_t now);

// Human duration as kubectl prints it: "5s", "3m2s", "10m", "3h", "2d5h", "40d".
std::string HumanDuration(long seconds);

}  // namespace netkube::api
