#include "client/meta.h"

#include "api/selector.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>
#include "util/strings.h"

namespace netkube::client {

std::string KeyOf(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string k;
  k.reserve(ns.size() + name.size() + 1);
  k.append(ns).append("/").append(name);
  return k;
}

std::string KeyOf(const Json& obj) { return KeyOf(NamespaceOf(obj), NameOf(obj)); }

void SplitKey(std::string_view key, std::string* ns, std::string* name) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    ns->clear();
    *name = std::string(key);
  } else {
    *ns = std::string(key.substr(0, slash));
    *name = std::string(key.substr(slash + 1));
  }
}

const Json* Find(const Json& obj, std::initializer_list<std::string_view> path) {
  const Json* cur = &obj;
  for (std::string_view p : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(std::string(p));
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

int64_t GetInt(const Json& obj, std::initializer_list<std::string_view> path, int64_t def) {
  const Json* v = Find(obj, path);
  if (v == nullptr) return def;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number()) return static_cast<int64_t>(v->get<double>());
  if (v->is_string()) {
    try {
      return std::stoll(v->get<std::string>());
    } catch (...) {
      return def;
    }
  }
  return def;
}

std::string GetString(const Json& obj, std::initializer_list<std::string_view> path) {
  const Json* v = Find(obj, path);
  if (v == nullptr || !v->is_string()) return "";
  return v->get<std::string>();
}

std::string NameOf(const Json& obj) { return GetString(obj, {"metadata", "name"}); }
std::string NamespaceOf(const Json& obj) { return GetString(obj, {"metadata", "namespace"}); }
std::string UidOf(const Json& obj) { return GetString(obj, {"metadata", "uid"}); }
std::string ResourceVersionOf(const Json& obj) { return GetString(obj, {"metadata", "resourceVersion"}); }

bool IsBeingDeleted(const Json& obj) {
  const Json* t = Find(obj, {"metadata", "deletionTimestamp"});
  return t != nullptr && !t->is_null();
}

bool HasFinalizer(const Json& obj, std::string_view finalizer) {
  const Json* f = Find(obj, {"metadata", "finalizers"});
  if (f == nullptr || !f->is_array()) return false;
  for (const Json& x : *f)
    if (x.is_string() && x.get<std::string>() == finalizer) return true;
  return false;
}

bool RemoveFinalizer(Json* obj, std::string_view finalizer) {
  if (!HasFinalizer(*obj, finalizer)) return false;
  Json& f = (*obj)["metadata"]["finalizers"];
  Json out = Json::array();
  for (const Json& x : f)
    if (!(x.is_string() && x.get<std::string>() == finalizer)) out.push_back(x);
  if (out.empty()) {
    (*obj)["metadata"].erase("finalizers");
  } else {
    f = std::move(out);
  }
  return true;
}

const Json* ControllerRefOf(const Json& obj) {
  const Json* refs = Find(obj, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return nullptr;
  for (const Json& r : *refs)
    if (r.is_object() && r.value("controller", false)) return &r;
  return nullptr;
}

Json MakeOwnerRef(const Json& owner, bool controller, bool block_owner_deletion) {
  return Json{{"apiVersion", owner.value("apiVersion", "")},
              {"kind", owner.value("kind", "")},
              {"name", NameOf(owner)},
              {"uid", UidOf(owner)},
              {"controller", controller},
              {"blockOwnerDeletion", block_owner_deletion}};
}

namespace {

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTopLevel(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == ',' && depth == 0) {
      out.emplace_back(TrimSpace(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.emplace_back(TrimSpace(s.substr(start)));
  return out;
}

}  // namespace

bool SelectorMatches(const Json& selector, const Json& labels) {
  if (!selector.is_object()) return false;
  auto sel = api::LabelSelector::FromJson(selector);
  return sel.ok() && sel->Matches(labels.is_object() ? labels : Json());
}

StatusOr<bool> QuerySelectorMatches(std::string_view query, const Json& labels) {
  auto sel = api::LabelSelector::Parse(query);
  if (!sel.ok()) return sel.status();
  return sel->Matches(labels.is_object() ? labels : Json());
}

StatusOr<bool> FieldSelectorMatches(std::string_view query, const Json& obj) {
  if (TrimSpace(query).empty()) return true;
  for (const std::string& term : SplitTopLevel(query)) {
    size_t p;
    bool negate = false;
    size_t oplen = 1;
    if ((p = term.find("!=")) != std::string::npos) {
      negate = true;
      oplen = 2;
    } else if ((p = term.find("==")) != std::string::npos) {
      oplen = 2;
    } else if ((p = term.find('=')) == std::string::npos) {
      return Status::BadRequest("invalid field selector: \"" + term + "\"");
    }
    std::string field(TrimSpace(term.substr(0, p)));
    std::string want(TrimSpace(term.substr(p + oplen)));
    const Json* cur = &obj;
    size_t start = 0;
    while (cur != nullptr && start <= field.size()) {
      size_t dot = field.find('.', start);
      std::string part = field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      cur = (cur->is_object() && cur->contains(part)) ? &(*cur)[part] : nullptr;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string have;
    if (cur != nullptr) {
      if (cur->is_string()) have = cur->get<std::string>();
      else if (cur->is_boolean()) have = cur->get<bool>() ? "true" : "false";
      else if (!cur->is_null()) have = cur->dump();
    }
    if ((have == want) == negate) return false;
  }
  return true;
}

const Json* FindCondition(const Json& obj, std::string_view type) {
  const Json* conds = Find(obj, {"status", "conditions"});
  if (conds == nullptr || !conds->is_array()) return nullptr;
  for (const Json& c : *conds)
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

bool IsPodReady(const Json& pod) {
  const Json* c = FindCondition(pod, "Ready");
  return c != nullptr && c->value("status", "") == "True";
}

bool IsPodAvailable(const Json& pod, int64_t min_ready_seconds, TimePoint now) {
  if (!IsPodReady(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  const Json* c = FindCondition(pod, "Ready");
  auto t = ParseTime(c->value("lastTransitionTime", ""));
  if (!t) return false;
  return *t + std::chrono::seconds(min_ready_seconds) <= now;
}

bool IsPodActive(const Json& pod) {
  std::string phase = GetString(pod, {"status", "phase"});
  return phase != "Succeeded" && phase != "Failed" && !IsBeingDeleted(pod);
}

std::string FormatTime(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<TimePoint> ParseTime(std::string_view s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

namespace {
std::atomic<ClockFn> g_clock{nullptr};
}  // namespace

TimePoint Now() {
  ClockFn fn = g_clock.load();
  return fn != nullptr ? fn() : std::chrono::system_clock::now();
}

void SetClockForTesting(ClockFn fn) { g_clock.store(fn); }

namespace {
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}
}  // namespace

std::string RandomSuffix(size_t n) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  std::uniform_int_distribution<size_t> dist(0, kAlphabet.size() - 1);
  for (size_t i = 0; i < n; ++i) s.push_back(kAlphabet[dist(Rng())]);
  return s;
}

std::string NewUid() {
  std::uniform_int_distribution<int> dist(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      s.push_back('-');
    } else if (i == 14) {
      s.push_back('4');
    } else if (i == 19) {
      s.push_back(kHex[8 + dist(Rng()) % 4]);
    } else {
      s.push_back(kHex[dist(Rng())]);
    }
  }
  return s;
}

}  // namespace netkube::client
