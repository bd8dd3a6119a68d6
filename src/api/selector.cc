// Label and field selectors, with the grammar and error texts of
// k8s.io/apimachinery's labels and fields packages.
#include "api/selector.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/selector_validation.h"

namespace netkube::api {
namespace {

using Op = Requirement::Op;

// ---- Lexer ---------------------------------------------------------------

enum class Tok {
  kError,
  kEnd,
  kClosePar,
  kComma,
  kNot,          // "!"
  kDoubleEquals,
  kEquals,
  kGreater,
  kIdentifier,
  kIn,
  kLess,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

struct Item {
  Tok tok;
  std::string lit;
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecial(char c) {
  switch (c) {
    case '=': case '!': case '(': case ')': case ',': case '>': case '<':
      return true;
    default:
      return false;
  }
}

std::optional<Tok> LiteralToken(std::string_view s) {
  if (s == ")") return Tok::kClosePar;
  if (s == ",") return Tok::kComma;
  if (s == "!") return Tok::kNot;
  if (s == "==") return Tok::kDoubleEquals;
  if (s == "=") return Tok::kEquals;
  if (s == ">") return Tok::kGreater;
  if (s == "in") return Tok::kIn;
  if (s == "<") return Tok::kLess;
  if (s == "!=") return Tok::kNotEquals;
  if (s == "notin") return Tok::kNotIn;
  if (s == "(") return Tok::kOpenPar;
  return std::nullopt;
}

// Splits `s` into tokens; always ends with kEnd.
std::vector<Item> Lex(std::string_view s) {
  std::vector<Item> out;
  size_t pos = 0;
  while (true) {
    while (pos < s.size() && IsWhitespace(s[pos])) ++pos;
    if (pos >= s.size()) {
      out.push_back({Tok::kEnd, ""});
      return out;
    }
    if (IsSpecial(s[pos])) {
      // Longest run of special symbols that still forms a token.
      std::string buf;
      std::optional<Item> last;
      while (pos < s.size() && IsSpecial(s[pos])) {
        buf.push_back(s[pos]);
        if (auto t = LiteralToken(buf)) {
          last = Item{*t, buf};
          ++pos;
        } else if (last) {
          break;
        } else {
          ++pos;
        }
      }
      if (!last) {
        out.push_back({Tok::kError, "error expected: keyword found '" + buf + "'"});
      } else {
        out.push_back(*last);
      }
      continue;
    }
    size_t start = pos;
    while (pos < s.size() && !IsSpecial(s[pos]) && !IsWhitespace(s[pos])) ++pos;
    std::string word(s.substr(start, pos - start));
    auto t = LiteralToken(word);
    out.push_back({t ? *t : Tok::kIdentifier, word});
  }
}

// ---- Parser --------------------------------------------------------------

// In the "values" context the keywords in/notin are plain identifiers.
enum class Ctx { kKeyAndOperator, kValues };

class Parser {
 public:
  explicit Parser(std::string_view text) : items_(Lex(text)) {}

  StatusOr<std::vector<Requirement>> Parse() {
    std::vector<Requirement> reqs;
    while (true) {
      auto [tok, lit] = Lookahead(Ctx::kValues);
      switch (tok) {
        case Tok::kIdentifier:
        case Tok::kNot: {
          auto r = ParseRequirement();
          if (!r.ok()) return Err("unable to parse requirement: " + r.status().message());
          reqs.push_back(std::move(*r));
          auto [t, l] = Consume(Ctx::kValues);
          if (t == Tok::kEnd) return reqs;
          if (t == Tok::kComma) {
            auto [t2, l2] = Lookahead(Ctx::kValues);
            if (t2 != Tok::kIdentifier && t2 != Tok::kNot) {
              return Err("found '" + l2 + "', expected: identifier after ','");
            }
            break;
          }
          return Err("found '" + l + "', expected: ',' or 'end of string'");
        }
        case Tok::kEnd:
          return reqs;
        default:
          return Err("found '" + lit + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  static Status Err(std::string m) { return Status::BadRequest(std::move(m)); }

  std::pair<Tok, std::string> Lookahead(Ctx ctx) const { return Get(pos_, ctx); }
  std::pair<Tok, std::string> Consume(Ctx ctx) {
    auto r = Get(pos_, ctx);
    if (pos_ + 1 < items_.size()) ++pos_;
    return r;
  }
  std::pair<Tok, std::string> Get(size_t i, Ctx ctx) const {
    Tok t = items_[i].tok;
    if (ctx == Ctx::kValues && (t == Tok::kIn || t == Tok::kNotIn)) t = Tok::kIdentifier;
    return {t, items_[i].lit};
  }

  StatusOr<Requirement> ParseRequirement() {
    Requirement r;
    bool not_exists = false;
    auto [tok, lit] = Consume(Ctx::kValues);
    if (tok == Tok::kNot) {
      not_exists = true;
      std::tie(tok, lit) = Consume(Ctx::kValues);
    }
    if (tok != Tok::kIdentifier) return Err("found '" + lit + "', expected: identifier");
    if (auto e = selector_validation::ValidateKey(lit, "<nil>")) return Err(*e);
    r.key = lit;
    auto [next, unused] = Lookahead(Ctx::kValues);
    if (not_exists || next == Tok::kEnd || next == Tok::kComma) {
      // A bare key is Exists; "!key" is DoesNotExist (whatever follows it).
      r.op = not_exists ? Op::kDoesNotExist : Op::kExists;
      return r;
    }
    auto [op_tok, op_lit] = Consume(Ctx::kKeyAndOperator);
    switch (op_tok) {
      case Tok::kIn: r.op = Op::kIn; break;
      case Tok::kNotIn: r.op = Op::kNotIn; break;
      case Tok::kEquals:
      case Tok::kDoubleEquals: r.op = Op::kEquals; break;
      case Tok::kNotEquals: r.op = Op::kNotEquals; break;
      case Tok::kGreater: r.op = Op::kGreaterThan; break;
      case Tok::kLess: r.op = Op::kLessThan; break;
      default:
        return Err("found '" + op_lit + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    std::set<std::string> values;
    Status s = (r.op == Op::kIn || r.op == Op::kNotIn) ? ParseValues(&values)
                                                       : ParseExactValue(&values);
    if (!s.ok()) return s;
    r.values.assign(values.begin(), values.end());
    if (auto e = selector_validation::ValidateRequirement(r)) return Err(*e);
    return r;
  }

  Status ParseValues(std::set<std::string>* out) {
    auto [tok, lit] = Consume(Ctx::kValues);
    if (tok != Tok::kOpenPar) return Err("found '" + lit + "' expected: '('");
    std::tie(tok, lit) = Lookahead(Ctx::kValues);
    switch (tok) {
      case Tok::kIdentifier:
      case Tok::kComma: {
        Status s = ParseIdentifiersList(out);
        if (!s.ok()) return s;
        if (Consume(Ctx::kValues).first != Tok::kClosePar) {
          return Err("found '" + lit + "', expected: ')'");
        }
        return Status::OK();
      }
      case Tok::kClosePar:
        Consume(Ctx::kValues);
        out->insert("");
        return Status::OK();
      default:
        return Err("found '" + lit + "', expected: ',', ')' or identifier");
    }
  }

  Status ParseIdentifiersList(std::set<std::string>* out) {
    while (true) {
      auto [tok, lit] = Consume(Ctx::kValues);
      switch (tok) {
        case Tok::kIdentifier: {
          out->insert(lit);
          auto [t2, l2] = Lookahead(Ctx::kValues);
          if (t2 == Tok::kComma) continue;
          if (t2 == Tok::kClosePar) return Status::OK();
          return Err("found '" + l2 + "', expected: ',' or ')'");
        }
        case Tok::kComma: {
          if (out->empty()) out->insert("");  // "(,"
          auto t2 = Lookahead(Ctx::kValues).first;
          if (t2 == Tok::kClosePar) {  // ",)"
            out->insert("");
            return Status::OK();
          }
          if (t2 == Tok::kComma) out->insert("");  // ",,"
          break;
        }
        default:
          return Err("found '" + lit + "', expected: ',', or identifier");
      }
    }
  }

  Status ParseExactValue(std::set<std::string>* out) {
    auto t = Lookahead(Ctx::kValues).first;
    if (t == Tok::kEnd || t == Tok::kComma) {
      out->insert("");
      return Status::OK();
    }
    auto [tok, lit] = Consume(Ctx::kValues);
    if (tok == Tok::kIdentifier) {
      out->insert(lit);
      return Status::OK();
    }
    return Err("found '" + lit + "', expected: identifier");
  }

  std::vector<Item> items_;
  size_t pos_ = 0;
};

void SortByKey(std::vector<Requirement>* reqs) {
  std::stable_sort(reqs->begin(), reqs->end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
}

bool HasValue(const Requirement& r, const std::string& v) {
  return std::find(r.values.begin(), r.values.end(), v) != r.values.end();
}

std::optional<int64_t> ParseInt64(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] < '0' || s[j] > '9') return std::nullopt;
  }
  try {
    return std::stoll(s);
  } catch (...) {
    return std::nullopt;
  }
}

// `lookup(key)` returns the label's value or nullopt.
template <typename Lookup>
bool RequirementMatches(const Requirement& r, const Lookup& lookup) {
  std::optional<std::string> v = lookup(r.key);
  switch (r.op) {
    case Op::kEquals:
    case Op::kIn:
      return v && HasValue(r, *v);
    case Op::kNotEquals:
    case Op::kNotIn:
      return !v || !HasValue(r, *v);
    case Op::kExists:
      return v.has_value();
    case Op::kDoesNotExist:
      return !v.has_value();
    case Op::kGreaterThan:
    case Op::kLessThan: {
      if (!v || r.values.size() != 1) return false;
      auto have = ParseInt64(*v);
      auto want = ParseInt64(r.values[0]);
      if (!have || !want) return false;
      return r.op == Op::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string RequirementString(const Requirement& r) {
  std::string s;
  if (r.op == Op::kDoesNotExist) s += "!";
  s += r.key;
  switch (r.op) {
    case Op::kEquals: s += "="; break;
    case Op::kNotEquals: s += "!="; break;
    case Op::kIn: s += " in "; break;
    case Op::kNotIn: s += " notin "; break;
    case Op::kGreaterThan: s += ">"; break;
    case Op::kLessThan: s += "<"; break;
    case Op::kExists:
    case Op::kDoesNotExist:
      return s;
  }
  std::vector<std::string> vals = r.values;
  std::sort(vals.begin(), vals.end());
  bool set_op = r.op == Op::kIn || r.op == Op::kNotIn;
  if (set_op) s += "(";
  for (size_t i = 0; i < vals.size(); ++i) {
    if (i > 0) s += ",";
    s += vals[i];
  }
  if (set_op) s += ")";
  return s;
}

}  // namespace

// ---- LabelSelector -------------------------------------------------------

StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  Parser p(text);
  auto reqs = p.Parse();
  if (!reqs.ok()) return reqs.status();
  LabelSelector sel;
  sel.reqs_ = std::move(*reqs);
  SortByKey(&sel.reqs_);
  return sel;
}

StatusOr<LabelSelector> LabelSelector::FromJson(const nlohmann::json& selector) {
  LabelSelector sel;
  if (selector.is_null()) {
    sel.nothing_ = true;
    return sel;
  }
  if (!selector.is_object()) return Status::BadRequest("label selector must be an object");
  try {
    if (auto it = selector.find("matchLabels"); it != selector.end() && !it->is_null()) {
      if (!it->is_object()) return Status::BadRequest("matchLabels must be an object");
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) return Status::BadRequest("matchLabels values must be strings");
        Requirement r{k, Op::kEquals, {v.get<std::string>()}};
        if (auto e = selector_validation::ValidateRequirement(r)) return Status::BadRequest(*e);
        sel.reqs_.push_back(std::move(r));
      }
    }
    if (auto it = selector.find("matchExpressions"); it != selector.end() && !it->is_null()) {
      if (!it->is_array()) return Status::BadRequest("matchExpressions must be an array");
      for (const auto& e : *it) {
        if (!e.is_object()) return Status::BadRequest("matchExpressions items must be objects");
        Requirement r;
        r.key = e.value("key", "");
        std::string op = e.value("operator", "");
        if (op == "In") {
          r.op = Op::kIn;
        } else if (op == "NotIn") {
          r.op = Op::kNotIn;
        } else if (op == "Exists") {
          r.op = Op::kExists;
        } else if (op == "DoesNotExist") {
          r.op = Op::kDoesNotExist;
        } else {
          return Status::BadRequest("\"" + op + "\" is not a valid label selector operator");
        }
        if (auto v = e.find("values"); v != e.end() && !v->is_null()) {
          if (!v->is_array()) return Status::BadRequest("matchExpressions values must be an array");
          for (const auto& x : *v) {
            if (!x.is_string()) return Status::BadRequest("matchExpressions values must be strings");
            r.values.push_back(x.get<std::string>());
          }
        }
        if (auto err = selector_validation::ValidateRequirement(r)) {
          return Status::BadRequest(*err);
        }
        sel.reqs_.push_back(std::move(r));
      }
    }
  } catch (const std::exception& ex) {
    return Status::BadRequest(std::string("invalid label selector: ") + ex.what());
  }
  SortByKey(&sel.reqs_);
  return sel;
}

LabelSelector LabelSelector::FromMap(const std::map<std::string, std::string>& m) {
  LabelSelector sel;
  for (const auto& [k, v] : m) sel.reqs_.push_back({k, Op::kEquals, {v}});
  return sel;  // std::map iterates in key order, so already sorted
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  if (nothing_) return false;
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    auto it = labels.find(k);
    if (it == labels.end()) return std::nullopt;
    return it->second;
  };
  for (const auto& r : reqs_) {
    if (!RequirementMatches(r, lookup)) return false;
  }
  return true;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  if (nothing_) return false;
  auto lookup = [&](const std::string& k) -> std::optional<std::string> {
    if (!labels.is_object()) return std::nullopt;
    auto it = labels.find(k);
    if (it == labels.end()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    return std::string();
  };
  for (const auto& r : reqs_) {
    if (!RequirementMatches(r, lookup)) return false;
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string s;
  for (size_t i = 0; i < reqs_.size(); ++i) {
    if (i > 0) s += ",";
    s += RequirementString(reqs_[i]);
  }
  return s;
}

// ---- FieldSelector -------------------------------------------------------

namespace {

// Splits on commas not escaped by a backslash.
std::vector<std::string> SplitTerms(std::string_view s) {
  std::vector<std::string> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_slash) {
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',') {
      terms.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(s.substr(start));
  return terms;
}

// The first of "!=", "==", "=" found scanning left to right.
bool SplitTerm(const std::string& term, std::string* lhs, Op* op, std::string* rhs) {
  for (size_t i = 0; i < term.size(); ++i) {
    std::string_view rest(term.data() + i, term.size() - i);
    for (auto [text, o] : {std::pair<std::string_view, Op>{"!=", Op::kNotEquals},
                           {"==", Op::kEquals},
                           {"=", Op::kEquals}}) {
      if (rest.substr(0, text.size()) == text) {
        *lhs = term.substr(0, i);
        *op = o;
        *rhs = term.substr(i + text.size());
        return true;
      }
    }
  }
  return false;
}

StatusOr<std::string> UnescapeValue(const std::string& s) {
  if (s.find_first_of("\\,=") == std::string::npos) return s;
  std::string out;
  bool in_slash = false;
  for (char c : s) {
    if (in_slash) {
      if (c == '\\' || c == ',' || c == '=') {
        out.push_back(c);
      } else {
        return Status::BadRequest(std::string("invalid field selector: invalid escape sequence: \\") + c);
      }
      in_slash = false;
      continue;
    }
    if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      return Status::BadRequest("invalid field selector: unescaped character in value: " +
                                std::to_string(static_cast<int>(c)));
    } else {
      out.push_back(c);
    }
  }
  if (in_slash) return Status::BadRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

StatusOr<FieldSelector> FieldSelector::Parse(std::string_view text) {
  std::vector<std::string> parts = SplitTerms(text);
  std::sort(parts.begin(), parts.end());
  FieldSelector sel;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    Requirement r;
    std::string rhs;
    if (!SplitTerm(part, &r.key, &r.op, &rhs)) {
      return Status::BadRequest("invalid selector: '" + std::string(text) + "'; can't understand '" +
                                part + "'");
    }
    auto v = UnescapeValue(rhs);
    if (!v.ok()) return v.status();
    r.values.push_back(std::move(*v));
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool FieldSelector::Matches(const FieldSet& fields) const {
  for (const auto& r : reqs_) {
    std::string have;
    for (const auto& [k, v] : fields) {
      if (k == r.key) {
        have = v;
        break;
      }
    }
    bool eq = !r.values.empty() && have == r.values[0];
    if (r.op == Op::kNotEquals ? eq : !eq) return false;
  }
  return true;
}

}  // namespace netkube::api
