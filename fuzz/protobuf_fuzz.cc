// Fuzzes the Kubernetes protobuf body decoder (api/protobuf.h): any input must
// decode or yield a BadRequest/UnsupportedMediaType, never crash; a decoded
// object must serialize and survive an encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "api/protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Most inputs should reach the message decoder: prefix the magic unless the
  // input already carries it.
  std::string body(reinterpret_cast<const char*>(data), size);
  if (body.compare(0, 4, std::string(netkube::api::kProtobufMagic)) != 0) {
    body.insert(0, netkube::api::kProtobufMagic);
  }
  auto r = netkube::api::DecodeProtobuf(body);
  if (!r.ok()) {
    auto reason = r.status().reason();
    if (reason != netkube::Reason::kBadRequest && reason != netkube::Reason::kUnsupportedMediaType) std::abort();
    return 0;
  }
  std::string text = r->dump();  // throws (and so aborts) on invalid UTF-8
  auto again = netkube::api::EncodeProtobuf(*r);
  if (!again.ok()) std::abort();
  auto back = netkube::api::DecodeProtobuf(*again);
  if (!back.ok() || *back != *r) std::abort();
  return 0;
}
