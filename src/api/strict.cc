#include "api/strict.h"

#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

void Walk(const TypeDef& type, const nlohmann::json& obj, const std::string& prefix, bool root,
          std::vector<std::string>* out);

// Checks one value of `field` (an element when the field is an array or map).
void WalkValue(const Field& field, const nlohmann::json& v, const std::string& path,
               std::vector<std::string>* out) {
  if (field.type == ValueType::kObject && field.ref != nullptr && v.is_object()) {
    Walk(*field.ref, v, path, false, out);
  }
  // Scalars, rawExtension (free-form) and mismatched types are not strict
  // decoding's concern: validation reports type errors.
}

void Walk(const TypeDef& type, const nlohmann::json& obj, const std::string& prefix, bool root,
          std::vector<std::string>* out) {
  for (const auto& [key, value] : obj.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    const Field* f = type.FindField(key);
    if (f == nullptr) {
      if (root && (key == "apiVersion" || key == "kind")) continue;
      out->push_back(path);
      continue;
    }
    if (value.is_null()) continue;
    if (f->array && value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        WalkValue(*f, value[i], path + "[" + std::to_string(i) + "]", out);
      }
    } else if (f->map && value.is_object()) {
      // Map keys are free-form; only object values have fields to check.
      for (const auto& [k, v] : value.items()) WalkValue(*f, v, path + "." + k, out);
    } else if (!f->array && !f->map) {
      WalkValue(*f, value, path, out);
    }
  }
}

}  // namespace

std::vector<std::string> UnknownFields(const TypeDef& type, const nlohmann::json& obj) {
  std::vector<std::string> out;
  if (obj.is_object()) Walk(type, obj, "", true, &out);
  return out;
}

}  // namespace netkube::api
