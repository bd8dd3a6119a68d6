#include "apiserver/table.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "api/printers.h"

namespace netkube::apiserver {

using nlohmann::json;

bool WantsTable(const std::string& accept) {
  return accept.find("as=Table") != std::string::npos;
}

json ToTable(const api::Kind& kind, const std::vector<const json*>& objects, const std::string& include_object,
             const std::string& resource_version, const std::string& continue_token, bool with_columns) {
  json t = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", json::object()}};
  if (!resource_version.empty()) t["metadata"]["resourceVersion"] = resource_version;
  if (!continue_token.empty()) t["metadata"]["continue"] = continue_token;
  json cols = json::array();
  if (with_columns) {
    for (const auto& c : api::TableColumns(kind)) {
      cols.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                      {"priority", c.priority}});
    }
  }
  t["columnDefinitions"] = cols;
  json rows = json::array();
  std::time_t now = std::time(nullptr);
  for (const json* o : objects) {
    json row = {{"cells", api::TableCells(kind, *o, now)}};
    if (include_object == "Object") {
      row["object"] = *o;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", o->value("metadata", json::object())}};
    }
    rows.push_back(std::move(row));
  }
  t["rows"] = std::move(rows);
  return t;
}

}  // namespace netkube::apiserver
