// The /openapi/v2 document in protobuf, as kubectl 1.27 and 1.28 ask for it
// (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf): the
// message openapi.v2.Document of gnostic's OpenAPIv2.proto. Only the parts of
// the schema that OpenApiV2() produces are encoded. Vendor extensions and enum
// values are Any{yaml = 2} holding the value as JSON text (JSON is YAML).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "api/openapi.h"
#include "util/log.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

class Pb {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void Bytes(int field, const std::string& s) {
    Varint(static_cast<uint64_t>(field) << 3 | 2);
    Varint(s.size());
    out_ += s;
  }
  void String(int field, const json& j, const char* key) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) Bytes(field, it->get<std::string>());
  }
  void Strings(int field, const json& j, const char* key) {
    if (auto it = j.find(key); it != j.end())
      for (const auto& s : *it) Bytes(field, s.get<std::string>());
  }
  void Bool(int field, const json& j, const char* key) {
    if (auto it = j.find(key); it != j.end() && it->is_boolean() && it->get<bool>()) {
      Varint(static_cast<uint64_t>(field) << 3);
      Varint(1);
    }
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// NamedAny{name = 1, value = 2: Any{yaml = 2}}.
std::string NamedAny(const std::string& name, const json& value) {
  Pb any;
  any.Bytes(2, value.dump());
  Pb p;
  p.Bytes(1, name);
  p.Bytes(2, any.str());
  return p.str();
}

void VendorExtensions(Pb* p, int field, const json& j) {
  for (const auto& [k, v] : j.items())
    if (k.rfind("x-", 0) == 0) p->Bytes(field, NamedAny(k, v));
}

std::string Schema(const json& s) {
  Pb p;
  p.String(1, s, "$ref");
  p.String(2, s, "format");
  p.String(4, s, "description");
  p.Bool(16, s, "uniqueItems");
  p.Strings(19, s, "required");
  if (auto it = s.find("enum"); it != s.end()) {
    for (const auto& v : *it) {
      Pb any;
      any.Bytes(2, v.dump());
      p.Bytes(20, any.str());
    }
  }
  if (auto it = s.find("additionalProperties"); it != s.end() && it->is_object()) {
    Pb item;
    item.Bytes(1, Schema(*it));
    p.Bytes(21, item.str());
  }
  if (auto it = s.find("type"); it != s.end()) {
    Pb type;
    type.Bytes(1, it->get<std::string>());
    p.Bytes(22, type.str());
  }
  if (auto it = s.find("items"); it != s.end()) {
    Pb items;
    items.Bytes(1, Schema(*it));
    p.Bytes(23, items.str());
  }
  if (auto it = s.find("allOf"); it != s.end())
    for (const auto& sub : *it) p.Bytes(24, Schema(sub));
  if (auto it = s.find("properties"); it != s.end()) {
    Pb props;
    for (const auto& [name, sub] : it->items()) {
      Pb named;
      named.Bytes(1, name);
      named.Bytes(2, Schema(sub));
      props.Bytes(1, named.str());
    }
    p.Bytes(25, props.str());
  }
  VendorExtensions(&p, 31, s);
  return p.str();
}

// ParametersItem{parameter = 1: Parameter{body_parameter = 1 | non_body_parameter = 2}}.
std::string Parameter(const json& j) {
  Pb param;
  const std::string in = j.value("in", "");
  if (in == "body") {
    Pb body;
    body.String(1, j, "description");
    body.String(2, j, "name");
    body.String(3, j, "in");
    body.Bool(4, j, "required");
    if (j.contains("schema")) body.Bytes(5, Schema(j["schema"]));
    param.Bytes(1, body.str());
  } else {
    // QueryParameterSubSchema (NonBodyParameter 3) and PathParameterSubSchema
    // (NonBodyParameter 4) share numbers up to `name`; type and uniqueItems differ.
    const bool path = in == "path";
    Pb sub;
    sub.Bool(1, j, "required");
    sub.String(2, j, "in");
    sub.String(3, j, "description");
    sub.String(4, j, "name");
    sub.String(path ? 5 : 6, j, "type");
    sub.Bool(path ? 19 : 20, j, "uniqueItems");
    Pb non_body;
    non_body.Bytes(path ? 4 : 3, sub.str());
    param.Bytes(2, non_body.str());
  }
  Pb item;
  item.Bytes(1, param.str());
  return item.str();
}

std::string Operation(const json& op) {
  Pb p;
  p.Strings(1, op, "tags");
  p.String(3, op, "description");
  p.String(5, op, "operationId");
  p.Strings(6, op, "produces");
  p.Strings(7, op, "consumes");
  if (auto it = op.find("parameters"); it != op.end())
    for (const auto& param : *it) p.Bytes(8, Parameter(param));
  if (auto it = op.find("responses"); it != op.end()) {
    Pb responses;
    for (const auto& [code, r] : it->items()) {
      Pb response;
      response.String(1, r, "description");
      if (r.contains("schema")) {
        Pb schema_item;
        schema_item.Bytes(1, Schema(r["schema"]));
        response.Bytes(2, schema_item.str());
      }
      Pb value;
      value.Bytes(1, response.str());
      Pb named;
      named.Bytes(1, code);
      named.Bytes(2, value.str());
      responses.Bytes(1, named.str());
    }
    p.Bytes(9, responses.str());
  }
  p.Strings(10, op, "schemes");
  VendorExtensions(&p, 13, op);
  return p.str();
}

std::string PathItem(const json& item) {
  static const std::pair<const char*, int> kMethods[] = {
      {"get", 2}, {"put", 3}, {"post", 4}, {"delete", 5}, {"patch", 8}};
  Pb p;
  for (const auto& [method, field] : kMethods)
    if (item.contains(method)) p.Bytes(field, Operation(item[method]));
  if (auto it = item.find("parameters"); it != item.end())
    for (const auto& param : *it) p.Bytes(9, Parameter(param));
  VendorExtensions(&p, 10, item);
  return p.str();
}

std::string Document(const json& doc) {
  Pb p;
  p.String(1, doc, "swagger");
  if (doc.contains("info")) {
    Pb info;
    info.String(1, doc["info"], "title");
    info.String(2, doc["info"], "version");
    p.Bytes(2, info.str());
  }
  if (doc.contains("paths")) {
    Pb paths;
    for (const auto& [path, item] : doc["paths"].items()) {
      Pb named;
      named.Bytes(1, path);
      named.Bytes(2, PathItem(item));
      paths.Bytes(2, named.str());
    }
    p.Bytes(8, paths.str());
  }
  if (doc.contains("definitions")) {
    Pb defs;
    for (const auto& [name, s] : doc["definitions"].items()) {
      Pb named;
      named.Bytes(1, name);
      named.Bytes(2, Schema(s));
      defs.Bytes(1, named.str());
    }
    p.Bytes(9, defs.str());
  }
  if (doc.contains("security")) {
    for (const auto& req : doc["security"]) {
      Pb r;
      for (const auto& [name, scopes] : req.items()) {
        Pb arr;
        for (const auto& s : scopes) arr.Bytes(1, s.get<std::string>());
        Pb named;
        named.Bytes(1, name);
        named.Bytes(2, arr.str());
        r.Bytes(1, named.str());
      }
      p.Bytes(12, r.str());
    }
  }
  if (doc.contains("securityDefinitions")) {
    Pb defs;
    for (const auto& [name, d] : doc["securityDefinitions"].items()) {
      Pb api_key;  // ApiKeySecurity: the only kind OpenApiV2() describes
      api_key.String(1, d, "type");
      api_key.String(2, d, "name");
      api_key.String(3, d, "in");
      api_key.String(4, d, "description");
      Pb item;
      item.Bytes(2, api_key.str());
      Pb named;
      named.Bytes(1, name);
      named.Bytes(2, item.str());
      defs.Bytes(1, named.str());
    }
    p.Bytes(13, defs.str());
  }
  return p.str();
}

}  // namespace

const std::string& OpenApiV2Proto() {
  static const std::string* const doc = [] {
    try {
      return new std::string(Document(json::parse(OpenApiV2())));
    } catch (const std::exception& e) {
      LOG_FATAL << "encoding the OpenAPI v2 document as protobuf failed: " << e.what();
      return static_cast<std::string*>(nullptr);
    }
  }();
  return *doc;
}

}  // namespace netkube::api
