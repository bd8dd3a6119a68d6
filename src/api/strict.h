// Strict field checking: finds the fields of an object the schema does not
// know, as kube-apiserver's strict decoding does for fieldValidation=Strict
// (an error) and Warn (warnings).
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/schema.h"

namespace netkube::api {

// The paths of unknown fields, in the form kube-apiserver prints them:
// `unknown field "spec.foo"`, `unknown field "spec.containers[0].bar"`.
// Also reports duplicate fields when the decoder could see them (not here).
std::vector<std::string> UnknownFields(const TypeDef& type, const nlohmann::json& obj);

// The first value whose JSON type the field's Go type cannot take, worded as
// Go's decoder does: "json: cannot unmarshal number into Go struct field
// ConfigMap.data of type string"; "" when every value fits.
std::string TypeMismatch(const TypeDef& type, const nlohmann::json& obj);

// Removes the fields UnknownFields reports, as decoding into the API types does
// when fieldValidation is Warn or Ignore.
void PruneUnknownFields(const TypeDef& type, nlohmann::json& obj);

}  // namespace netkube::api
