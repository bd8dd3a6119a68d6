// The Kubernetes protobuf encoding: a body is the magic "k8s\0" followed by a
// runtime.Unknown message {typeMeta{apiVersion=1, kind=2}=1, raw=2,
// contentEncoding=3, contentType=4}; raw holds the object's message, whose field
// numbers come from the schema.
//
// Pure; thread-safe. Malformed input yields a BadRequest Status, never a crash.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace netkube::api {

inline constexpr std::string_view kProtobufMagic{"k8s\0", 4};

// Decodes a whole protobuf body into the object's JSON form, with apiVersion and
// kind set from the envelope. The kind must be a type the schema knows (a
// served kind, its List, or Binding/Eviction/Scale/DeleteOptions/TokenRequest).
// Zero scalars Go's encoder wrote for unset fields are dropped, except for
// required fields and Go pointer fields (`replicas: 0` stays); zero times are
// dropped; empty messages stay as {}. protobuf.cc states the rule in full.
StatusOr<nlohmann::json> DecodeProtobuf(std::string_view body);

// Encodes `obj` (with apiVersion and kind) as a protobuf body. Used by tests
// and fuzzers to build inputs; the server answers in JSON.
StatusOr<std::string> EncodeProtobuf(const nlohmann::json& obj);

}  // namespace netkube::api
