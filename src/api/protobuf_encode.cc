// Encoding JSON objects as Kubernetes protobuf bodies: the inverse of
// DecodeProtobuf, for tests and fuzz seeds. Fields are written in field-number
// order, as Go does; only values present in the JSON are written.
#include <algorithm>
#include <bit>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/protobuf.h"

#include "api/protobuf_wire.h"
#include "api/schema.h"
#include "util/base64.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;
using proto::Writer;

Status Bad(const TypeDef& t, const Field& f, const std::string& why) {
  return Status::BadRequest("protobuf: cannot encode " + t.name + "." + f.name + ": " + why);
}

Status EncodeMessage(const TypeDef& t, const json& obj, int depth, std::string* out);

Status EncodeValue(const TypeDef& t, const Field& f, int tag, const json& v, int depth, Writer& w) {
  switch (f.type) {
    case ValueType::kString:
      if (!v.is_string()) return Bad(t, f, "want a string");
      w.Bytes(tag, v.get_ref<const std::string&>());
      return Status::OK();
    case ValueType::kBool:
      if (!v.is_boolean()) return Bad(t, f, "want a bool");
      w.Key(tag, proto::kVarint);
      w.Varint(v.get<bool>() ? 1 : 0);
      return Status::OK();
    case ValueType::kInt32:
    case ValueType::kInt64:
      if (!v.is_number_integer()) return Bad(t, f, "want an integer");
      w.Key(tag, proto::kVarint);
      w.Varint(v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>()));
      return Status::OK();
    case ValueType::kDouble:
      if (!v.is_number()) return Bad(t, f, "want a number");
      w.Key(tag, proto::kFixed64);
      w.Fixed64(std::bit_cast<uint64_t>(v.get<double>()));
      return Status::OK();
    case ValueType::kBytes: {
      if (!v.is_string()) return Bad(t, f, "want a base64 string");
      auto b = Base64Decode(v.get_ref<const std::string&>());
      if (!b) return Bad(t, f, "illegal base64 data");
      w.Bytes(tag, *b);
      return Status::OK();
    }
    case ValueType::kIntOrString: {
      Writer s;
      if (v.is_number_integer()) {
        s.Key(1, proto::kVarint);
        s.Varint(0);
        s.Key(2, proto::kVarint);
        s.Varint(static_cast<uint64_t>(v.get<int64_t>()));
      } else if (v.is_string()) {
        s.Key(1, proto::kVarint);
        s.Varint(1);
        s.Bytes(3, v.get_ref<const std::string&>());
      } else {
        return Bad(t, f, "want an integer or a string");
      }
      w.Bytes(tag, s.out());
      return Status::OK();
    }
    case ValueType::kQuantity: {
      if (!v.is_string() && !v.is_number()) return Bad(t, f, "want a quantity");
      Writer s;
      s.Bytes(1, v.is_string() ? v.get<std::string>() : v.dump());
      w.Bytes(tag, s.out());
      return Status::OK();
    }
    case ValueType::kTime:
    case ValueType::kMicroTime: {
      if (v.is_null()) {  // the zero time (an element of a list or map)
        w.Bytes(tag, "");
        return Status::OK();
      }
      if (!v.is_string()) return Bad(t, f, "want an RFC 3339 time");
      int64_t secs;
      int32_t nanos;
      if (!proto::ParseTime(v.get_ref<const std::string&>(), &secs, &nanos)) return Bad(t, f, "want an RFC 3339 time");
      Writer s;  // seconds always, as Go writes it: an empty message is the zero time
      s.Key(1, proto::kVarint);
      s.Varint(static_cast<uint64_t>(secs));
      if (f.type == ValueType::kMicroTime && nanos != 0) {
        s.Key(2, proto::kVarint);
        s.Varint(static_cast<uint64_t>(static_cast<int64_t>(nanos / 1000 * 1000)));
      }
      w.Bytes(tag, s.out());
      return Status::OK();
    }
    case ValueType::kDuration: {
      int64_t ns;
      if (!v.is_string() || !proto::ParseDuration(v.get_ref<const std::string&>(), &ns)) return Bad(t, f, "want a duration");
      Writer s;
      s.Key(1, proto::kVarint);
      s.Varint(static_cast<uint64_t>(ns));
      w.Bytes(tag, s.out());
      return Status::OK();
    }
    case ValueType::kRawExtension: {
      Writer s;
      if (!v.is_null()) s.Bytes(1, v.dump());
      w.Bytes(tag, s.out());
      return Status::OK();
    }
    case ValueType::kObject: {
      if (!v.is_object()) return Bad(t, f, "want an object");
      if (!f.ref) return Status::Internal("schema: unresolved type " + f.type_name);
      std::string sub;
      if (Status st = EncodeMessage(*f.ref, v, depth + 1, &sub); !st.ok()) return st;
      w.Bytes(tag, sub);
      return Status::OK();
    }
  }
  return Bad(t, f, "unknown type");
}

Status EncodeMessage(const TypeDef& t, const json& obj, int depth, std::string* out) {
  if (depth > proto::kMaxMessageDepth) return Status::BadRequest("protobuf: object nested too deeply");
  std::vector<const Field*> fields;
  for (const Field& f : t.fields) {
    if (f.proto_tag > 0) fields.push_back(&f);
  }
  std::stable_sort(fields.begin(), fields.end(), [](const Field* a, const Field* b) { return a->proto_tag < b->proto_tag; });
  Writer w;
  for (const Field* f : fields) {
    if (f->embedded) {
      if (!f->ref) return Status::Internal("schema: unresolved type " + f->type_name);
      json part = json::object();
      for (const Field& ef : f->ref->fields) {
        if (auto it = obj.find(ef.name); !ef.name.empty() && it != obj.end()) part[ef.name] = *it;
      }
      std::string sub;
      if (Status s = EncodeMessage(*f->ref, part, depth + 1, &sub); !s.ok()) return s;
      w.Bytes(f->proto_tag, sub);
      continue;
    }
    auto it = obj.find(f->name);
    if (it == obj.end() || it->is_null()) continue;
    const json& v = *it;
    if (f->map) {
      if (!v.is_object()) return Bad(t, *f, "want an object");
      for (auto e = v.begin(); e != v.end(); ++e) {  // nlohmann keeps keys sorted, as Go writes them
        Writer entry;
        entry.Bytes(1, e.key());
        if (!e->is_null()) {
          if (Status s = EncodeValue(t, *f, 2, *e, depth, entry); !s.ok()) return s;
        }
        w.Bytes(f->proto_tag, entry.out());
      }
    } else if (f->array) {
      if (!v.is_array()) return Bad(t, *f, "want an array");
      for (const auto& e : v) {
        if (Status s = EncodeValue(t, *f, f->proto_tag, e, depth, w); !s.ok()) return s;
      }
    } else {
      if (Status s = EncodeValue(t, *f, f->proto_tag, v, depth, w); !s.ok()) return s;
    }
  }
  *out = std::move(w.out());
  return Status::OK();
}

}  // namespace

StatusOr<std::string> EncodeProtobuf(const nlohmann::json& obj) {
  if (!obj.is_object()) return Status::BadRequest("protobuf: want an object");
  auto av = obj.find("apiVersion");
  auto k = obj.find("kind");
  if (av == obj.end() || !av->is_string() || k == obj.end() || !k->is_string()) {
    return Status::BadRequest("protobuf: the object needs apiVersion and kind");
  }
  const std::string& api_version = av->get_ref<const std::string&>();
  const std::string& kind = k->get_ref<const std::string&>();
  const TypeDef* type = proto::SchemaTypeFor(api_version, kind);
  if (!type) return Status::BadRequest("no kind \"" + kind + "\" is registered for version \"" + api_version + "\"");
  try {
    std::string raw;
    if (Status s = EncodeMessage(*type, obj, 1, &raw); !s.ok()) return s;
    Writer type_meta;
    type_meta.Bytes(1, api_version);
    type_meta.Bytes(2, kind);
    Writer unknown;
    unknown.Bytes(1, type_meta.out());
    unknown.Bytes(2, raw);
    unknown.Bytes(3, "");
    unknown.Bytes(4, "");
    return std::string(kProtobufMagic) + unknown.out();
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("protobuf: ") + e.what());
  }
}

}  // namespace netkube::api
