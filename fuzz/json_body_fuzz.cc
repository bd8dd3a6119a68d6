// Fuzzes JSON request-body parsing (api/body.h): any input must yield a value
// or a BadRequest, within the depth bound, and the value must serialize.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = netkube::api::ParseJsonBody(text);
  if (r.ok()) {
    if (netkube::api::JsonDepth(*r) > netkube::api::kMaxJsonDepth) std::abort();
    (void)r->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if (r.status().reason() != netkube::Reason::kBadRequest) {
    std::abort();
  }
  return 0;
}
