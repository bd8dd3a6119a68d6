// RFC 7386 JSON merge patch: objects merge key by key, null removes a key,
// anything else (arrays included) replaces. A patch that is not an object
// replaces the whole document; a null patch is rejected as kube-apiserver does.
#include <nlohmann/json.hpp>

#include "api/patch.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

// Merges `patch` into `target` in place.
void Merge(json& target, const json& patch) {
  if (!patch.is_object()) {
    target = patch;
    // Nulls inside a replacing array or object stay, as RFC 7386 says for
    // arrays; objects are handled below.
    return;
  }
  if (!target.is_object()) target = json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      Merge(target[it.key()], *it);
    }
  }
}

}  // namespace

StatusOr<nlohmann::json> ApplyMergePatch(const nlohmann::json& doc, const nlohmann::json& patch) {
  if (patch.is_null()) return Status::BadRequest("Invalid JSON Patch");
  try {
    json out = doc;
    Merge(out, patch);
    return out;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("merge patch: ") + e.what());
  }
}

}  // namespace netkube::api
