#include "api/strict.h"

#include <nlohmann/json.hpp>
#include "util/base64.h"

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

const char* JsonTypeWord(const nlohmann::json& v) {
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

// Go's name for the element type of a field.
std::string GoTypeName(const Field& f) {
  switch (f.type) {
    case ValueType::kString: return "string";
    case ValueType::kBool: return "bool";
    case ValueType::kInt32: return "int32";
    case ValueType::kInt64: return "int64";
    case ValueType::kDouble: return "float64";
    case ValueType::kBytes: return "[]uint8";
    case ValueType::kIntOrString: return "intstr.IntOrString";
    case ValueType::kQuantity: return "resource.Quantity";
    case ValueType::kTime: return "v1.Time";
    case ValueType::kMicroTime: return "v1.MicroTime";
    case ValueType::kDuration: return "v1.Duration";
    case ValueType::kRawExtension: return "runtime.RawExtension";
    case ValueType::kObject: {
      auto dot = f.type_name.rfind('.');
      return "v1." + (dot == std::string::npos ? f.type_name : f.type_name.substr(dot + 1));
    }
  }
  return "?";
}

bool ScalarFits(const Field& f, const nlohmann::json& v) {
  if (v.is_null()) return true;  // null decodes to the zero value
  switch (f.type) {
    case ValueType::kString:
    case ValueType::kBytes:
    case ValueType::kTime:
    case ValueType::kMicroTime:
    case ValueType::kDuration: return v.is_string();
    case ValueType::kBool: return v.is_boolean();
    case ValueType::kInt32:
    case ValueType::kInt64: return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
    case ValueType::kDouble: return v.is_number();
    case ValueType::kIntOrString: return v.is_string() || v.is_number_integer();
    case ValueType::kQuantity: return v.is_string() || v.is_number();
    case ValueType::kRawExtension: return true;
    case ValueType::kObject: return v.is_object();
  }
  return true;
}

std::string ShortName(const TypeDef& t) {
  auto dot = t.name.rfind('.');
  return dot == std::string::npos ? t.name : t.name.substr(dot + 1);
}

// `path` is the dotted JSON path from the root, without indexes, as Go prints it.
std::string Mismatch(const TypeDef& type, const nlohmann::json& obj, const std::string& path) {
  for (const auto& [key, value] : obj.items()) {
    const Field* f = type.FindField(key);
    if (f == nullptr || value.is_null()) continue;
    const std::string p = path.empty() ? key : path + "." + key;
    auto fail = [&](const nlohmann::json& v, const std::string& go_type) {
      return std::string("json: cannot unmarshal ") + JsonTypeWord(v) + " into Go struct field " + ShortName(type) +
             "." + p + " of type " + go_type;
    };
    auto check_one = [&](const nlohmann::json& v) -> std::string {
      if (!ScalarFits(*f, v)) return fail(v, GoTypeName(*f));
      if (f->type == ValueType::kBytes && v.is_string()) {
        // []byte is base64 in JSON; Go's decoder names the first bad byte.
        if (auto at = Base64StdCorruptAt(v.get_ref<const std::string&>()))
          return "illegal base64 data at input byte " + std::to_string(*at);
      }
      if (f->type == ValueType::kObject && f->ref != nullptr && v.is_object()) return Mismatch(*f->ref, v, p);
      return "";
    };
    if (f->array) {
      if (!value.is_array()) return fail(value, "[]" + GoTypeName(*f));
      for (const auto& e : value)
        if (std::string m = check_one(e); !m.empty()) return m;
    } else if (f->map) {
      if (!value.is_object()) return fail(value, "map[string]" + GoTypeName(*f));
      for (const auto& [k, v] : value.items())
        if (std::string m = check_one(v); !m.empty()) return m;
    } else if (std::string m = check_one(value); !m.empty()) {
      return m;
    }
  }
  return "";
}

}  // namespace

std::string TypeMismatch(const TypeDef& type, const nlohmann::json& obj) {
  return obj.is_object() ? Mismatch(type, obj, "") : "";
}

void PruneUnknownFields(const TypeDef& type, nlohmann::json& obj) {
  if (obj.is_object()) Prune(type, obj, true);
}

std::vector<std::string> UnknownFields(const TypeDef& type, const nlohmann::json& obj) {
  std::vector<std::string> out;
  if (obj.is_object()) Walk(type, obj, "", true, &out);
  return out;
}

}  // namespace netkube::api
