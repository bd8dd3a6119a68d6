// Label and field selectors, parsed from the query-string syntax kubectl sends
// (`app=web,tier!=db`, `env in (a,b)`, `!canary`, `release`, `x notin (y)`,
// `metadata.name=foo,status.phase!=Running`) and from metav1.LabelSelector
// objects (matchLabels, matchExpressions).
//
// Pure; thread-safe. Parse errors read like kube-apiserver's
// ("unable to parse requirement: ...", "invalid field selector: ...").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/fields.h"
#include "util/status.h"

namespace netkube::api {

struct Requirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGreaterThan, kLessThan };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
};

class LabelSelector {
 public:
  // Empty selector: matches everything.
  LabelSelector() = default;
  static StatusOr<LabelSelector> Parse(std::string_view text);
  // From a metav1.LabelSelector JSON object, as metav1.LabelSelectorAsSelector:
  // null matches nothing, {} (no matchLabels/matchExpressions) everything.
  static StatusOr<LabelSelector> FromJson(const nlohmann::json& selector);
  // From a plain map (a Service's spec.selector): every key must equal.
  static LabelSelector FromMap(const std::map<std::string, std::string>& m);

  bool Matches(const std::map<std::string, std::string>& labels) const;
  bool Matches(const nlohmann::json& labels) const;  // a JSON object of strings, or null
  bool Empty() const { return reqs_.empty() && !nothing_; }
  std::string ToString() const;  // canonical text form
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  std::vector<Requirement> reqs_;
  bool nothing_ = false;
};

class FieldSelector {
 public:
  FieldSelector() = default;
  // Only =, == and != are allowed, as kube-apiserver does.
  static StatusOr<FieldSelector> Parse(std::string_view text);
  bool Matches(const FieldSet& fields) const;
  bool Empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  std::vector<Requirement> reqs_;
};

}  // namespace netkube::api
