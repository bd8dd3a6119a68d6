// Validation: the checks kube-apiserver makes on create and update, reported as
// field causes whose `field` paths and messages read like kube-apiserver's:
//   field "metadata.name",
//   message "Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of ..."
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"
#include "util/status.h"

namespace netkube::api {

// Validates `obj` (already defaulted). `old` is the stored object on update
// (immutable fields are checked against it) and nullptr on create.
// Returns the causes; empty means valid. Cause.type is one of FieldValueInvalid,
// FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate,
// FieldValueForbidden, FieldValueTooLong, FieldValueTooMany.
std::vector<Cause> Validate(const Kind& k, const nlohmann::json& obj, const nlohmann::json* old);

// The 422 Status kube-apiserver answers with, e.g.
//   Service "foo" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive
// (several causes are joined as "[cause1, cause2]").
Status InvalidStatus(const Kind& k, const std::string& name, std::vector<Cause> causes);

}  // namespace netkube::api
