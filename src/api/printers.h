// Printers: the server-side Table columns kubectl prints for each kind
// (`kubectl get` and `-o wide`), with the same names, order and cell text as a
// real cluster's (e.g. pods: NAME READY STATUS RESTARTS AGE | IP NODE
// NOMINATED NODE READINESS GATES).
//
// Pure; thread-safe.
#pragma once

#include <ctime>
#include <limits>
#include <string>
#include <string_view>
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

// Rows can be computed once and shown at any later time: with `now` ==
// kDeferredNow, TableCells writes every duration up to now (AGE, LAST SEEN,
// "(5m ago)") as a marker ("\x01T<unix seconds>\x01") that RenderTimeMarkers
// turns into the duration up to the real now.
inline constexpr std::time_t kDeferredNow = std::numeric_limits<std::time_t>::min();

// Replaces the time markers in `text` — cells, or their JSON serialization, in
// which the marker reads "\u0001T<unix seconds>\u0001" — by HumanDuration(now - t).
std::string RenderTimeMarkers(std::string_view text, std::time_t now);

// Human duration as kubectl prints it: "5s", "3m2s", "10m", "3h", "2d5h", "40d".
std::string HumanDuration(long seconds);

}  // namespace netkube::api
