// Decoding Kubernetes protobuf bodies into JSON, driven by the schema's field
// numbers.
//
// Which values appear in the JSON: Go's protobuf encoder writes every
// non-pointer scalar field, set or not (empty strings, 0, false), and pointer
// fields only when set; Go's JSON encoder then drops the zero values of
// `omitempty` fields. The wire cannot tell the two apart, so netkube decides
// per field, the way kube-apiserver's JSON of the same object would read:
//   * a zero scalar (""/0/false, IntOrString 0 or "", Quantity "") is dropped,
//   * unless the field is `required` in the schema (Go writes it without
//     omitempty, so JSON shows it: `port: 0`, `name: ""`),
//   * or the field is one of Kubernetes' pointer scalars (kPointerScalars:
//     replicas, runAsUser, automountServiceAccountToken, maxUnavailable, ...),
//     where a zero on the wire was set on purpose (`replicas: 0`).
// Messages are kept even when empty (`status: {}`, `resources: {}`), as Go's
// JSON writes non-pointer structs; an empty Time/MicroTime is the zero time
// (JSON null) and is dropped, as is an empty RawExtension. Repeated fields and
// map entries are kept whatever their values. Unknown field numbers are
// skipped. metav1.Time carries seconds only (its decoder drops nanos, as Go's
// does); MicroTime keeps microseconds.
#include <bit>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "api/body.h"
#include "api/kinds.h"
#include "api/protobuf.h"
#include "api/protobuf_wire.h"
#include "api/schema.h"
#include "util/base64.h"

namespace netkube::api {
namespace proto {

const TypeDef* SchemaTypeFor(std::string_view api_version, std::string_view kind) {
  struct Special {
    std::string_view api_version, kind, type;
  };
  static constexpr Special kBodyKinds[] = {
      {"v1", "Binding", "io.k8s.api.core.v1.Binding"},
      {"policy/v1", "Eviction", "io.k8s.api.policy.v1.Eviction"},
      {"autoscaling/v1", "Scale", "io.k8s.api.autoscaling.v1.Scale"},
      {"authentication.k8s.io/v1", "TokenRequest", "io.k8s.api.authentication.v1.TokenRequest"},
  };
  std::string_view type;
  std::string owned;
  if (const Kind* k = FindByApiVersionKind(api_version, kind)) {
    owned = k->schema_type;
  } else if (kind == "DeleteOptions") {
    type = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";  // accepted in every group version
  } else if (kind.size() > 4 && kind.substr(kind.size() - 4) == "List") {
    if (const Kind* lk = FindByApiVersionKind(api_version, kind.substr(0, kind.size() - 4))) owned = lk->list_schema_type;
  } else {
    for (const Special& s : kBodyKinds) {
      if (s.api_version == api_version && s.kind == kind) type = s.type;
    }
  }
  if (!owned.empty()) type = owned;
  if (type.empty()) return nullptr;
  return Schema::Get().Find(type);
}

}  // namespace proto

namespace {

using json = nlohmann::json;
using proto::Reader;

// Go pointer scalars: a zero on the wire means "set to zero". "Type.field" by
// the type's short name, or "*.field" for every type.
const std::set<std::string, std::less<>>& PointerScalars() {
  static const auto* s = new std::set<std::string, std::less<>>{
      "*.optional",
      "ClientIPConfig.timeoutSeconds",
      "ConfigMap.immutable",
      "ConfigMapVolumeSource.defaultMode",
      "ContainerStatus.started",
      "DaemonSetSpec.revisionHistoryLimit",
      "DaemonSetStatus.collisionCount",
      "DeleteOptions.gracePeriodSeconds",
      "DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential",
      "DeleteOptions.orphanDependents",
      "DeploymentSpec.progressDeadlineSeconds",
      "DeploymentSpec.replicas",
      "DeploymentSpec.revisionHistoryLimit",
      "DeploymentStatus.collisionCount",
      "DeploymentStatus.terminatingReplicas",
      "DownwardAPIVolumeFile.mode",
      "DownwardAPIVolumeSource.defaultMode",
      "EndpointConditions.ready",
      "EndpointConditions.serving",
      "EndpointConditions.terminating",
      "EndpointPort.port",
      "KeyToPath.mode",
      "LeaseSpec.leaseDurationSeconds",
      "LeaseSpec.leaseTransitions",
      "ListMeta.remainingItemCount",
      "ListOptions.sendInitialEvents",
      "ListOptions.timeoutSeconds",
      "NetworkPolicyPort.endPort",
      "NetworkPolicyPort.port",
      "NodeFeatures.supplementalGroupsPolicy",
      "NodeRuntimeHandlerFeatures.recursiveReadOnlyMounts",
      "NodeRuntimeHandlerFeatures.userNamespaces",
      "NodeSwapStatus.capacity",
      "ObjectMeta.deletionGracePeriodSeconds",
      "OwnerReference.blockOwnerDeletion",
      "OwnerReference.controller",
      "PatchOptions.force",
      "PodLogOptions.limitBytes",
      "PodLogOptions.sinceSeconds",
      "PodLogOptions.tailLines",
      "PodSecurityContext.fsGroup",
      "PodSecurityContext.runAsGroup",
      "PodSecurityContext.runAsNonRoot",
      "PodSecurityContext.runAsUser",
      "PodSpec.activeDeadlineSeconds",
      "PodSpec.automountServiceAccountToken",
      "PodSpec.enableServiceLinks",
      "PodSpec.hostUsers",
      "PodSpec.priority",
      "PodSpec.setHostnameAsFQDN",
      "PodSpec.shareProcessNamespace",
      "PodSpec.terminationGracePeriodSeconds",
      "Probe.terminationGracePeriodSeconds",
      "ProjectedVolumeSource.defaultMode",
      "ReplicaSetSpec.replicas",
      "ReplicaSetStatus.terminatingReplicas",
      "RollingUpdateDaemonSet.maxSurge",
      "RollingUpdateDaemonSet.maxUnavailable",
      "RollingUpdateDeployment.maxSurge",
      "RollingUpdateDeployment.maxUnavailable",
      "ScaleSpec.replicas",  // not a pointer, but `replicas: 0` is what a scale-to-zero says
      "Secret.immutable",
      "SecretVolumeSource.defaultMode",
      "SecurityContext.allowPrivilegeEscalation",
      "SecurityContext.privileged",
      "SecurityContext.readOnlyRootFilesystem",
      "SecurityContext.runAsGroup",
      "SecurityContext.runAsNonRoot",
      "SecurityContext.runAsUser",
      "ServiceAccount.automountServiceAccountToken",
      "ServiceAccountTokenProjection.expirationSeconds",
      "ServiceSpec.allocateLoadBalancerNodePorts",
      "Toleration.tolerationSeconds",
      "TokenRequestSpec.expirationSeconds",
      "TopologySpreadConstraint.minDomains",
      "WindowsSecurityContextOptions.hostProcess",
  };
  return *s;
}

bool KeepZero(const TypeDef& t, const Field& f) {
  if (f.required) return true;
  std::string_view type = t.name;
  if (auto dot = type.rfind('.'); dot != std::string_view::npos) type.remove_prefix(dot + 1);
  const auto& set = PointerScalars();
  return set.count(std::string(type) + "." + f.name) > 0 || set.count("*." + f.name) > 0;
}

bool IsZeroScalar(const Field& f, const json& v) {
  switch (f.type) {
    case ValueType::kString:
    case ValueType::kBytes:
    case ValueType::kQuantity:
      return v.is_string() && v.get_ref<const std::string&>().empty();
    case ValueType::kBool:
      return v.is_boolean() && !v.get<bool>();
    case ValueType::kInt32:
    case ValueType::kInt64:
    case ValueType::kDouble:
      return v.is_number() && v == 0;
    case ValueType::kIntOrString:
      return (v.is_number() && v == 0) || (v.is_string() && v.get_ref<const std::string&>().empty());
    default:
      return false;
  }
}

const char* WireName(int wire) {
  switch (wire) {
    case proto::kVarint: return "varint";
    case proto::kFixed64: return "fixed64";
    case proto::kLengthDelimited: return "length-delimited";
    default: return "fixed32";
  }
}

Status Malformed(const std::string& where) {
  return Status::BadRequest("protobuf: malformed message " + where + ": truncated or invalid wire data");
}

class Decoder {
 public:
  StatusOr<json> Message(const TypeDef& t, std::string_view data, int depth);

 private:
  // Decodes one value of field `f` (one element for repeated fields) into
  // `out`; null means absent (zero Time, empty RawExtension).
  Status Value(const TypeDef& t, const Field& f, int wire, Reader& r, int depth, json* out);
  Status Scalar(const TypeDef& t, const Field& f, int wire, Reader& r, json* out);
  Status MapEntry(const TypeDef& t, const Field& f, std::string_view data, int depth, json* obj);
};

std::string Where(const TypeDef& t, const Field& f) {
  return t.name + "." + (f.name.empty() ? f.type_name : f.name) + " (" + std::to_string(f.proto_tag) + ")";
}

Status WrongWire(const TypeDef& t, const Field& f, int wire) {
  return Status::BadRequest("protobuf: field " + Where(t, f) + " has wire type " + WireName(wire));
}

Status Decoder::Scalar(const TypeDef& t, const Field& f, int wire, Reader& r, json* out) {
  uint64_t u;
  switch (f.type) {
    case ValueType::kBool:
      if (wire != proto::kVarint) return WrongWire(t, f, wire);
      if (!r.Varint(&u)) return Malformed("in " + Where(t, f));
      *out = u != 0;
      return Status::OK();
    case ValueType::kInt32:
      if (wire != proto::kVarint) return WrongWire(t, f, wire);
      if (!r.Varint(&u)) return Malformed("in " + Where(t, f));
      *out = static_cast<int32_t>(static_cast<uint32_t>(u));
      return Status::OK();
    case ValueType::kInt64:
      if (wire != proto::kVarint) return WrongWire(t, f, wire);
      if (!r.Varint(&u)) return Malformed("in " + Where(t, f));
      *out = static_cast<int64_t>(u);
      return Status::OK();
    case ValueType::kDouble: {
      if (wire != proto::kFixed64) return WrongWire(t, f, wire);
      if (!r.Fixed64(&u)) return Malformed("in " + Where(t, f));
      double d = std::bit_cast<double>(u);
      if (!std::isfinite(d)) return Status::BadRequest("protobuf: field " + Where(t, f) + ": unsupported value: NaN or Inf");
      *out = d;
      return Status::OK();
    }
    default:
      return Status::Internal("protobuf: not a scalar: " + Where(t, f));
  }
}

bool Packable(ValueType v) {
  return v == ValueType::kBool || v == ValueType::kInt32 || v == ValueType::kInt64 || v == ValueType::kDouble;
}

// Reads a small message of scalar fields (IntOrString, Quantity, Time, ...):
// returns false on malformed data. `on_field(number, wire, reader)` consumes
// one value or returns false to skip it.
template <typename F>
bool ReadSmall(std::string_view data, F on_field) {
  Reader r(data);
  while (!r.done()) {
    int num, wire;
    if (!r.Key(&num, &wire)) return false;
    int consumed = on_field(num, wire, r);
    if (consumed < 0) return false;
    if (consumed == 0 && !r.Skip(wire)) return false;
  }
  return true;
}

Status Decoder::Value(const TypeDef& t, const Field& f, int wire, Reader& r, int depth, json* out) {
  if (Packable(f.type)) return Scalar(t, f, wire, r, out);
  if (wire != proto::kLengthDelimited) return WrongWire(t, f, wire);
  std::string_view data;
  if (!r.Bytes(&data)) return Malformed("in " + Where(t, f));
  const std::string bad = "in " + Where(t, f);
  switch (f.type) {
    case ValueType::kString:
      *out = proto::SanitizeUtf8(data);
      return Status::OK();
    case ValueType::kBytes:
      *out = Base64Encode(data);
      return Status::OK();
    case ValueType::kIntOrString: {
      uint64_t type = 0, ival = 0;
      std::string_view sval;
      bool ok = ReadSmall(data, [&](int n, int w, Reader& rr) -> int {
        if (n == 1 && w == proto::kVarint) return rr.Varint(&type) ? 1 : -1;
        if (n == 2 && w == proto::kVarint) return rr.Varint(&ival) ? 1 : -1;
        if (n == 3 && w == proto::kLengthDelimited) return rr.Bytes(&sval) ? 1 : -1;
        return 0;
      });
      if (!ok) return Malformed(bad);
      if (type == 1) {
        *out = proto::SanitizeUtf8(sval);
      } else {
        *out = static_cast<int32_t>(static_cast<uint32_t>(ival));
      }
      return Status::OK();
    }
    case ValueType::kQuantity: {
      std::string_view s;
      bool ok = ReadSmall(data, [&](int n, int w, Reader& rr) -> int {
        if (n == 1 && w == proto::kLengthDelimited) return rr.Bytes(&s) ? 1 : -1;
        return 0;
      });
      if (!ok) return Malformed(bad);
      *out = proto::SanitizeUtf8(s);
      return Status::OK();
    }
    case ValueType::kTime:
    case ValueType::kMicroTime: {
      if (data.empty()) {
        *out = nullptr;  // the zero time
        return Status::OK();
      }
      uint64_t secs = 0, nanos = 0;
      bool ok = ReadSmall(data, [&](int n, int w, Reader& rr) -> int {
        if (n == 1 && w == proto::kVarint) return rr.Varint(&secs) ? 1 : -1;
        if (n == 2 && w == proto::kVarint) return rr.Varint(&nanos) ? 1 : -1;
        return 0;
      });
      if (!ok) return Malformed(bad);
      bool micro = f.type == ValueType::kMicroTime;
      auto s = proto::FormatTime(static_cast<int64_t>(secs), micro ? static_cast<int32_t>(nanos) : 0, micro);
      if (!s) return Status::BadRequest("protobuf: field " + Where(t, f) + ": Time.MarshalJSON: year outside of range [0,9999]");
      *out = *s;
      return Status::OK();
    }
    case ValueType::kDuration: {
      uint64_t ns = 0;
      bool ok = ReadSmall(data, [&](int n, int w, Reader& rr) -> int {
        if (n == 1 && w == proto::kVarint) return rr.Varint(&ns) ? 1 : -1;
        return 0;
      });
      if (!ok) return Malformed(bad);
      *out = proto::FormatDuration(static_cast<int64_t>(ns));
      return Status::OK();
    }
    case ValueType::kRawExtension: {
      std::string_view raw;
      bool ok = ReadSmall(data, [&](int n, int w, Reader& rr) -> int {
        if (n == 1 && w == proto::kLengthDelimited) return rr.Bytes(&raw) ? 1 : -1;
        return 0;
      });
      if (!ok) return Malformed(bad);
      if (raw.empty()) {
        *out = nullptr;
        return Status::OK();
      }
      auto v = ParseJsonBody(raw);
      if (!v.ok()) return Status::BadRequest("protobuf: field " + Where(t, f) + ": " + v.status().message());
      if (JsonDepth(*v) + depth > kMaxJsonDepth) return Status::BadRequest("protobuf: field " + Where(t, f) + ": too deeply nested");
      *out = std::move(*v);
      return Status::OK();
    }
    case ValueType::kObject: {
      if (!f.ref) return Status::Internal("schema: unresolved type " + f.type_name);
      auto v = Message(*f.ref, data, depth + 1);
      if (!v.ok()) return v.status();
      *out = std::move(*v);
      return Status::OK();
    }
    default:
      return Status::Internal("protobuf: unhandled type in " + Where(t, f));
  }
}

json ZeroValue(const Field& f) {
  switch (f.type) {
    case ValueType::kBool: return false;
    case ValueType::kInt32:
    case ValueType::kInt64:
    case ValueType::kDouble:
    case ValueType::kIntOrString: return 0;
    case ValueType::kObject: return json::object();
    case ValueType::kTime:
    case ValueType::kMicroTime:
    case ValueType::kRawExtension: return nullptr;
    default: return "";
  }
}

Status Decoder::MapEntry(const TypeDef& t, const Field& f, std::string_view data, int depth, json* obj) {
  Reader r(data);
  std::string key;
  json value = ZeroValue(f);
  while (!r.done()) {
    int num, wire;
    if (!r.Key(&num, &wire)) return Malformed("in map entry of " + Where(t, f));
    if (num == 1) {
      std::string_view k;
      if (wire != proto::kLengthDelimited || !r.Bytes(&k)) return Malformed("in map key of " + Where(t, f));
      key = proto::SanitizeUtf8(k);
    } else if (num == 2) {
      if (Status s = Value(t, f, wire, r, depth, &value); !s.ok()) return s;
    } else if (!r.Skip(wire)) {
      return Malformed("in map entry of " + Where(t, f));
    }
  }
  json& m = (*obj)[f.name];
  if (!m.is_object()) m = json::object();
  m[key] = std::move(value);
  return Status::OK();
}

StatusOr<json> Decoder::Message(const TypeDef& t, std::string_view data, int depth) {
  if (depth > proto::kMaxMessageDepth) {
    return Status::BadRequest("protobuf: messages nested deeper than " + std::to_string(proto::kMaxMessageDepth));
  }
  json obj = json::object();
  Reader r(data);
  while (!r.done()) {
    int num, wire;
    if (!r.Key(&num, &wire)) return Malformed("of " + t.name);
    const Field* f = t.FindTag(num);
    if (!f) {
      if (!r.Skip(wire)) return Malformed("of " + t.name);
      continue;
    }
    if (f->map) {
      std::string_view entry;
      if (wire != proto::kLengthDelimited) return WrongWire(t, *f, wire);
      if (!r.Bytes(&entry)) return Malformed("in " + Where(t, *f));
      if (Status s = MapEntry(t, *f, entry, depth, &obj); !s.ok()) return s;
      continue;
    }
    if (f->array) {
      json& arr = obj[f->name];
      if (!arr.is_array()) arr = json::array();
      if (Packable(f->type) && wire == proto::kLengthDelimited) {
        std::string_view packed;
        if (!r.Bytes(&packed)) return Malformed("in " + Where(t, *f));
        Reader pr(packed);
        int elem_wire = f->type == ValueType::kDouble ? proto::kFixed64 : proto::kVarint;
        while (!pr.done()) {
          json v;
          if (Status s = Scalar(t, *f, elem_wire, pr, &v); !s.ok()) return s;
          arr.push_back(std::move(v));
        }
        continue;
      }
      json v;
      if (Status s = Value(t, *f, wire, r, depth, &v); !s.ok()) return s;
      arr.push_back(std::move(v));
      continue;
    }
    json v;
    if (Status s = Value(t, *f, wire, r, depth, &v); !s.ok()) return s;
    if (f->embedded) {
      // Flattened into this object (Volume's VolumeSource, Probe's handler, ...).
      if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) obj[it.key()] = std::move(*it);
      }
      continue;
    }
    if (v.is_null() || (IsZeroScalar(*f, v) && !KeepZero(t, *f))) {
      obj.erase(f->name);
    } else if (v.is_object() && obj.contains(f->name) && obj[f->name].is_object()) {
      obj[f->name].update(v);  // a repeated occurrence of a message merges into it
    } else {
      obj[f->name] = std::move(v);
    }
  }
  return obj;
}

}  // namespace

StatusOr<nlohmann::json> DecodeProtobuf(std::string_view body) {
  if (body.substr(0, kProtobufMagic.size()) != kProtobufMagic) {
    return Status::BadRequest("protobuf: the body does not start with the Kubernetes protobuf magic number");
  }
  Reader r(body.substr(kProtobufMagic.size()));
  std::string api_version, kind, encoding;
  std::string_view raw;
  while (!r.done()) {
    int num, wire;
    if (!r.Key(&num, &wire)) return Malformed("of runtime.Unknown");
    std::string_view v;
    if (wire != proto::kLengthDelimited || num > 4) {
      if (!r.Skip(wire)) return Malformed("of runtime.Unknown");
      continue;
    }
    if (!r.Bytes(&v)) return Malformed("of runtime.Unknown");
    if (num == 1) {
      bool ok = ReadSmall(v, [&](int n, int w, Reader& rr) -> int {
        std::string_view s;
        if (w != proto::kLengthDelimited || (n != 1 && n != 2)) return 0;
        if (!rr.Bytes(&s)) return -1;
        (n == 1 ? api_version : kind) = std::string(s);
        return 1;
      });
      if (!ok) return Malformed("of runtime.TypeMeta");
    } else if (num == 2) {
      raw = v;
    } else if (num == 3) {
      encoding = std::string(v);
    }
  }
  if (!encoding.empty()) {
    return Status::UnsupportedMediaType("protobuf: unsupported content encoding \"" + proto::SanitizeUtf8(encoding) + "\"");
  }
  if (kind.empty()) return Status::BadRequest("Object 'Kind' is missing in protobuf body");
  const TypeDef* type = proto::SchemaTypeFor(api_version, kind);
  if (!type) {
    return Status::BadRequest("no kind \"" + proto::SanitizeUtf8(kind) + "\" is registered for version \"" +
                              proto::SanitizeUtf8(api_version) + "\"");
  }
  try {
    Decoder d;
    auto obj = d.Message(*type, raw, 1);
    if (!obj.ok()) return obj.status();
    json out = std::move(*obj);
    out["apiVersion"] = api_version;
    out["kind"] = kind;
    return out;
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("protobuf: ") + e.what());
  }
}

}  // namespace netkube::api
