// Fuzzes strategic merge patch (api/patch.h) with two JSON documents taken from
// the input (split at the first NUL byte), against the Deployment schema and
// against no schema; also runs JSON patch and merge patch on the same pair.
// Results must be values or client errors, never crashes or internal errors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/body.h"
#include "api/patch.h"
#include "api/schema.h"

namespace {

void Check(const netkube::StatusOr<nlohmann::json>& r) {
  if (r.ok()) {
    (void)r->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if (r.status().reason() == netkube::Reason::kInternalError) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  if (nul == std::string_view::npos) return 0;
  auto doc = netkube::api::ParseJsonBody(in.substr(0, nul));
  auto patch = netkube::api::ParseJsonBody(in.substr(nul + 1));
  if (!doc.ok() || !patch.ok()) return 0;
  static const netkube::api::TypeDef* deployment =
      netkube::api::Schema::Get().Find("io.k8s.api.apps.v1.Deployment");
  Check(netkube::api::ApplyStrategicMergePatch(*doc, *patch, deployment));
  Check(netkube::api::ApplyStrategicMergePatch(*doc, *patch, nullptr));
  Check(netkube::api::ApplyMergePatch(*doc, *patch));
  Check(netkube::api::ApplyJsonPatch(*doc, *patch));
  return 0;
}
