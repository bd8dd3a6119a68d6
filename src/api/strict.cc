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

void Prune(const TypeDef& type, nlohmann::json& obj, bool root) {
  for (auto it = obj.begin(); it != obj.end();) {
    const Field* f = type.FindField(it.key());
    if (f == nullptr) {
      if (root && (it.key() == "apiVersion" || it.key() == "kind")) {
        ++it;
        continue;
      }
      it = obj.erase(it);
      continue;
    }
    nlohmann::json& value = it.value();
    if (f->type == ValueType::kObject && f->ref != nullptr) {
      if (f->array && value.is_array()) {
        for (auto& e : value)
          if (e.is_object()) Prune(*f->ref, e, false);
      } else if (f->map && value.is_object()) {
        for (auto& [k, v] : value.items())
          if (v.is_object()) Prune(*f->ref, v, false);
      } else if (!f->array && !f->map && value.is_object()) {
        Prune(*f->ref, value, false);
      }
    }
    ++it;
  }
}

}  // namespace

void PruneUnknownFields(const TypeDef& type, nlohmann::json& obj) {
  if (obj.is_object()) Prune(type, obj, true);
}

std::vector<std::string> UnknownFields(const TypeDef& type, const nlohmann::json& obj) {
  std::vector<std::string> out;
  if (obj.is_object()) Walk(type, obj, "", true, &out);
  return out;
}

}  // namespace netkube::api
