// apps/v1 Deployment, ReplicaSet and DaemonSet validation, Kubernetes 1.33
// wording. The selector is immutable on update (apps/v1 strategy rule).
#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

const json& SpecOf(const json& obj) {
  static const json kEmpty = json::object();
  const json* s = GetObject(obj, "spec");
  return s ? *s : kEmpty;
}

// Go's %#v of an intstr.IntOrString.
std::string RenderIntOrString(const json& v) {
  if (v.is_string())
    return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + GoQuote(v.get<std::string>()) + "}";
  int64_t n = v.is_number() ? v.get<int64_t>() : 0;
  return "intstr.IntOrString{Type:0, IntVal:" + std::to_string(n) + ", StrVal:\"\"}";
}

// Percent value of a "NN%" string, or the integer; 0 when neither.
int64_t IntOrPercentValue(const json* v) {
  if (!v) return 0;
  if (v->is_number()) return v->get<int64_t>();
  if (v->is_string() && IsValidPercent(v->get<std::string>()).empty()) {
    std::string s = v->get<std::string>();
    return std::stoll(s.substr(0, s.size() - 1));
  }
  return 0;
}

void ValidatePositiveIntOrPercent(Errors& e, const json* v, const std::string& path) {
  if (!v) return;
  if (v->is_string()) {
    for (const auto& m : IsValidPercent(v->get<std::string>())) e.InvalidRaw(path, RenderIntOrString(*v), m);
  } else if (v->is_number()) {
    if (v->get<int64_t>() < 0) e.Invalid(path, v->get<int64_t>(), kNegativeMsg);
  }
}

void NotMoreThan100Percent(Errors& e, const json* v, const std::string& path) {
  if (!v || !v->is_string() || !IsValidPercent(v->get<std::string>()).empty()) return;
  if (IntOrPercentValue(v) > 100) e.InvalidRaw(path, RenderIntOrString(*v), "must not be greater than 100%");
}

// Selector + template checks shared by Deployment and ReplicaSet
// (ValidatePodTemplateSpecForReplicaSet).
void ValidateSelectorAndTemplate(Errors& e, const json& spec, const char* kind_word, const char* kind_name) {
  const json* sel = GetObject(spec, "selector");
  if (!sel) {
    e.Required("spec.selector");
  } else {
    ValidateLabelSelector(e, *sel, "spec.selector");
    if (SelectorEmpty(*sel))
      e.InvalidRaw("spec.selector", RenderLabelSelector(*sel), std::string("empty selector is invalid for ") + kind_word);
  }
  static const json kEmpty = json::object();
  const json* t = GetObject(spec, "template");
  const json& tmpl = t ? *t : kEmpty;
  const json* tmeta = GetObject(tmpl, "metadata");
  const json* labels = tmeta ? GetObject(*tmeta, "labels") : nullptr;
  bool ok = true;
  bool matches = SelectorMatches(sel, labels, &ok);
  if (!ok) {
    e.InvalidRaw("spec.selector", RenderLabelSelector(*sel), "invalid label selector");
  } else {
    if ((!sel || !SelectorEmpty(*sel)) && !matches)
      e.InvalidRaw("spec.template.metadata.labels", RenderStringMap(labels), "`selector` does not match template `labels`");
    ValidatePodTemplateSpec(e, tmpl, "spec.template");
    const json* ts = GetObject(tmpl, "spec");
    std::string rp = ts ? GetString(*ts, "restartPolicy") : "";
    if (rp != "Always") e.NotSupported("spec.template.spec.restartPolicy", rp, {"Always"});
    if (ts && HasKey(*ts, "activeDeadlineSeconds"))
      e.Forbidden("spec.template.spec.activeDeadlineSeconds",
                  std::string("activeDeadlineSeconds in ") + kind_name + " is not Supported");
  }
}

void ValidateSelectorImmutable(Errors& e, const json& obj, const json* old) {
  if (!old) return;
  const json* sel = Get(SpecOf(obj), "selector");
  const json* old_sel = Get(SpecOf(*old), "selector");
  if (SemanticEqual(sel ? *sel : json(), old_sel ? *old_sel : json())) return;
  e.InvalidRaw("spec.selector", sel ? RenderLabelSelector(*sel) : "\"null\"", kImmutableMsg);
}

void ValidateDeploymentStrategy(Errors& e, const json& spec) {
  static const json kEmpty = json::object();
  const json* s = GetObject(spec, "strategy");
  const json& strategy = s ? *s : kEmpty;
  std::string type = GetString(strategy, "type");
  const json* ru = GetObject(strategy, "rollingUpdate");
  if (type == "Recreate") {
    if (ru) e.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
  } else if (type == "RollingUpdate") {
    if (!ru) {
      e.Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil");
      return;
    }
    const json* mu = Get(*ru, "maxUnavailable");
    const json* ms = Get(*ru, "maxSurge");
    ValidatePositiveIntOrPercent(e, mu, "spec.strategy.rollingUpdate.maxUnavailable");
    ValidatePositiveIntOrPercent(e, ms, "spec.strategy.rollingUpdate.maxSurge");
    if (IntOrPercentValue(mu) == 0 && IntOrPercentValue(ms) == 0)
      e.InvalidRaw("spec.strategy.rollingUpdate.maxUnavailable", RenderIntOrString(mu ? *mu : json(0)),
                   "may not be 0 when `maxSurge` is 0");
    NotMoreThan100Percent(e, mu, "spec.strategy.rollingUpdate.maxUnavailable");
  } else {
    e.NotSupported("spec.strategy", strategy, {"Recreate", "RollingUpdate"});
  }
}

}  // namespace

void ValidateDeployment(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  ValidateNonnegative(e, spec, "replicas", "spec.replicas");
  ValidateSelectorAndTemplate(e, spec, "deployment", "ReplicaSet");
  ValidateDeploymentStrategy(e, spec);
  ValidateNonnegative(e, spec, "minReadySeconds", "spec.minReadySeconds");
  ValidateNonnegative(e, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
  if (auto pds = GetInt(spec, "progressDeadlineSeconds")) {
    ValidateNonnegative(e, spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds");
    if (*pds <= GetInt(spec, "minReadySeconds").value_or(0))
      e.Invalid("spec.progressDeadlineSeconds", *pds, "must be greater than minReadySeconds");
  }
  ValidateSelectorImmutable(e, obj, old);
}

void ValidateReplicaSet(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  ValidateNonnegative(e, spec, "replicas", "spec.replicas");
  ValidateNonnegative(e, spec, "minReadySeconds", "spec.minReadySeconds");
  ValidateSelectorAndTemplate(e, spec, "deployment", "ReplicaSet");
  ValidateSelectorImmutable(e, obj, old);
}

void ValidateDaemonSet(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json& spec = SpecOf(obj);
  const json* sel = GetObject(spec, "selector");
  if (sel) ValidateLabelSelector(e, *sel, "spec.selector");
  static const json kEmpty = json::object();
  const json* t = GetObject(spec, "template");
  const json& tmpl = t ? *t : kEmpty;
  const json* tmeta = GetObject(tmpl, "metadata");
  const json* labels = tmeta ? GetObject(*tmeta, "labels") : nullptr;
  bool ok = true;
  bool matches = SelectorMatches(sel, labels, &ok);
  if (ok && !matches)
    e.InvalidRaw("spec.template.metadata.labels", RenderStringMap(labels), "`selector` does not match template `labels`");
  if (sel && SelectorEmpty(*sel))
    e.InvalidRaw("spec.selector", RenderLabelSelector(*sel), "empty selector is invalid for daemonset");
  ValidatePodTemplateSpec(e, tmpl, "spec.template");
  const json* ts = GetObject(tmpl, "spec");
  std::string rp = ts ? GetString(*ts, "restartPolicy") : "";
  if (rp != "Always") e.NotSupported("spec.template.spec.restartPolicy", rp, {"Always"});
  if (ts && HasKey(*ts, "activeDeadlineSeconds"))
    e.Forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported");
  ValidateNonnegative(e, spec, "minReadySeconds", "spec.minReadySeconds");
  const json* us = GetObject(spec, "updateStrategy");
  std::string type = us ? GetString(*us, "type") : "";
  if (type == "RollingUpdate") {
    const json* ru = GetObject(*us, "rollingUpdate");
    if (!ru) {
      e.Required("spec.updateStrategy.rollingUpdate");
    } else {
      const json* mu = Get(*ru, "maxUnavailable");
      const json* ms = Get(*ru, "maxSurge");
      const std::string p = "spec.updateStrategy.rollingUpdate";
      ValidatePositiveIntOrPercent(e, mu, Child(p, "maxUnavailable"));
      ValidatePositiveIntOrPercent(e, ms, Child(p, "maxSurge"));
      NotMoreThan100Percent(e, mu, Child(p, "maxUnavailable"));
      NotMoreThan100Percent(e, ms, Child(p, "maxSurge"));
      bool has_unavailable = IntOrPercentValue(mu) != 0, has_surge = IntOrPercentValue(ms) != 0;
      if (has_unavailable && has_surge) {
        e.InvalidRaw(Child(p, "maxSurge"), RenderIntOrString(*ms), "may not be set when maxUnavailable is non-zero");
      } else if (!has_unavailable && !has_surge) {
        e.Required(Child(p, "maxUnavailable"), "cannot be 0 when maxSurge is 0");
      }
    }
  } else if (type != "OnDelete") {
    e.NotSupported("spec.updateStrategy", us ? *us : json::object(), {"RollingUpdate", "OnDelete"});
  }
  ValidateNonnegative(e, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
  ValidateSelectorImmutable(e, obj, old);
}

}  // namespace netkube::api::validation
