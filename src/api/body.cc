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

StatusOr<nlohmann::json> ParseJsonBody(std::string_view body) { return ParseJsonBody(body, nullptr); }

StatusOr<nlohmann::json> ParseJsonBody(std::string_view body, std::vector<std::string>* duplicates) {
  if (ScanDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return Status::BadRequest("json: exceeded max depth of " + std::to_string(kMaxJsonDepth));
  }
  try {
    if (duplicates == nullptr) return nlohmann::json::parse(body.begin(), body.end());
    // Per open object: its path and the keys seen so far. Arrays push an
    // entry too (without keys) so object_end/array_end pop symmetrically.
    struct Level {
      std::string path;
      std::vector<std::string> keys;
    };
    std::vector<Level> stack;
    std::string last_key;
    auto child_path = [&]() {
      if (stack.empty()) return std::string();
      const std::string& base = stack.back().path;
      if (last_key.empty()) return base;  // inside an array
      return base.empty() ? last_key : base + "." + last_key;
    };
    using Event = nlohmann::json::parse_event_t;
    auto cb = [&](int, Event event, nlohmann::json& parsed) {
      switch (event) {
        case Event::object_start:
        case Event::array_start:
          stack.push_back({child_path(), {}});
          last_key.clear();
          break;
        case Event::key: {
          last_key = parsed.get<std::string>();
          auto& keys = stack.back().keys;
          for (const auto& k : keys) {
            if (k == last_key) {
              duplicates->push_back(child_path());
              break;
            }
          }
          keys.push_back(last_key);
          break;
        }
        case Event::object_end:
        case Event::array_end:
          stack.pop_back();
          last_key.clear();
          break;
        case Event::value:
          break;
      }
      return true;
    };
    return nlohmann::json::parse(body.begin(), body.end(), cb);
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
