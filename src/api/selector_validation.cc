#include "api/selector_validation.h"

#include <cstdio>
#include <set>

namespace netkube::api::selector_validation {
namespace {

constexpr size_t kNameMaxLength = 63;
constexpr size_t kSubdomainMaxLength = 253;

const char kQualifiedNameFmt[] = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char kQualifiedNameErrMsg[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
const char kLabelValueFmt[] = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const char kLabelValueErrMsg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
const char kSubdomainFmt[] = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const char kSubdomainErrMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsDns1123Label(std::string_view s) {
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || !ok(s.front()) || !ok(s.back())) return false;
  for (char c : s) {
    if (!ok(c) && c != '-') return false;
  }
  return true;
}

bool IsDns1123Subdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!IsDns1123Label(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string RegexError(const std::string& msg, const std::string& fmt,
                       const std::vector<std::string>& examples) {
  if (examples.empty()) return msg + " (regex used for validation is '" + fmt + "')";
  std::string out = msg + " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += "'" + examples[i] + "', ";
  }
  return out + "regex used for validation is '" + fmt + "')";
}

std::string MaxLenError(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += sep;
    out += v[i];
  }
  return out;
}

// Go's %#v of a []string.
std::string GoStringSlice(const std::vector<std::string>& v, bool nil_when_empty) {
  if (v.empty()) return nil_when_empty ? "[]string(nil)" : "[]string{}";
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += GoQuote(v[i]);
  }
  return out + "}";
}

}  // namespace

std::vector<std::string> LabelKeyErrors(std::string_view key) {
  std::vector<std::string> errs;
  std::string_view name = key;
  size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " +
                     RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > kSubdomainMaxLength) {
        errs.push_back("prefix part " + MaxLenError(kSubdomainMaxLength));
      }
      if (!IsDns1123Subdomain(prefix)) {
        errs.push_back("prefix part " + RegexError(kSubdomainErrMsg, kSubdomainFmt, {"example.com"}));
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kNameMaxLength) {
    errs.push_back("name part " + MaxLenError(kNameMaxLength));
  }
  if (!IsQualifiedNamePart(name)) {
    errs.push_back("name part " + RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                             {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> LabelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kNameMaxLength) errs.push_back(MaxLenError(kNameMaxLength));
  if (!value.empty() && !IsQualifiedNamePart(value)) {
    errs.push_back(RegexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::optional<std::string> ValidateKey(std::string_view key, std::string_view path) {
  auto errs = LabelKeyErrors(key);
  if (errs.empty()) return std::nullopt;
  return std::string(path) + ": Invalid value: " + GoQuote(key) + ": " + Join(errs, "; ");
}

std::optional<std::string> ValidateRequirement(const Requirement& r) {
  using Op = Requirement::Op;
  std::vector<std::string> all;
  if (auto e = ValidateKey(r.key, "key")) all.push_back(*e);
  const auto& vals = r.values;
  auto invalid_values = [&](const std::string& detail) {
    all.push_back("values: Invalid value: " + GoStringSlice(vals, true) + ": " + detail);
  };
  switch (r.op) {
    case Op::kIn:
    case Op::kNotIn:
      if (vals.empty()) invalid_values("for 'in', 'notin' operators, values set can't be empty");
      break;
    case Op::kEquals:
    case Op::kNotEquals:
      if (vals.size() != 1) invalid_values("exact-match compatibility requires one single value");
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      if (!vals.empty()) invalid_values("values set must be empty for exists and does not exist");
      break;
    case Op::kGreaterThan:
    case Op::kLessThan:
      if (vals.size() != 1) {
        invalid_values("for 'Gt', 'Lt' operators, exactly one value is required");
      }
      for (size_t i = 0; i < vals.size(); ++i) {
        const std::string& v = vals[i];
        bool is_int = !v.empty();
        for (size_t j = (v.size() > 1 && (v[0] == '-' || v[0] == '+')) ? 1 : 0; j < v.size(); ++j) {
          if (v[j] < '0' || v[j] > '9') is_int = false;
        }
        if (is_int && v.size() > 19) {
          try {
            (void)std::stoll(v);
          } catch (...) {
            is_int = false;
          }
        }
        if (!is_int) {
          all.push_back("values[" + std::to_string(i) + "]: Invalid value: " + GoQuote(v) +
                        ": for 'Gt', 'Lt' operators, the value must be an integer");
        }
      }
      break;
  }
  for (size_t i = 0; i < vals.size(); ++i) {
    auto errs = LabelValueErrors(vals[i]);
    if (!errs.empty()) {
      all.push_back("values[" + std::to_string(i) + "][" + r.key + "]: Invalid value: " +
                    GoQuote(vals[i]) + ": " + Join(errs, "; "));
    }
  }
  if (all.empty()) return std::nullopt;
  // Aggregate: duplicates dropped; several errors are bracketed.
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (auto& e : all) {
    if (seen.insert(e).second) unique.push_back(e);
  }
  if (unique.size() == 1) return unique[0];
  return "[" + Join(unique, ", ") + "]";
}

}  // namespace netkube::api::selector_validation
