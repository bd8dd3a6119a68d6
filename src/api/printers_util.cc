// Helpers shared by the Table printers, and HumanDuration
// (k8s.io/apimachinery/pkg/util/duration rules).
#include <algorithm>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "api/printers_docs.h"
#include "api/printers_internal.h"
#include "api/selector.h"

namespace netkube::api {

std::string HumanDuration(long seconds) {
  // Up to a second of clock skew counts as "now".
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  long minutes = seconds / 60;
  if (minutes < 10) {
    long s = seconds % 60;
    if (s == 0) return std::to_string(minutes) + "m";
    return std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  long hours = seconds / 3600;
  if (hours < 8) {
    long m = minutes % 60;
    if (m == 0) return std::to_string(hours) + "h";
    return std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long h = hours % 24;
    if (h == 0) return std::to_string(hours / 24) + "d";
    return std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long dy = (hours / 24) % 365;
    if (dy == 0) return std::to_string(hours / 24 / 365) + "y";
    return std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

namespace printers {

const json* Find(const json& obj, std::initializer_list<const char*> path) {
  const json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string Str(const json& obj, std::initializer_list<const char*> path) {
  const json* v = Find(obj, path);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

long long Int(const json& obj, std::initializer_list<const char*> path, long long def) {
  const json* v = Find(obj, path);
  if (!v || !v->is_number()) return def;
  return v->is_number_float() ? static_cast<long long>(v->get<double>()) : v->get<long long>();
}

const json& Array(const json& obj, std::initializer_list<const char*> path) {
  static const json kEmpty = json::array();
  const json* v = Find(obj, path);
  return v && v->is_array() ? *v : kEmpty;
}

std::optional<std::time_t> ParseTime(const json* value) {
  if (!value || !value->is_string()) return std::nullopt;
  const std::string& s = value->get_ref<const std::string&>();
  int y, mo, d, h, mi, sec;
  int n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) {
    return std::nullopt;
  }
  size_t i = static_cast<size_t>(n);
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  long offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return timegm(&tm) - offset;
}

std::string DurationSince(std::time_t t, std::time_t now) {
  if (now == kDeferredNow) return "\x01T" + std::to_string(static_cast<long long>(t)) + "\x01";
  return HumanDuration(static_cast<long>(now - t));
}

std::string TimeSince(const json* value, std::time_t now) {
  auto t = ParseTime(value);
  if (!t) return "<unknown>";
  return DurationSince(*t, now);
}

std::string Age(const json& obj, std::time_t now) {
  return TimeSince(Find(obj, {"metadata", "creationTimestamp"}), now);
}

std::string Name(const json& obj) { return Str(obj, {"metadata", "name"}); }

std::string FormatLabels(const json* map) {
  if (!map || !map->is_object() || map->empty()) return "<none>";
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : map->items()) sorted[k] = v.is_string() ? v.get<std::string>() : "";
  std::string out;
  for (const auto& [k, v] : sorted) {
    if (!out.empty()) out += ",";
    out += k + "=" + v;
  }
  return out;
}

std::string FormatLabelSelector(const json* selector) {
  auto sel = LabelSelector::FromJson(selector ? *selector : json());
  if (!sel.ok()) return "<error>";
  std::string s = sel->ToString();
  return s.empty() ? "<none>" : s;
}

void ContainerCells(const json& pod_spec, std::string* names, std::string* images) {
  names->clear();
  images->clear();
  const json& containers = Array(pod_spec, {"containers"});
  for (size_t i = 0; i < containers.size(); ++i) {
    if (i > 0) {
      *names += ",";
      *images += ",";
    }
    *names += Str(containers[i], {"name"});
    *images += Str(containers[i], {"image"});
  }
}

Column NameColumn() { return {"Name", "string", "name", kDocObjectMetaName, 0}; }
Column AgeColumn() { return {"Age", "string", "", kDocObjectMetaCreationTimestamp, 0}; }
Column StringColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "string", "", std::move(description), priority};
}
Column IntColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "integer", "", std::move(description), priority};
}

}  // namespace printers
}  // namespace netkube::api
