// Field errors, JSON accessors and the content checks of apimachinery's
// util/validation package, worded as Kubernetes 1.33 words them.
#include "api/validation_util.h"

#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

namespace netkube::api::validation {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return IsLower(c) || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

std::string MaxLenError(size_t n) { return "must be no more than " + std::to_string(n) + " characters"; }

std::string RegexError(std::string msg, std::string_view fmt, std::vector<std::string_view> examples) {
  if (examples.empty()) return msg + " (regex used for validation is '" + std::string(fmt) + "')";
  msg += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) msg += " or ";
    msg += "'" + std::string(examples[i]) + "', ";
  }
  msg += "regex used for validation is '" + std::string(fmt) + "')";
  return msg;
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchLabel1123(std::string_view v) {
  if (v.empty()) return false;
  auto ok_end = [](char c) { return IsLower(c) || IsDigit(c); };
  if (!ok_end(v.front()) || !ok_end(v.back())) return false;
  for (char c : v)
    if (!ok_end(c) && c != '-') return false;
  return true;
}

bool MatchSubdomain1123(std::string_view v) {
  if (v.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = v.find('.', start);
    std::string_view part = v.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!MatchLabel1123(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchQualifiedNamePart(std::string_view v) {
  if (v.empty() || !IsAlnum(v.front()) || !IsAlnum(v.back())) return false;
  for (char c : v)
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

constexpr std::string_view kLabel1123Fmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kSubdomain1123Fmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string RenderValue(const json& v) {
  if (v.is_string()) return GoQuote(v.get_ref<const std::string&>());
  if (v.is_null()) return "\"null\"";
  if (v.is_object() && !v.empty()) {
    bool all_strings = true;
    for (const auto& x : v) all_strings = all_strings && x.is_string();
    if (all_strings) return RenderStringMap(&v);
  }
  if (v.is_array() && !v.empty()) {
    bool all_strings = true;
    for (const auto& x : v) all_strings = all_strings && x.is_string();
    if (all_strings) {
      std::string out = "[]string{";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + GoQuote(v[i].get<std::string>());
      return out + "}";
    }
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string RenderStringMap(const json* m) {
  if (!m || !m->is_object()) return "map[string]string(nil)";
  std::string out = "map[string]string{";
  bool first = true;
  for (auto it = m->begin(); it != m->end(); ++it) {
    if (!it->is_string()) continue;
    out += (first ? "" : ", ") + GoQuote(it.key()) + ":" + GoQuote(it->get<std::string>());
    first = false;
  }
  return out + "}";
}

std::string RenderLabelSelector(const json& selector) {
  const json* ml = GetObject(selector, "matchLabels");
  std::string out = "v1.LabelSelector{MatchLabels:" + RenderStringMap(ml) + ", MatchExpressions:";
  const json* exprs = GetArray(selector, "matchExpressions");
  if (!exprs) return out + "[]v1.LabelSelectorRequirement(nil)}";
  out += "[]v1.LabelSelectorRequirement{";
  for (size_t i = 0; i < exprs->size(); ++i) {
    const json& x = (*exprs)[i];
    out += (i ? ", " : "");
    out += "v1.LabelSelectorRequirement{Key:" + GoQuote(GetString(x, "key")) +
           ", Operator:" + GoQuote(GetString(x, "operator")) + ", Values:";
    const json* vs = GetArray(x, "values");
    if (!vs) {
      out += "[]string(nil)}";
      continue;
    }
    out += "[]string{";
    for (size_t j = 0; j < vs->size(); ++j)
      out += (j ? ", " : "") + GoQuote((*vs)[j].is_string() ? (*vs)[j].get<std::string>() : std::string());
    out += "}}";
  }
  return out + "}}";
}

// ---- Errors ----

void Errors::Add(std::string type, std::string body, std::string_view detail, const std::string& path) {
  if (!detail.empty()) body += ": " + std::string(detail);
  causes_.push_back({std::move(type), std::move(body), path});
}

void Errors::Invalid(const std::string& path, const json& value, std::string_view detail) {
  Add("FieldValueInvalid", "Invalid value: " + RenderValue(value), detail, path);
}
void Errors::InvalidRaw(const std::string& path, const std::string& rendered, std::string_view detail) {
  Add("FieldValueInvalid", "Invalid value: " + rendered, detail, path);
}
void Errors::DuplicateRaw(const std::string& path, const std::string& rendered) {
  Add("FieldValueDuplicate", "Duplicate value: " + rendered, "", path);
}
void Errors::Required(const std::string& path, std::string_view detail) {
  Add("FieldValueRequired", "Required value", detail, path);
}
void Errors::Forbidden(const std::string& path, std::string_view detail) {
  Add("FieldValueForbidden", "Forbidden", detail, path);
}
void Errors::Duplicate(const std::string& path, const json& value) {
  Add("FieldValueDuplicate", "Duplicate value: " + RenderValue(value), "", path);
}
void Errors::NotFound(const std::string& path, const json& value) {
  Add("FieldValueNotFound", "Not found: " + RenderValue(value), "", path);
}
void Errors::NotSupported(const std::string& path, const json& value, const std::vector<std::string>& valid) {
  std::string detail;
  if (!valid.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < valid.size(); ++i) detail += (i ? ", " : "") + GoQuote(valid[i]);
  }
  Add("FieldValueNotSupported", "Unsupported value: " + RenderValue(value), detail, path);
}
void Errors::TooLong(const std::string& path, int64_t max_bytes) {
  Add("FieldValueTooLong", "Too long", "may not be more than " + std::to_string(max_bytes) + " bytes", path);
}
void Errors::TooMany(const std::string& path, int64_t actual, int64_t max) {
  Add("FieldValueTooMany", "Too many: " + std::to_string(actual), "must have at most " + std::to_string(max) + " items",
      path);
}
void Errors::InvalidEach(const std::string& path, const json& value, const std::vector<std::string>& msgs) {
  for (const auto& m : msgs) Invalid(path, value, m);
}
void Errors::Append(Errors other) {
  for (auto& c : other.causes_) causes_.push_back(std::move(c));
}

// ---- JSON accessors ----

const json* Get(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}
const json* GetObject(const json& obj, std::string_view key) {
  const json* v = Get(obj, key);
  return v && v->is_object() ? v : nullptr;
}
const json* GetArray(const json& obj, std::string_view key) {
  const json* v = Get(obj, key);
  return v && v->is_array() ? v : nullptr;
}
std::string GetString(const json& obj, std::string_view key) {
  const json* v = Get(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}
bool HasKey(const json& obj, std::string_view key) { return Get(obj, key) != nullptr; }
std::optional<int64_t> GetInt(const json& obj, std::string_view key) {
  const json* v = Get(obj, key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  return std::nullopt;
}
bool GetBool(const json& obj, std::string_view key) {
  const json* v = Get(obj, key);
  return v && v->is_boolean() && v->get<bool>();
}
std::vector<std::pair<std::string, std::string>> GetStringMap(const json& obj, std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const json* m = GetObject(obj, key);
  if (!m) return out;
  for (auto it = m->begin(); it != m->end(); ++it)
    if (it->is_string()) out.emplace_back(it.key(), it->get<std::string>());
  return out;
}
size_t ArraySize(const json& obj, std::string_view key) {
  const json* a = GetArray(obj, key);
  return a ? a->size() : 0;
}

namespace {
bool IsEmptyish(const json& v) {
  return v.is_null() || (v.is_array() && v.empty()) || (v.is_object() && v.empty());
}
}  // namespace

bool SemanticEqual(const json& a, const json& b) {
  if (IsEmptyish(a) && IsEmptyish(b)) return true;
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      if (jt == b.end()) {
        if (!IsEmptyish(*it)) return false;
      } else if (!SemanticEqual(*it, *jt)) {
        return false;
      }
    }
    for (auto jt = b.begin(); jt != b.end(); ++jt)
      if (!a.contains(jt.key()) && !IsEmptyish(*jt)) return false;
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!SemanticEqual(a[i], b[i])) return false;
    return true;
  }
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

// ---- content checks ----

std::vector<std::string> IsDNS1123Label(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 63) errs.push_back(MaxLenError(63));
  if (!MatchLabel1123(v)) {
    if (MatchSubdomain1123(v)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
          "and end with an alphanumeric character",
          kLabel1123Fmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> IsDNS1123Subdomain(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 253) errs.push_back(MaxLenError(253));
  if (!MatchSubdomain1123(v))
    errs.push_back(RegexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character",
        kSubdomain1123Fmt, {"example.com"}));
  return errs;
}

std::vector<std::string> IsDNS1035Label(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 63) errs.push_back(MaxLenError(63));
  if (v.empty() || !IsLower(v.front()) || !MatchLabel1123(v))
    errs.push_back(RegexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  return errs;
}

std::vector<std::string> IsWildcardDNS1123Subdomain(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 253) errs.push_back(MaxLenError(253));
  if (v.size() < 3 || v.substr(0, 2) != "*." || !MatchSubdomain1123(v.substr(2)))
    errs.push_back(RegexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist "
        "of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        "\\*\\." + std::string(kSubdomain1123Fmt), {"*.example.com"}));
  return errs;
}

std::vector<std::string> IsQualifiedName(std::string_view v) {
  std::vector<std::string> errs;
  std::string_view name = v;
  size_t slash = v.find('/');
  if (slash != std::string_view::npos) {
    if (v.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " +
                     RegexError(std::string(kQualifiedNameMsg), kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = v.substr(0, slash);
    name = v.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (auto& m : IsDNS1123Subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + MaxLenError(63));
  }
  if (!MatchQualifiedNamePart(name))
    errs.push_back("name part " +
                   RegexError(std::string(kQualifiedNameMsg), kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  return errs;
}

std::vector<std::string> IsValidLabelValue(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 63) errs.push_back(MaxLenError(63));
  if (!v.empty() && !MatchQualifiedNamePart(v))
    errs.push_back(RegexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character",
        "(" + std::string(kQualifiedNameFmt) + ")?", {"MyValue", "my_value", "12345"}));
  return errs;
}

std::vector<std::string> IsValidPortName(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 15) errs.push_back(MaxLenError(15));
  bool charset = !v.empty(), letter = false;
  for (char c : v) {
    if (!IsLower(c) && !IsDigit(c) && c != '-') charset = false;
    if (IsLower(c)) letter = true;
  }
  if (!charset) errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (v.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!v.empty() && (v.front() == '-' || v.back() == '-')) errs.push_back("must not begin or end with a hyphen");
  return errs;
}

std::string InclusiveRangeError(int64_t lo, int64_t hi) {
  return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive";
}

std::vector<std::string> IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {InclusiveRangeError(1, 65535)};
}

namespace {
std::vector<std::string> ChDirPrefix(std::string_view v) {
  if (v == ".") return {"must not be '.'"};
  if (v == "..") return {"must not be '..'"};
  if (v.substr(0, 2) == "..") return {"must not start with '..'"};
  return {};
}
}  // namespace

std::vector<std::string> IsConfigMapKey(std::string_view v) {
  std::vector<std::string> errs;
  if (v.size() > 253) errs.push_back(MaxLenError(253));
  bool ok = !v.empty();
  for (char c : v)
    if (!IsAlnum(c) && c != '-' && c != '.' && c != '_') ok = false;
  if (!ok)
    errs.push_back(RegexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                              "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  for (auto& m : ChDirPrefix(v)) errs.push_back(m);
  return errs;
}

std::vector<std::string> IsValidPercent(std::string_view v) {
  bool ok = v.size() >= 2 && v.back() == '%';
  for (size_t i = 0; ok && i + 1 < v.size(); ++i) ok = IsDigit(v[i]);
  if (ok) return {};
  return {RegexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%",
                     {"1%", "93%"})};
}

std::vector<std::string> IsHTTPHeaderName(std::string_view v) {
  bool ok = !v.empty();
  for (char c : v)
    if (!IsAlnum(c) && c != '-') ok = false;
  if (ok) return {};
  return {RegexError("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+",
                     {"X-Header-Name"})};
}

std::vector<std::string> IsEnvVarName(std::string_view v) {
  std::vector<std::string> errs;
  bool ok = !v.empty() && !IsDigit(v.front());
  for (char c : v)
    if (!IsAlnum(c) && c != '-' && c != '.' && c != '_') ok = false;
  if (!ok)
    errs.push_back(RegexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and "
        "must not start with a digit",
        "[-._a-zA-Z][-._a-zA-Z0-9]*", {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  for (auto& m : ChDirPrefix(v)) errs.push_back(m);
  return errs;
}

std::vector<std::string> ValidateName(NameRule rule, std::string_view name) {
  switch (rule) {
    case NameRule::kDNSLabel: return IsDNS1123Label(name);
    case NameRule::kDNS1035Label: return IsDNS1035Label(name);
    case NameRule::kDNSSubdomain: break;
  }
  return IsDNS1123Subdomain(name);
}

}  // namespace netkube::api::validation
