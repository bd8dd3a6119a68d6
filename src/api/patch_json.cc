// RFC 6902 JSON patch, with kube-apiserver's limits and error wording (the
// messages follow the json-patch library kube-apiserver uses, so clients and
// scripts that match on them keep working).
//
// Paths are RFC 6901 pointers ("/spec/ports/0/port", "~1" for '/', "~0" for
// '~'); "-" appends to an array and negative indices count from the end, as
// kube-apiserver allows. The document root ("") cannot be the target of an
// operation. Errors in the patch's own shape are BadRequest; operations that do
// not apply to the document are Invalid (HTTP 422), as on kube-apiserver.
#include <charconv>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/body.h"
#include "api/patch.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

// kube-apiserver refuses patches with more operations than this (HTTP 413).
constexpr size_t kMaxJsonPatchOperations = 10000;
// Total JSON nodes that "copy" operations may add; guards against a few copies
// of a document into itself doubling it into gigabytes.
constexpr size_t kMaxCopiedNodes = 1 << 20;

size_t CountNodes(const json& v) {
  size_t n = 1;
  if (v.is_structured()) {
    for (const auto& c : v) n += CountNodes(c);
  }
  return n;
}

// Splits an RFC 6901 pointer into unescaped tokens. "" (the root) yields no
// tokens; a pointer that does not start with '/' or holds a bad escape yields
// nullopt.
std::optional<std::vector<std::string>> ParsePointer(const std::string& path) {
  std::vector<std::string> tokens;
  if (path.empty()) return tokens;
  if (path[0] != '/') return std::nullopt;
  std::string cur;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      tokens.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (path[i] == '~') {
      if (i + 1 >= path.size()) return std::nullopt;
      char e = path[++i];
      if (e == '0') {
        cur += '~';
      } else if (e == '1') {
        cur += '/';
      } else {
        return std::nullopt;
      }
      continue;
    }
    cur += path[i];
  }
  return tokens;
}

// Parses an array index token (optionally negative). nullopt if not an integer.
std::optional<long long> ParseIndex(const std::string& tok) {
  if (tok.empty()) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || p != tok.data() + tok.size()) return std::nullopt;
  return v;
}

std::string MissingValue(const std::string& msg) { return msg + ": missing value"; }
std::string InvalidIndex(long long idx) {
  return "Unable to access invalid index: " + std::to_string(idx) + ": invalid index referenced";
}

// One location in the document: the container holding it and the last token.
struct Location {
  json* parent = nullptr;  // object or array; nullptr when the path is missing
  std::string key;
};

// Walks all tokens but the last. parent stays null if any step is missing or
// lands on a scalar, or if the pointer is the root or malformed.
Location Find(json& doc, const std::string& path) {
  Location loc;
  auto tokens = ParsePointer(path);
  if (!tokens || tokens->empty()) return loc;
  json* cur = &doc;
  for (size_t i = 0; i + 1 < tokens->size(); ++i) {
    const std::string& t = (*tokens)[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return loc;
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = ParseIndex(t);
      if (!idx || *idx < 0 || *idx >= static_cast<long long>(cur->size())) return loc;
      cur = &(*cur)[static_cast<size_t>(*idx)];
    } else {
      return loc;
    }
  }
  if (!cur->is_structured()) return loc;
  loc.parent = cur;
  loc.key = tokens->back();
  return loc;
}

size_t PointerDepth(const std::string& path) {
  size_t n = 0;
  for (char c : path) n += (c == '/');
  return n;
}

class Patcher {
 public:
  explicit Patcher(json doc) : doc_(std::move(doc)) {}
  json& doc() { return doc_; }

  Status Apply(const json& op) {
    std::string kind = "unknown";
    if (auto it = op.find("op"); it != op.end() && it->is_string()) kind = it->get<std::string>();
    if (kind == "add") return Add(op);
    if (kind == "remove") return Remove(op);
    if (kind == "replace") return Replace(op);
    if (kind == "move") return Move(op);
    if (kind == "copy") return Copy(op);
    if (kind == "test") return Test(op);
    return Status::Invalid("Unexpected kind: " + kind);
  }

 private:
  static std::optional<std::string> StringField(const json& op, const char* name) {
    auto it = op.find(name);
    if (it == op.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  }

  // Inserts `v` at `loc` (add semantics: objects set, arrays insert or append).
  static Status Insert(const Location& loc, json v, const std::string& what, const std::string& path) {
    if (loc.parent->is_object()) {
      (*loc.parent)[loc.key] = std::move(v);
      return Status::OK();
    }
    json& arr = *loc.parent;
    if (loc.key == "-") {
      arr.push_back(std::move(v));
      return Status::OK();
    }
    auto idx = ParseIndex(loc.key);
    if (!idx) {
      return Status::Invalid("error in " + what + " for path: '" + path + "': value was not a proper array index: '" +
                             loc.key + "'");
    }
    long long n = static_cast<long long>(arr.size()) + 1;
    long long i = *idx;
    if (i >= n || i < -n) return Status::Invalid("error in " + what + " for path: '" + path + "': " + InvalidIndex(i));
    if (i < 0) i += n;
    arr.insert(arr.begin() + i, std::move(v));
    return Status::OK();
  }

  // The value at `loc`, or nullptr.
  static json* Get(const Location& loc) {
    if (loc.parent->is_object()) {
      auto it = loc.parent->find(loc.key);
      return it == loc.parent->end() ? nullptr : &*it;
    }
    auto idx = ParseIndex(loc.key);
    if (!idx || *idx < 0 || *idx >= static_cast<long long>(loc.parent->size())) return nullptr;
    return &(*loc.parent)[static_cast<size_t>(*idx)];
  }

  // Removes the value at `loc` and returns it through `out`.
  static Status Take(const Location& loc, json* out, const std::string& what, const std::string& path) {
    if (loc.parent->is_object()) {
      auto it = loc.parent->find(loc.key);
      if (it == loc.parent->end()) {
        return Status::Invalid("error in " + what + " for path: '" + path + "': " +
                               MissingValue("Unable to remove nonexistent key: " + loc.key));
      }
      *out = std::move(*it);
      loc.parent->erase(it);
      return Status::OK();
    }
    json& arr = *loc.parent;
    auto idx = ParseIndex(loc.key);
    if (!idx) {
      return Status::Invalid("error in " + what + " for path: '" + path + "': value was not a proper array index: '" +
                             loc.key + "'");
    }
    long long n = static_cast<long long>(arr.size());
    long long i = *idx;
    if (i >= n || i < -n) return Status::Invalid("error in " + what + " for path: '" + path + "': " + InvalidIndex(i));
    if (i < 0) i += n;
    *out = std::move(arr[static_cast<size_t>(i)]);
    arr.erase(arr.begin() + i);
    return Status::OK();
  }

  static Status CheckDepth(const std::string& path, const json& v) {
    if (PointerDepth(path) + static_cast<size_t>(JsonDepth(v)) > static_cast<size_t>(kMaxJsonDepth)) {
      return Status::Invalid("json patch: result exceeds max depth of " + std::to_string(kMaxJsonDepth));
    }
    return Status::OK();
  }

  Status Add(const json& op) {
    auto path = StringField(op, "path");
    if (!path) return Status::Invalid(MissingValue("add operation failed to decode path"));
    auto value = op.find("value");
    if (value == op.end()) return Status::Invalid(MissingValue("add operation does not apply: value for path: " + *path));
    Location loc = Find(doc_, *path);
    if (!loc.parent) {
      return Status::Invalid(MissingValue("add operation does not apply: doc is missing path: \"" + *path + "\""));
    }
    if (Status s = CheckDepth(*path, *value); !s.ok()) return s;
    return Insert(loc, *value, "add", *path);
  }

  Status Remove(const json& op) {
    auto path = StringField(op, "path");
    if (!path) return Status::Invalid(MissingValue("remove operation failed to decode path"));
    Location loc = Find(doc_, *path);
    if (!loc.parent) {
      return Status::Invalid(MissingValue("remove operation does not apply: doc is missing path: \"" + *path + "\""));
    }
    json gone;
    return Take(loc, &gone, "remove", *path);
  }

  Status Replace(const json& op) {
    auto path = StringField(op, "path");
    if (!path) return Status::Invalid(MissingValue("replace operation failed to decode path"));
    auto value = op.find("value");
    if (value == op.end()) return Status::Invalid(MissingValue("replace operation does not apply: value for path: " + *path));
    Location loc = Find(doc_, *path);
    if (!loc.parent) return Status::Invalid(MissingValue("replace operation does not apply: doc is missing path: " + *path));
    json* target = Get(loc);
    if (!target) return Status::Invalid(MissingValue("replace operation does not apply: doc is missing key: " + *path));
    if (Status s = CheckDepth(*path, *value); !s.ok()) return s;
    *target = *value;
    return Status::OK();
  }

  Status Move(const json& op) {
    auto from = StringField(op, "from");
    if (!from) return Status::Invalid(MissingValue("move operation failed to decode from"));
    auto path = StringField(op, "path");
    if (!path) return Status::Invalid(MissingValue("move operation failed to decode path"));
    Location src = Find(doc_, *from);
    if (!src.parent) return Status::Invalid(MissingValue("move operation does not apply: doc is missing from path: " + *from));
    json v;
    if (Status s = Take(src, &v, "move", *from); !s.ok()) return s;
    Location dst = Find(doc_, *path);
    if (!dst.parent) {
      return Status::Invalid(MissingValue("move operation does not apply: doc is missing destination path: " + *path));
    }
    if (Status s = CheckDepth(*path, v); !s.ok()) return s;
    return Insert(dst, std::move(v), "move", *path);
  }

  Status Copy(const json& op) {
    auto from = StringField(op, "from");
    if (!from) return Status::Invalid(MissingValue("copy operation failed to decode from"));
    auto path = StringField(op, "path");
    if (!path) return Status::Invalid(MissingValue("copy operation failed to decode path"));
    Location src = Find(doc_, *from);
    if (!src.parent) return Status::Invalid(MissingValue("copy operation does not apply: doc is missing from path: " + *from));
    json* v = Get(src);
    if (!v) {
      return Status::Invalid("error in copy for from: '" + *from + "': " +
                             MissingValue("copy operation does not apply: doc is missing from path: " + *from));
    }
    copied_ += CountNodes(*v);
    if (copied_ > kMaxCopiedNodes) {
      return Status::Invalid("Unable to complete the copy, the accumulated size increase of copy is " +
                             std::to_string(copied_) + " values, exceeding the limit " + std::to_string(kMaxCopiedNodes));
    }
    json value = *v;  // copy before the destination lookup may move things
    Location dst = Find(doc_, *path);
    if (!dst.parent) {
      return Status::Invalid(MissingValue("copy operation does not apply: doc is missing destination path: " + *path));
    }
    if (Status s = CheckDepth(*path, value); !s.ok()) return s;
    return Insert(dst, std::move(value), "copy", *path);
  }

  Status Test(const json& op) {
    auto path = StringField(op, "path");
    if (!path) return Status::Invalid(MissingValue("test operation failed to decode path"));
    Location loc = Find(doc_, *path);
    if (!loc.parent) return Status::Invalid(MissingValue("test operation does not apply: is missing path: " + *path));
    json* v = Get(loc);
    auto want = op.find("value");
    bool equal = false;
    if (!v) {
      equal = want == op.end() || want->is_null();
    } else {
      equal = want != op.end() && *v == *want;
    }
    if (!equal) return Status::Invalid("testing value " + *path + " failed: test failed");
    return Status::OK();
  }

  json doc_;
  size_t copied_ = 0;
};

}  // namespace

StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& doc, const nlohmann::json& patch) {
  if (patch.is_null()) return doc;  // decodes as an empty patch, as in Go
  if (!patch.is_array()) {
    return Status::BadRequest(std::string("json: cannot unmarshal ") +
                              (patch.is_object() ? "object" : patch.is_string() ? "string"
                                                          : patch.is_number() ? "number"
                                                          : patch.is_boolean() ? "bool"
                                                                               : "null") +
                              " into Go value of type jsonpatch.Patch");
  }
  if (patch.size() > kMaxJsonPatchOperations) {
    return Status::TooLarge("The allowed maximum operations in a JSON patch is " +
                            std::to_string(kMaxJsonPatchOperations) + ", got " + std::to_string(patch.size()));
  }
  for (const auto& op : patch) {
    if (!op.is_object()) {
      return Status::BadRequest("json: cannot unmarshal " + std::string(op.type_name()) +
                                " into Go value of type jsonpatch.Operation");
    }
  }
  try {
    Patcher p(doc);
    for (const auto& op : patch) {
      if (Status s = p.Apply(op); !s.ok()) return s;
    }
    return std::move(p.doc());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("json patch: ") + e.what());
  }
}

}  // namespace netkube::api
