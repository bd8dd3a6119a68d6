// The Pod kind: create validation and the update rules (most of the pod spec
// is immutable; images, activeDeadlineSeconds, added tolerations and removed
// scheduling gates may change).
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

constexpr std::string_view kUpdatableFields =
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
    "was previously negative)";

const json& SpecOf(const json& obj) {
  static const json kEmpty = json::object();
  const json* s = GetObject(obj, "spec");
  return s ? *s : kEmpty;
}

void ValidateImageWhitespace(Errors& e, const json& spec, const char* list) {
  const json* cs = GetArray(spec, list);
  if (!cs) return;
  for (size_t i = 0; i < cs->size(); ++i) {
    std::string image = GetString((*cs)[i], "image");
    size_t b = image.find_first_not_of(" \t\n\r\f\v");
    bool trimmed = image.empty() || (b == 0 && image.find_last_not_of(" \t\n\r\f\v") == image.size() - 1);
    if (!trimmed)
      e.Invalid(Child(Index(Child("spec", list), i), "image"), image, "must not have leading or trailing whitespace");
  }
}

void ValidatePodCreate(Errors& e, const json& obj) {
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  PodOptions opts;
  opts.resource_is_pod = true;
  ValidatePodSpec(e, spec, "spec", opts);
  ValidateImageWhitespace(e, spec, "containers");
  ValidateImageWhitespace(e, spec, "initContainers");
}

// ValidateContainerUpdates; returns true when validation must stop.
bool ValidateContainerUpdates(Errors& e, const json& spec, const json& old_spec, const char* list) {
  size_t n = ArraySize(spec, list), old_n = ArraySize(old_spec, list);
  std::string path = Child("spec", list);
  if (n != old_n) {
    e.Forbidden(path, "pod updates may not add or remove containers");
    return true;
  }
  if (n == 0) return false;
  const json& cs = *GetArray(spec, list);
  for (size_t i = 0; i < n; ++i) {
    std::string image = GetString(cs[i], "image");
    if (image.empty()) e.Required(Child(Index(path, i), "image"));
  }
  return false;
}

bool TolerationEqualIgnoringSeconds(json a, json b) {
  if (a.is_object()) a.erase("tolerationSeconds");
  if (b.is_object()) b.erase("tolerationSeconds");
  return SemanticEqual(a, b);
}

std::string SpecDiff(const json& old_spec, const json& new_spec) {
  std::set<std::string> keys;
  for (auto it = old_spec.begin(); it != old_spec.end(); ++it) keys.insert(it.key());
  for (auto it = new_spec.begin(); it != new_spec.end(); ++it) keys.insert(it.key());
  std::string out = "  v1.PodSpec{\n";
  static const json kNull;
  for (const auto& k : keys) {
    const json& a = old_spec.contains(k) ? old_spec[k] : kNull;
    const json& b = new_spec.contains(k) ? new_spec[k] : kNull;
    if (SemanticEqual(a, b)) continue;
    out += "- \t" + k + ": " + a.dump(-1, ' ', false, json::error_handler_t::replace) + ",\n";
    out += "+ \t" + k + ": " + b.dump(-1, ' ', false, json::error_handler_t::replace) + ",\n";
  }
  return out + "  }\n";
}

void ValidatePodUpdate(Errors& e, const json& obj, const json& old) {
  ValidateObjectMetaUpdate(e, obj, old);
  ValidatePodCreate(e, obj);
  const json& spec = SpecOf(obj);
  const json& old_spec = SpecOf(old);

  if (ValidateContainerUpdates(e, spec, old_spec, "containers")) return;
  if (ValidateContainerUpdates(e, spec, old_spec, "initContainers")) return;

  auto ads = GetInt(spec, "activeDeadlineSeconds"), old_ads = GetInt(old_spec, "activeDeadlineSeconds");
  if (ads) {
    if (*ads < 0 || *ads > 2147483647) {
      e.Invalid("spec.activeDeadlineSeconds", *ads, InclusiveRangeError(0, 2147483647));
      return;
    }
    if (old_ads && *old_ads < *ads) {
      e.Invalid("spec.activeDeadlineSeconds", *ads, "must be less than or equal to previous value");
      return;
    }
  } else if (old_ads) {
    e.Invalid("spec.activeDeadlineSeconds", nullptr, "must not update from a positive integer to nil value");
  }

  if (const json* old_tols = GetArray(old_spec, "tolerations")) {
    const json* tols = GetArray(spec, "tolerations");
    for (const auto& ot : *old_tols) {
      bool found = false;
      if (tols)
        for (const auto& t : *tols) found = found || TolerationEqualIgnoringSeconds(ot, t);
      if (!found) {
        e.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds");
        break;
      }
    }
  }

  if (SemanticEqual(spec, old_spec)) return;
  // Munge the updatable fields back to their old values, then compare.
  json munged = spec;
  for (const char* list : {"containers", "initContainers"}) {
    if (!munged.contains(list) || !munged[list].is_array()) continue;
    const json* old_list = GetArray(old_spec, list);
    for (size_t i = 0; i < munged[list].size(); ++i) {
      if (!munged[list][i].is_object()) continue;
      if (old_list && i < old_list->size() && (*old_list)[i].contains("image")) {
        munged[list][i]["image"] = (*old_list)[i]["image"];
      } else {
        munged[list][i].erase("image");
      }
    }
  }
  for (const char* f : {"activeDeadlineSeconds", "schedulingGates", "tolerations"}) {
    munged.erase(f);
    if (const json* v = Get(old_spec, f)) munged[f] = *v;
  }
  auto old_grace = GetInt(old_spec, "terminationGracePeriodSeconds");
  auto grace = GetInt(munged, "terminationGracePeriodSeconds");
  if (old_grace && *old_grace < 0 && grace && *grace == 1) munged["terminationGracePeriodSeconds"] = *old_grace;
  if (!SemanticEqual(munged, old_spec))
    e.Forbidden("spec", "pod updates may not change fields other than " + std::string(kUpdatableFields) + "\n" +
                            SpecDiff(old_spec, munged));
}

}  // namespace

void ValidatePod(Errors& e, const json& obj, const json* old) {
  if (old) {
    ValidatePodUpdate(e, obj, *old);
  } else {
    ValidatePodCreate(e, obj);
  }
}

}  // namespace netkube::api::validation
