#include "api/schema.h"

#include "api/descriptions.h"

#include <nlohmann/json.hpp>

#include "util/log.h"

namespace netkube::api {

// schema.gen.json, compiled in by cmake/embed.cmake.
extern const std::string_view kSchemaJson;

namespace {

bool ParseValueType(std::string_view s, ValueType* out) {
  static const std::pair<std::string_view, ValueType> kTypes[] = {
      {"string", ValueType::kString},
      {"bool", ValueType::kBool},
      {"int32", ValueType::kInt32},
      {"int64", ValueType::kInt64},
      {"double", ValueType::kDouble},
      {"bytes", ValueType::kBytes},
      {"intOrString", ValueType::kIntOrString},
      {"quantity", ValueType::kQuantity},
      {"time", ValueType::kTime},
      {"microTime", ValueType::kMicroTime},
      {"duration", ValueType::kDuration},
      {"rawExtension", ValueType::kRawExtension},
      {"object", ValueType::kObject},
  };
  for (const auto& [name, type] : kTypes) {
    if (s == name) {
      *out = type;
      return true;
    }
  }
  return false;
}

std::vector<std::string> StringList(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end()) {
    for (const auto& v : *it) out.push_back(v.get<std::string>());
  }
  return out;
}

// Fills `field` from one entry of a type's "fields"; false with `error` set on bad input.
bool ParseField(const nlohmann::json& j, Field* field, std::string* error) {
  field->name = j.at("name").get<std::string>();
  const std::string type = j.at("type").get<std::string>();
  if (!ParseValueType(type, &field->type)) {
    *error = "unknown value type \"" + type + "\"";
    return false;
  }
  field->type_name = j.value("ref", "");
  if ((field->type == ValueType::kObject) != !field->type_name.empty()) {
    *error = "\"ref\" must be set exactly when type is object";
    return false;
  }
  field->array = j.value("array", false);
  field->map = j.value("map", false);
  if (field->array && field->map) {
    *error = "both array and map";
    return false;
  }
  field->proto_tag = j.value("tag", 0);
  if (field->proto_tag < 0) {
    *error = "negative protobuf tag";
    return false;
  }
  field->required = j.value("required", false);
  field->embedded = j.value("inline", false);
  if (field->embedded != field->name.empty()) {
    *error = "only embedded (\"inline\") fields have an empty name";
    return false;
  }
  field->patch_strategy = j.value("patchStrategy", "");
  field->patch_merge_key = j.value("patchMergeKey", "");
  field->list_type = j.value("listType", "");
  field->list_map_keys = StringList(j, "listMapKeys");
  field->enum_values = StringList(j, "enum");
  field->description = j.value("description", "");
  return true;
}

}  // namespace

const Field* TypeDef::FindField(std::string_view json_name) const {
  for (const auto& f : fields) {
    if (!f.embedded && f.name == json_name) return &f;
  }
  return nullptr;
}

const Field* TypeDef::FindTag(int tag) const {
  if (tag <= 0) return nullptr;
  for (const auto& f : fields) {
    if (f.proto_tag == tag) return &f;
  }
  return nullptr;
}

void Schema::Describe(const std::vector<FieldDescription>& descriptions) {
  for (const FieldDescription& d : descriptions) {
    auto it = types_.find(d.type);
    if (it == types_.end()) continue;
    if (d.field.empty()) {
      it->second.description = std::string(d.text);
      continue;
    }
    for (Field& f : it->second.fields)
      if (!f.embedded && f.name == d.field) f.description = std::string(d.text);
  }
}

const TypeDef* Schema::Find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

bool Schema::Parse(std::string_view json_text, Schema* out, std::string* error) {
  out->types_.clear();
  std::string where;
  try {
    const auto doc = nlohmann::json::parse(json_text);
    for (const auto& [name, jt] : doc.at("types").items()) {
      where = name;
      TypeDef& t = out->types_[name];
      t.name = name;
      t.description = jt.value("description", "");
      for (const auto& jf : jt.at("fields")) {
        Field f;
        if (!ParseField(jf, &f, error)) {
          *error = name + "." + f.name + ": " + *error;
          out->types_.clear();
          return false;
        }
        t.fields.push_back(std::move(f));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    *error = (where.empty() ? std::string() : where + ": ") + e.what();
    out->types_.clear();
    return false;
  }
  // Resolve references; std::map nodes do not move, so the pointers stay valid.
  for (auto& [name, t] : out->types_) {
    for (auto& f : t.fields) {
      if (f.type != ValueType::kObject) continue;
      auto it = out->types_.find(f.type_name);
      if (it == out->types_.end()) {
        *error = name + "." + f.name + ": dangling reference to " + f.type_name;
        out->types_.clear();
        return false;
      }
      f.ref = &it->second;
    }
  }
  return true;
}

const Schema& Schema::Get() {
  static const Schema* const schema = [] {
    auto* s = new Schema;
    std::string error;
    if (!Parse(kSchemaJson, s, &error)) {
      LOG_FATAL << "the built-in API schema (schema.gen.json) is corrupt: " << error;
    }
    s->Describe(FieldDescriptions());
    return s;
  }();
  return *schema;
}

}  // namespace netkube::api
