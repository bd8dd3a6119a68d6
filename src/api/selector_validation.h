// Validation of label selector requirements with kube-apiserver's messages
// (k8s.io/apimachinery labels.NewRequirement and util/validation): label keys
// are qualified names (optional DNS-subdomain prefix + '/' + name of at most 63
// characters), values are empty or name-shaped, at most 63 characters.
//
// Internal to selector.cc and the printers. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/selector.h"
#include "api/validation_util.h"

namespace netkube::api::selector_validation {

// The reasons `key` is not a valid label key; empty when valid.
std::vector<std::string> LabelKeyErrors(std::string_view key);
// The reasons `value` is not a valid label value; empty when valid.
std::vector<std::string> LabelValueErrors(std::string_view value);

// `<path>: Invalid value: "<key>": <reasons>` when `key` is invalid.
std::optional<std::string> ValidateKey(std::string_view key, std::string_view path);

// The aggregated error of labels.NewRequirement for `r` (key, operator arity,
// values), e.g. `values[0][app]: Invalid value: "-bad": a valid label must ...`.
std::optional<std::string> ValidateRequirement(const Requirement& r);

// Go's %q of a string (shared with validation*.cc).
using validation::GoQuote;

}  // namespace netkube::api::selector_validation
