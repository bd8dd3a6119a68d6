// Object metadata (names, namespace, labels, annotations, ownerReferences,
// finalizers), label selectors and immutability, as apimachinery's
// api/validation and apis/meta/v1/validation check them.
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;

// Name rule with a generateName prefix: a trailing dash is allowed.
std::string MaskTrailingDash(std::string name) {
  if (name.size() > 1 && name.back() == '-') name = name.substr(0, name.size() - 2) + "a";
  return name;
}

bool IsStandardFinalizer(const std::string& f) {
  return f == "kubernetes" || f == "orphan" || f == "foregroundDeletion";
}

void ValidateOwnerReferences(Errors& e, const json& meta) {
  const json* refs = GetArray(meta, "ownerReferences");
  if (!refs) return;
  const std::string path = "metadata.ownerReferences";
  std::string first_controller;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    std::string api_version = GetString(ref, "apiVersion"), kind = GetString(ref, "kind");
    std::string group, version = api_version;
    if (auto slash = api_version.find('/'); slash != std::string::npos) {
      group = api_version.substr(0, slash);
      version = api_version.substr(slash + 1);
    }
    if (version.empty()) e.Invalid(Child(path, "apiVersion"), api_version, "version must not be empty");
    if (kind.empty()) e.Invalid(Child(path, "kind"), kind, "kind must not be empty");
    if (GetString(ref, "name").empty()) e.Invalid(Child(path, "name"), GetString(ref, "name"), "name must not be empty");
    if (GetString(ref, "uid").empty()) e.Invalid(Child(path, "uid"), GetString(ref, "uid"), "uid must not be empty");
    if (group.empty() && version == "v1" && kind == "Event")
      e.Invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner");
    if (GetBool(ref, "controller")) {
      std::string name = kind + "/" + GetString(ref, "name");
      if (!first_controller.empty()) {
        e.Invalid(path, *refs,
                  "Only one reference can have Controller set to true. Found \"true\" in references for " +
                      first_controller + " and " + name);
      } else {
        first_controller = name;
      }
    }
  }
}

void ValidateFinalizers(Errors& e, const json& meta) {
  const json* fins = GetArray(meta, "finalizers");
  if (!fins) return;
  const std::string path = "metadata.finalizers";
  bool orphan = false, foreground = false;
  for (const auto& f : *fins) {
    if (!f.is_string()) continue;
    e.InvalidEach(path, f, IsQualifiedName(f.get<std::string>()));
    orphan = orphan || f == "orphan";
    foreground = foreground || f == "foregroundDeletion";
  }
  if (orphan && foreground) e.Invalid(path, *fins, "finalizer orphan and foregroundDeletion cannot be both set");
}

// validateKubeFinalizerName of the core group, per index.
void ValidateKubeFinalizers(Errors& e, const json& meta) {
  const json* fins = GetArray(meta, "finalizers");
  if (!fins) return;
  for (size_t i = 0; i < fins->size(); ++i) {
    const json& f = (*fins)[i];
    if (!f.is_string()) continue;
    std::string s = f.get<std::string>();
    std::string path = Index("metadata.finalizers", i);
    e.InvalidEach(path, f, IsQualifiedName(s));
    if (s.find('/') == std::string::npos && !IsStandardFinalizer(s))
      e.Invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified");
  }
}

}  // namespace

void ValidateLabels(Errors& e, const json& parent, std::string_view key, const std::string& path) {
  for (const auto& [k, v] : GetStringMap(parent, key)) {
    e.InvalidEach(path, k, IsQualifiedName(k));
    e.InvalidEach(path, v, IsValidLabelValue(v));
  }
}

void ValidateAnnotations(Errors& e, const json& meta, const std::string& path) {
  int64_t total = 0;
  for (const auto& [k, v] : GetStringMap(meta, "annotations")) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    e.InvalidEach(path, k, IsQualifiedName(lower));
    total += static_cast<int64_t>(k.size() + v.size());
  }
  if (total > kTotalAnnotationSizeLimit) e.TooLong(path, kTotalAnnotationSizeLimit);
}

void ValidateObjectMeta(Errors& e, const json& obj, bool namespaced, NameRule rule) {
  static const json kEmpty = json::object();
  const json* m = GetObject(obj, "metadata");
  const json& meta = m ? *m : kEmpty;
  std::string generate = GetString(meta, "generateName");
  if (!generate.empty()) e.InvalidEach("metadata.generateName", generate, ValidateName(rule, MaskTrailingDash(generate)));
  std::string name = GetString(meta, "name");
  if (name.empty()) {
    e.Required("metadata.name", "name or generateName is required");
  } else {
    e.InvalidEach("metadata.name", name, ValidateName(rule, name));
  }
  std::string ns = GetString(meta, "namespace");
  if (namespaced) {
    if (ns.empty()) {
      e.Required("metadata.namespace");
    } else {
      e.InvalidEach("metadata.namespace", ns, IsDNS1123Label(ns));
    }
  } else if (!ns.empty()) {
    e.Forbidden("metadata.namespace", "not allowed on this type");
  }
  ValidateNonnegative(e, meta, "generation", "metadata.generation");
  ValidateLabels(e, meta, "labels", "metadata.labels");
  ValidateAnnotations(e, meta, "metadata.annotations");
  ValidateOwnerReferences(e, meta);
  ValidateFinalizers(e, meta);
  ValidateKubeFinalizers(e, meta);
}

void ValidateImmutable(Errors& e, const json* now, const json* before, const std::string& path) {
  static const json kNull;
  const json& a = now ? *now : kNull;
  const json& b = before ? *before : kNull;
  if (!SemanticEqual(a, b)) e.Invalid(path, a, kImmutableMsg);
}

void ValidateObjectMetaUpdate(Errors& e, const json& obj, const json& old) {
  static const json kEmpty = json::object();
  const json* m = GetObject(obj, "metadata");
  const json* om = GetObject(old, "metadata");
  const json& meta = m ? *m : kEmpty;
  const json& old_meta = om ? *om : kEmpty;

  if (HasKey(old_meta, "deletionTimestamp")) {
    std::set<std::string> before;
    if (const json* f = GetArray(old_meta, "finalizers"))
      for (const auto& x : *f)
        if (x.is_string()) before.insert(x.get<std::string>());
    std::set<std::string> extra;
    if (const json* f = GetArray(meta, "finalizers"))
      for (const auto& x : *f)
        if (x.is_string() && !before.count(x.get<std::string>())) extra.insert(x.get<std::string>());
    if (!extra.empty()) {
      std::string list = "[]string{";
      bool first = true;
      for (const auto& x : extra) {
        list += (first ? "" : ", ") + GoQuote(x);
        first = false;
      }
      e.Forbidden("metadata.finalizers",
                  "no new finalizers can be added if the object is being deleted, found new finalizers " + list + "}");
    }
  }
  auto gen = GetInt(meta, "generation"), old_gen = GetInt(old_meta, "generation");
  if (gen && old_gen && *gen < *old_gen) e.Invalid("metadata.generation", *gen, "must not be decremented");

  // The server carries uid, creationTimestamp and deletion fields over from
  // the stored object when a request leaves them out; compare only when set.
  ValidateImmutable(e, Get(meta, "name"), Get(old_meta, "name"), "metadata.name");
  ValidateImmutable(e, Get(meta, "namespace"), Get(old_meta, "namespace"), "metadata.namespace");
  for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    if (HasKey(meta, f)) ValidateImmutable(e, Get(meta, f), Get(old_meta, f), Child("metadata", f));
  }
  ValidateLabels(e, meta, "labels", "metadata.labels");
  ValidateAnnotations(e, meta, "metadata.annotations");
  ValidateOwnerReferences(e, meta);
  ValidateKubeFinalizers(e, meta);
}

void ValidateNonnegative(Errors& e, const json& obj, std::string_view key, const std::string& path) {
  auto v = GetInt(obj, key);
  if (v && *v < 0) e.Invalid(path, *v, kNegativeMsg);
}

// ---- label selectors ----

void ValidateLabelSelector(Errors& e, const json& selector, const std::string& path) {
  if (!selector.is_object()) return;
  ValidateLabels(e, selector, "matchLabels", Child(path, "matchLabels"));
  const json* exprs = GetArray(selector, "matchExpressions");
  if (!exprs) return;
  for (size_t i = 0; i < exprs->size(); ++i) {
    const json& x = (*exprs)[i];
    std::string p = Index(Child(path, "matchExpressions"), i);
    std::string op = GetString(x, "operator");
    size_t nvalues = ArraySize(x, "values");
    if (op == "In" || op == "NotIn") {
      if (nvalues == 0) e.Required(Child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (nvalues > 0)
        e.Forbidden(Child(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      e.Invalid(Child(p, "operator"), op, "not a valid selector operator");
    }
    std::string key = GetString(x, "key");
    e.InvalidEach(Child(p, "key"), key, IsQualifiedName(key));
    if (const json* values = GetArray(x, "values"))
      for (size_t j = 0; j < values->size(); ++j)
        if ((*values)[j].is_string())
          e.InvalidEach(Index(Child(p, "values"), j), (*values)[j], IsValidLabelValue((*values)[j].get<std::string>()));
  }
}

bool SelectorEmpty(const json& selector) {
  return ArraySize(selector, "matchExpressions") == 0 && GetStringMap(selector, "matchLabels").empty();
}

bool SelectorMatches(const json* selector, const json* labels, bool* ok) {
  *ok = true;
  if (!selector || !selector->is_object()) return false;  // labels.Nothing()
  static const json kEmpty = json::object();
  const json& l = labels && labels->is_object() ? *labels : kEmpty;
  auto label = [&](const std::string& k) -> const json* {
    auto it = l.find(k);
    return it == l.end() || !it->is_string() ? nullptr : &*it;
  };
  bool match = true;
  for (const auto& [k, v] : GetStringMap(*selector, "matchLabels")) {
    if (!IsQualifiedName(k).empty() || !IsValidLabelValue(v).empty()) *ok = false;
    const json* have = label(k);
    if (!have || *have != v) match = false;
  }
  if (const json* exprs = GetArray(*selector, "matchExpressions")) {
    for (const auto& x : *exprs) {
      std::string key = GetString(x, "key"), op = GetString(x, "operator");
      if (!IsQualifiedName(key).empty()) *ok = false;
      std::set<std::string> values;
      if (const json* vs = GetArray(x, "values"))
        for (const auto& v : *vs)
          if (v.is_string()) {
            values.insert(v.get<std::string>());
            if (!IsValidLabelValue(v.get<std::string>()).empty()) *ok = false;
          }
      const json* have = label(key);
      if (op == "In" || op == "NotIn") {
        if (values.empty()) *ok = false;
        bool in = have && values.count(have->get<std::string>());
        if ((op == "In") != in) match = false;
      } else if (op == "Exists" || op == "DoesNotExist") {
        if (!values.empty()) *ok = false;
        if ((op == "Exists") != (have != nullptr)) match = false;
      } else {
        *ok = false;
      }
    }
  }
  return *ok && match;
}

}  // namespace netkube::api::validation
