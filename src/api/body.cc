#include "api/body.h"

#include <string>

#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

// The deepest [ / { nesting outside string literals, stopping early once past
// `limit`. Malformed text is left for the parser to report.
int ScanDepth(std::string_view s, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) max_depth = depth;
      if (max_depth > limit) return max_depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

StatusOr<nlohmann::json> ParseJsonBody(std::string_view body) {
  if (ScanDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return Status::BadRequest("json: exceeded max depth of " + std::to_string(kMaxJsonDepth));
  }
  try {
    return nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." →
    // drop the library's bracketed tag.
    if (auto p = what.find("] "); p != std::string::npos && what.front() == '[') what = what.substr(p + 2);
    return Status::BadRequest("json: " + what);
  }
}

int JsonDepth(const nlohmann::json& v) {
  if (!v.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : v) {
    int d = JsonDepth(child);
    if (d > deepest) deepest = d;
  }
  return deepest + 1;
}

}  // namespace netkube::api
