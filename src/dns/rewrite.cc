// The rewrite plugin (rewrite.h): rules, their setup and the reply reverter.
#include "dns/rewrite.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <string>

namespace netkube::dns {

namespace {

// std::regex can throw on a pathological match (regex_error for complexity
// or stack); that counts as no match rather than a query left unanswered.
bool Search(const std::string& s, std::smatch& m, const std::regex& re) {
  try {
    return std::regex_search(s, m, re);
  } catch (const std::regex_error&) {
    return false;
  }
}

constexpr size_t kMaxRegexLength = 10000;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Lower-cased and fully qualified, as CoreDNS normalizes names of rules.
std::string Normalize(const std::string& s) {
  std::string out = Lower(s);
  if (out.empty() || out.back() != '.') out.push_back('.');
  return out;
}

std::string LowerName(const Name& n) { return Lower(n.ToString()); }

// Replaces {0}..{N} in `tmpl` by the match and its groups.
std::string Expand(const std::string& tmpl, const std::smatch& m) {
  std::string s = tmpl;
  for (size_t i = 0; i < m.size(); ++i) {
    std::string ref = "{" + std::to_string(i) + "}";
    std::string val = m[i].str();
    for (size_t pos = s.find(ref); pos != std::string::npos; pos = s.find(ref, pos + val.size())) {
      s.replace(pos, ref.size(), val);
    }
  }
  return s;
}

// How a name in the reply is mapped back.
struct StringRewriter {
  enum Kind { kRemap, kSuffix, kRegex } kind = kRemap;
  std::string from, to;  // remap: name -> name (and its subdomains); suffix: suffix -> suffix
  std::shared_ptr<const std::regex> re;  // kRegex: whole string -> Expand(to)

  std::string Apply(const std::string& src) const {
    std::string low = Lower(src);
    switch (kind) {
      case kRemap:
        if (low == from) return to;
        if (low.size() > from.size() && low.ends_with(from) && low[low.size() - from.size() - 1] == '.') {
          return src.substr(0, src.size() - from.size()) + to;
        }
        return src;
      case kSuffix:
        if (low.ends_with(from)) return src.substr(0, src.size() - from.size()) + to;
        return src;
      case kRegex: {
        std::smatch m;
        if (!Search(src, m, *re)) return src;
        return Expand(to, m);
      }
    }
    return src;
  }
};

struct ResponseRule {
  bool value = false;  // false: owner names; true: names inside records
  StringRewriter rewriter;
};

// Where the name inside a record's RDATA is: [offset, offset + length).
std::optional<std::pair<size_t, size_t>> ValueName(const ResourceRecord& rr) {
  size_t off;
  switch (rr.rtype) {
    case type::CNAME:
    case type::NS:
    case type::PTR:
    case 39:  // DNAME
    case type::SOA:
      off = 0;
      break;
    case type::MX:
      off = 2;
      break;
    case type::SRV:
      off = 6;
      break;
    default:
      return std::nullopt;
  }
  size_t i = off;
  while (i < rr.rdata.size()) {
    uint8_t len = static_cast<uint8_t>(rr.rdata[i]);
    if (len == 0) return std::make_pair(off, i + 1 - off);
    if (len > 63) return std::nullopt;
    i += 1 + len;
  }
  return std::nullopt;
}

void RewriteRecord(ResourceRecord& rr, const ResponseRule& rule) {
  if (!rule.value) {
    std::string s = rr.name.ToString();
    std::string n = rule.rewriter.Apply(s);
    if (n == s) return;
    if (auto name = Name::Parse(n); name.ok()) rr.name = std::move(*name);
    return;
  }
  auto where = ValueName(rr);
  if (!where) return;
  auto target = Name::FromWire(std::string_view(rr.rdata).substr(where->first, where->second));
  if (!target.ok()) return;
  std::string s = target->ToString();
  std::string n = rule.rewriter.Apply(s);
  if (n == s) return;
  auto name = Name::Parse(n);
  if (!name.ok()) return;
  rr.rdata.replace(where->first, where->second, name->wire());
}

// Puts the original question back and runs the answer rules (last first).
class Reverter : public ResponseFilter {
 public:
  Reverter(Question original, std::vector<ResponseRule> rules)
      : original_(std::move(original)), rules_(std::move(rules)) {}
  void Filter(const Request& /*req*/, Message& reply) override {
    if (reply.question.empty()) {
      reply.question.push_back(original_);
    } else {
      reply.question[0] = original_;
    }
    if (rules_.empty()) return;
    for (auto* section : {&reply.authority, &reply.answer, &reply.additional}) {
      for (ResourceRecord& rr : *section) {
        for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) RewriteRecord(rr, *it);
      }
    }
  }

 private:
  Question original_;
  std::vector<ResponseRule> rules_;
};

}  // namespace

struct RewritePlugin::Rule {
  enum Field { kName, kType, kClass } field = kName;
  enum Match { kExact, kPrefix, kSuffix, kSubstring, kRegex } match = kExact;
  bool stop = true;
  std::string from, to;
  std::shared_ptr<const std::regex> re;
  bool auto_answer = false;
  std::vector<ResponseRule> answers;  // fixed answer rules (answer name/value, suffix auto)
  uint16_t from_code = 0, to_code = 0;

  // Applies the rule to `q` (its lower-cased name `name`). nullopt: no match.
  // Otherwise the new name text ("" for type/class rules) and the answer
  // rules for this request.
  std::optional<std::string> Apply(Question& q, const std::string& name, std::vector<ResponseRule>& out) const {
    if (field == kType || field == kClass) {
      uint16_t& code = field == kType ? q.qtype : q.qclass;
      if (code != from_code) return std::nullopt;
      code = to_code;
      return std::string();
    }
    std::string next;
    switch (match) {
      case kExact:
        if (name != from) return std::nullopt;
        next = to;
        break;
      case kPrefix:
        if (!name.starts_with(from)) return std::nullopt;
        next = to + name.substr(from.size());
        break;
      case kSuffix:
        if (!name.ends_with(from)) return std::nullopt;
        next = name.substr(0, name.size() - from.size()) + to;
        break;
      case kSubstring: {
        if (from.empty() || name.find(from) == std::string::npos) return std::nullopt;
        next = name;
        for (size_t pos = next.find(from); pos != std::string::npos; pos = next.find(from, pos + to.size())) {
          next.replace(pos, from.size(), to);
        }
        break;
      }
      case kRegex: {
        std::smatch m;
        if (!Search(name, m, *re)) return std::nullopt;
        next = Expand(to, m);
        break;
      }
    }
    if (auto_answer) {
      StringRewriter back{StringRewriter::kRemap, Lower(next), name, nullptr};
      out.push_back(ResponseRule{false, back});
      out.push_back(ResponseRule{true, back});
    }
    out.insert(out.end(), answers.begin(), answers.end());
    return next;
  }
};

RewritePlugin::RewritePlugin(std::vector<std::unique_ptr<Rule>> rules) : rules_(std::move(rules)) {}
RewritePlugin::~RewritePlugin() = default;

void RewritePlugin::Serve(RequestPtr req) {
  if (req->query.question.empty()) return Next(std::move(req));
  const Question original = req->query.question[0];
  std::vector<ResponseRule> answer_rules;
  bool changed = false, stopped = false;
  for (const auto& rule : rules_) {
    Question& q = req->query.question[0];
    std::optional<std::string> next = rule->Apply(q, LowerName(q.name), answer_rules);
    if (!next) continue;
    changed = true;
    if (!next->empty()) {
      auto name = Name::Parse(*next);
      if (!name.ok()) {  // "invalid name after rewrite"
        req->query.question[0] = original;
        req->QuestionChanged();
        return req->Fail(rcode::ServFail);
      }
      q.name = std::move(*name);
    }
    if (rule->stop) {
      stopped = true;
      break;
    }
  }
  if (changed) {
    req->QuestionChanged();
    req->PushFilter(std::make_unique<Reverter>(original, std::move(answer_rules)));
  }
  if (stopped && req->chain != nullptr) {
    // A `stop` rule ends the rule list: skip the next lines' plugins.
    while (req->next_plugin < req->chain->size() && (*req->chain)[req->next_plugin]->name() == "rewrite") {
      ++req->next_plugin;
    }
  }
  Next(std::move(req));
}

namespace {

using Rule = RewritePlugin::Rule;

// Compiles `pattern`; checks that `to` uses no more groups than it has.
StatusOr<std::shared_ptr<const std::regex>> CompileRegex(const std::string& pattern, const std::string& to) {
  if (pattern.size() > kMaxRegexLength) {
    return Status::Invalid("regex pattern too long: " + std::to_string(pattern.size()) + " > " +
                           std::to_string(kMaxRegexLength));
  }
  std::shared_ptr<const std::regex> re;
  try {
    re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return Status::Invalid("invalid regex matching pattern: " + pattern);
  }
  size_t used = 0;
  for (int i = 0; i <= 100; ++i) used += to.find("{" + std::to_string(i) + "}") != std::string::npos;
  if (used > re->mark_count()) {
    return Status::Invalid("the rewrite regex pattern (" + to +
                           ") uses more subexpressions than its corresponding matching regex pattern (" + pattern +
                           ")");
  }
  return re;
}

Status ParseAnswerRules(const std::string& match, const std::vector<std::string>& args, Rule& rule) {
  if (args.size() < 2) return Status::Invalid("invalid arguments for " + match + " rule");
  size_t i = 0;
  std::string last;
  int name_rules = 0;
  while (i < args.size()) {
    if (last.empty() && args[i] != "answer") {
      return Status::Invalid("exceeded the number of arguments for a non-answer rule argument for " + match +
                             " rule");
    }
    if (args[i] == "answer") ++i;
    if (i == args.size()) return Status::Invalid("type missing for answer rule for " + match + " rule");
    last = args[i++];
    if (last == "auto") {
      rule.auto_answer = true;
      continue;
    }
    if (last != "name" && last != "value") {
      return Status::Invalid("invalid type \"" + last + "\" for answer rule for " + match + " rule");
    }
    if (args.size() - i < 2) {
      return Status::Invalid(last + " answer rule for " + match + " rule: 2 arguments required");
    }
    auto re = CompileRegex(args[i], args[i + 1]);
    if (!re.ok()) return Status::Invalid(last + " answer rule for " + match + " rule: " + re.status().message());
    StringRewriter r{StringRewriter::kRegex, args[i], Normalize(args[i + 1]), *re};
    rule.answers.push_back(ResponseRule{last == "value", std::move(r)});
    if (last == "name") ++name_rules;
    i += 2;
  }
  if (rule.auto_answer && name_rules > 0) {
    return Status::Invalid("auto name answer rule cannot be combined with explicit name anwer rules");
  }
  return Status::OK();
}

StatusOr<std::unique_ptr<Rule>> NewNameRule(bool stop, const std::vector<std::string>& args) {
  if (args.size() < 2) return Status::Invalid("too few arguments for a name rule");
  auto rule = std::make_unique<Rule>();
  rule->stop = stop;
  std::string match = "exact";
  if (args.size() == 2) {
    rule->from = Normalize(args[0]);
    rule->to = Normalize(args[1]);
  } else {
    match = Lower(args[0]);
    if (match == "regex") {
      rule->from = args[1];
      rule->to = Normalize(args[2]);
    } else {
      rule->from = Normalize(args[1]);
      rule->to = Normalize(args[2]);
    }
  }
  if (match == "exact") {
    rule->match = Rule::kExact;
  } else if (match == "prefix") {
    rule->match = Rule::kPrefix;
  } else if (match == "suffix") {
    rule->match = Rule::kSuffix;
  } else if (match == "substring") {
    rule->match = Rule::kSubstring;
  } else if (match == "regex") {
    rule->match = Rule::kRegex;
    auto re = CompileRegex(args[1], args[2]);
    if (!re.ok()) return re.status();
    rule->re = *re;
  } else {
    return Status::Invalid(
        "name rule supports only exact, prefix, suffix, substring, and regex name matching, received: " + match);
  }
  if (args.size() > 3) {
    NK_RETURN_IF_ERROR(ParseAnswerRules(match, std::vector<std::string>(args.begin() + 3, args.end()), *rule));
  }
  if (rule->match == Rule::kExact) {
    rule->auto_answer = true;  // exact rules always map their answers back
  } else if (rule->match == Rule::kSuffix && rule->auto_answer) {
    // The suffix swapped back, for any name under it.
    rule->auto_answer = false;
    StringRewriter back{StringRewriter::kSuffix, rule->to, rule->from, nullptr};
    rule->answers.insert(rule->answers.begin(), {ResponseRule{false, back}, ResponseRule{true, back}});
  }
  return rule;
}

std::optional<uint16_t> ParseClass(const std::string& s) {
  std::string u = s;
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "IN") return klass::IN;
  if (u == "CS") return 2;
  if (u == "CH") return klass::CH;
  if (u == "HS") return 4;
  if (u == "NONE") return 254;
  if (u == "ANY") return klass::ANY;
  return std::nullopt;
}

StatusOr<std::unique_ptr<Rule>> NewRule(const std::vector<std::string>& args) {
  if (args.empty()) return Status::Invalid("no rule type specified for rewrite");
  std::string arg0 = Lower(args[0]);
  bool stop = true;
  size_t start = 1;
  std::string type = arg0;
  if (arg0 == "continue" || arg0 == "stop") {
    stop = arg0 == "stop";
    if (args.size() < 2) return Status::Invalid(arg0 + " rule must begin with a rule type");
    type = Lower(args[1]);
    start = 2;
  }
  std::vector<std::string> rest(args.begin() + start, args.end());
  if (type == "answer") return Status::Invalid("response rewrites must begin with a name rule");
  if (type == "name") return NewNameRule(stop, rest);
  if (type == "type" || type == "class") {
    if (rest.size() != 2) return Status::Invalid(type + " rules must have exactly two arguments");
    auto rule = std::make_unique<Rule>();
    rule->stop = stop;
    rule->field = type == "type" ? Rule::kType : Rule::kClass;
    for (int i = 0; i < 2; ++i) {
      std::optional<uint16_t> code = type == "type" ? ParseType(rest[i]) : ParseClass(rest[i]);
      if (!code) {
        std::string up = rest[i];
        for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return Status::Invalid("invalid " + type + " \"" + up + "\"");
      }
      (i == 0 ? rule->from_code : rule->to_code) = *code;
    }
    return rule;
  }
  if (type == "edns0" || type == "ttl" || type == "cname" || type == "rcode") {
    return Status::Invalid("the " + type + " rule is not supported (name, type and class are)");
  }
  return Status::Invalid("invalid rule type \"" + args[start - 1] + "\"");
}

// The directive's words: its arguments, or, with fewer than two, those plus
// every word of its block (CoreDNS reads `rewrite stop { name ... }` so).
void Flatten(const std::vector<Directive>& block, std::vector<std::string>& out) {
  for (const Directive& d : block) {
    out.push_back(d.name.text);
    for (const Token& a : d.args) out.push_back(a.text);
    Flatten(d.block, out);
  }
}

}  // namespace

StatusOr<std::unique_ptr<Plugin>> SetupRewrite(const Directive& d, const SetupContext& /*ctx*/) {
  std::vector<std::string> args;
  for (const Token& a : d.args) args.push_back(a.text);
  if (args.size() < 2) Flatten(d.block, args);
  auto rule = NewRule(args);
  if (!rule.ok()) return ParseErrorAt(d.name, "plugin/rewrite: " + rule.status().message());
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::move(rule).value());
  return std::unique_ptr<Plugin>(std::make_unique<RewritePlugin>(std::move(rules)));
}

}  // namespace netkube::dns
