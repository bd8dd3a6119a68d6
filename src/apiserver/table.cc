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

std::string TableListJson(Registry& registry, const api::Kind& kind, const std::vector<StoredObject>& items,
                          const std::string& include_object, const std::string& resource_version,
                          const std::string& continue_token, int64_t remaining) {
  json head = ToTable(kind, {}, include_object, resource_version, continue_token);
  if (remaining > 0) head["metadata"]["remainingItemCount"] = remaining;
  head.erase("rows");
  // The rows are appended as text, from the cached, already serialized cells.
  std::string out = head.dump(-1, ' ', false, json::error_handler_t::replace);
  out.pop_back();  // the closing '}'
  out += ",\"rows\":[";
  std::time_t now = std::time(nullptr);
  bool first = true;
  for (const auto& item : items) {
    auto attrs = registry.Attrs(kind, item);
    if (!first) out += ',';
    first = false;
    out += "{\"cells\":";
    out += api::RenderTimeMarkers(attrs->cells, now);
    if (include_object == "Object") {
      out += ",\"object\":";
      out += *item.json;
    } else if (include_object != "None") {
      out += ",\"object\":";
      out += attrs->partial_metadata;
    }
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace netkube::apiserver
