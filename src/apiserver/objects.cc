#include "apiserver/objects.h"

#include <nlohmann/json.hpp>

namespace netkube::apiserver {

using nlohmann::json;

std::string PodQosClass(const json& pod) {
  bool any = false, guaranteed = true;
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return "BestEffort";
  for (const char* list : {"containers", "initContainers"}) {
    auto cs = spec->find(list);
    if (cs == spec->end() || !cs->is_array()) continue;
    for (const auto& c : *cs) {
      json req = json::object(), lim = json::object();
      if (c.contains("resources") && c["resources"].is_object()) {
        req = c["resources"].value("requests", json::object());
        lim = c["resources"].value("limits", json::object());
      }
      if (!req.is_object()) req = json::object();
      if (!lim.is_object()) lim = json::object();
      if (!req.empty() || !lim.empty()) any = true;
      for (const char* r : {"cpu", "memory"}) {
        // Requests default to limits when only limits are given.
        json want = lim.contains(r) ? lim[r] : json();
        json have = req.contains(r) ? req[r] : want;
        if (want.is_null() || have != want) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

json StatusObject(const Status& s) {
  json j = {{"kind", "Status"},   {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Failure"},
            {"message", s.message()}, {"reason", std::string(s.ReasonString())}, {"code", s.HttpCode()}};
  json details = json::object();
  if (!s.details_name().empty()) details["name"] = s.details_name();
  if (!s.details_group().empty()) details["group"] = s.details_group();
  if (!s.details_kind().empty()) details["kind"] = s.details_kind();
  if (!s.causes().empty()) {
    json causes = json::array();
    for (const auto& c : s.causes()) {
      json cj = json::object();
      if (!c.type.empty()) cj["reason"] = c.type;
      if (!c.message.empty()) cj["message"] = c.message;
      if (!c.field.empty()) cj["field"] = c.field;
      causes.push_back(cj);
    }
    details["causes"] = causes;
  }
  if (!details.empty()) j["details"] = details;
  return j;
}

json SuccessStatus(int code, const std::string& name, const std::string& kind) {
  json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"},
            {"code", code}};
  if (!name.empty() || !kind.empty()) s["details"] = {{"name", name}, {"kind", kind}};
  return s;
}

}  // namespace netkube::apiserver
