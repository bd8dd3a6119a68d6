// The log plugin (log.h): rules, the format's placeholders, and the filter
// that writes one line per reply.
#include "dns/log.h"

#include <unistd.h>

#include <charconv>
#include <chrono>

#include "dns/wire_scan.h"

namespace netkube::dns {

namespace {

enum class Label {
  kType, kName, kClass, kProto, kSize, kRemote, kPort, kLocal,
  kId, kOpcode, kDo, kBufsize, kRcode, kRsize, kDuration, kRflags,
};

struct LabelName {
  std::string_view text;
  Label label;
};
constexpr LabelName kLabels[] = {
    {"{type}", Label::kType},       {"{name}", Label::kName},         {"{class}", Label::kClass},
    {"{proto}", Label::kProto},     {"{size}", Label::kSize},         {"{remote}", Label::kRemote},
    {"{port}", Label::kPort},       {"{local}", Label::kLocal},       {"{>id}", Label::kId},
    {"{>opcode}", Label::kOpcode},  {"{>do}", Label::kDo},            {"{>bufsize}", Label::kBufsize},
    {"{rcode}", Label::kRcode},     {"{rsize}", Label::kRsize},       {"{duration}", Label::kDuration},
    {"{>rflags}", Label::kRflags},
};

struct Node {
  enum Kind { kLiteral, kLabel, kMetadata } kind = kLiteral;
  std::string text;  // literal text or metadata label
  Label label = Label::kType;
};

// CoreDNS's parseFormat: find each '}', then the last '{' before it.
std::vector<Node> ParseFormat(std::string_view s) {
  std::vector<Node> nodes;
  for (;;) {
    size_t j = s.find('}');
    if (j == std::string_view::npos) break;
    size_t i = s.substr(0, j).rfind('{');
    if (i == std::string_view::npos) {
      nodes.push_back({Node::kLiteral, std::string(s.substr(0, j + 1))});
      s.remove_prefix(j + 1);
      continue;
    }
    std::string_view val = s.substr(i, j - i + 1);
    Node node;
    bool found = false;
    for (const LabelName& l : kLabels) {
      if (l.text == val) {
        node.kind = Node::kLabel;
        node.label = l.label;
        found = true;
      }
    }
    if (!found && val.substr(0, 2) == "{/") {
      node.kind = Node::kMetadata;
      node.text = std::string(val.substr(2, val.size() - 3));
      found = true;
    }
    if (!found) {
      nodes.push_back({Node::kLiteral, std::string(s.substr(0, j + 1))});
    } else {
      if (i != 0) nodes.push_back({Node::kLiteral, std::string(s.substr(0, i))});
      nodes.push_back(std::move(node));
    }
    s.remove_prefix(j + 1);
  }
  if (!s.empty()) nodes.push_back({Node::kLiteral, std::string(s)});
  return nodes;
}

std::string ExpandFormat(std::string format) {
  const std::string common(kCommonLogFormat);
  const std::string combined = common + " \"{>opcode}\"";
  for (auto [from, to] : {std::pair<std::string, std::string>{"{common}", common}, {"{combined}", combined}}) {
    for (size_t p = format.find(from); p != std::string::npos; p = format.find(from, p + to.size()))
      format.replace(p, from.size(), to);
  }
  return format;
}

std::string ClassName(uint16_t c) {
  switch (c) {
    case 1: return "IN";
    case 2: return "CS";
    case 3: return "CH";
    case 4: return "HS";
    case 254: return "NONE";
    case 255: return "ANY";
    default: return "CLASS" + std::to_string(c);
  }
}

void AppendAddr(std::string& out, const std::string& ip) {
  if (ip.find(':') != std::string::npos) {
    out += '[';
    out += ip;
    out += ']';
  } else {
    out += ip;
  }
}

void AppendFlags(std::string& out, uint16_t f) {
  size_t start = out.size();
  static constexpr std::pair<uint16_t, std::string_view> kFlags[] = {
      {wire::kQR, "qr,"}, {wire::kAA, "aa,"}, {wire::kTC, "tc,"}, {wire::kRD, "rd,"},
      {wire::kRA, "ra,"}, {wire::kZ, "z,"},   {wire::kAD, "ad,"}, {wire::kCD, "cd,"},
  };
  for (auto [bit, text] : kFlags)
    if (f & bit) out += text;
  if (out.size() > start) out.pop_back();
}

// CoreDNS's response.Typify on a wire reply, and its class.
struct Typed {
  std::string_view type;   // "NOERROR", "NXDOMAIN", ...
  std::string_view klass;  // "success", "denial", "error"
};

Typed TypifyWire(std::string_view w) {
  uint16_t flags = wire::Get16(w, 2);
  int rc = wire::Rcode(flags), op = wire::Opcode(flags);
  thread_local wire::Scan scan;
  bool ok = wire::ScanMessage(w, &scan);
  if (op == opcode::Update) return {"UPDATE", "error"};
  if (op == opcode::Notify) return {"META", "error"};
  if (ok && scan.count[0] > 0) {
    uint16_t qtype = wire::Get16(w, scan.question_end - 4);
    if (qtype == type::AXFR || qtype == type::IXFR) return {"META", "error"};
  }
  int answers = wire::Get16(w, 6);
  if (answers > 0 && rc == rcode::NoError) return {"NOERROR", "success"};
  if (answers > 0 && rc == rcode::NXDomain) return {"OTHERERROR", "error"};
  bool soa = false;
  int ns = 0;
  if (ok) {
    for (const auto& r : scan.records) {
      if (r.section != wire::kAuthority) continue;
      soa |= r.type == type::SOA;
      ns += r.type == type::NS;
    }
  }
  if (soa && rc == rcode::NoError) return {"NODATA", "denial"};
  if (rc == rcode::NXDomain) return {"NXDOMAIN", "denial"};
  if (rc == rcode::ServFail || rc == rcode::NotImp) return {"SERVERERROR", "error"};
  if (ns > 0 && rc == rcode::NoError) return {"DELEGATION", "success"};
  if (rc == rcode::NoError) return {"NOERROR", "success"};
  return {"OTHERERROR", "error"};
}

}  // namespace

struct LogPlugin::Compiled {
  LogRule rule;
  std::string scope_key;
  std::vector<Node> nodes;
  bool all = true;          // every class is logged
  bool needs_type = false;  // the class or {/log/...} is needed
};

namespace {

// Writes the line for one reply; owned by the request.
class LogFilter : public ResponseFilter {
 public:
  LogFilter(const LogPlugin::Compiled* rule, const LogPlugin::Sink* sink, Question q)
      : rule_(rule), sink_(sink), q_(std::move(q)) {}

  bool FilterWire(const Request& req, std::string& w) override {
    Emit(req, w);
    return true;
  }
  void Filter(const Request& req, Message& reply) override { Emit(req, Serialize(reply, req.max_size)); }

 private:
  void Emit(const Request& req, std::string_view w) const;

  const LogPlugin::Compiled* rule_;
  const LogPlugin::Sink* sink_;
  Question q_;
};

void LogFilter::Emit(const Request& req, std::string_view w) const {
  if (w.size() < wire::kHeaderSize) return;
  Typed typed;
  if (rule_->needs_type) {
    typed = TypifyWire(w);
    if (!rule_->all) {
      bool on = typed.klass == "success" ? rule_->rule.success
                : typed.klass == "denial" ? rule_->rule.denial
                                          : rule_->rule.error;
      if (!on) return;
    }
  }
  const uint16_t flags = wire::Get16(w, 2);
  const Message& query = req.query;
  std::string out = "[INFO] ";
  char num[64];
  auto append_num = [&](auto v) {
    auto r = std::to_chars(num, num + sizeof num, v);
    out.append(num, r.ptr);
  };
  for (const Node& n : rule_->nodes) {
    if (n.kind == Node::kLiteral) {
      out += n.text;
      continue;
    }
    if (n.kind == Node::kMetadata) {
      if (n.text == "log/class") out += typed.klass;
      else if (n.text == "log/type") out += typed.type;
      else out += '-';
      continue;
    }
    switch (n.label) {
      case Label::kType: out += TypeName(q_.qtype); break;
      case Label::kName: {
        std::string name = q_.name.ToString();
        for (char& c : name)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
        out += name;
        break;
      }
      case Label::kClass: out += ClassName(q_.qclass); break;
      case Label::kProto: out += req.transport == Transport::kTcp ? "tcp" : "udp"; break;
      case Label::kSize: append_num(Serialize(query).size()); break;
      case Label::kRemote: AppendAddr(out, req.peer_ip); break;
      case Label::kPort: append_num(req.peer_port); break;
      case Label::kLocal: AppendAddr(out, req.local_ip); break;
      case Label::kId: append_num(query.header.id); break;
      case Label::kOpcode: append_num(query.header.opcode); break;
      case Label::kDo: out += (query.edns && query.edns->do_bit) ? "true" : "false"; break;
      case Label::kBufsize: append_num(req.max_size); break;
      case Label::kRcode: out += RcodeName(wire::Rcode(flags)); break;
      case Label::kRsize: append_num(w.size()); break;
      case Label::kDuration: {
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - req.start).count();
        auto r = std::to_chars(num, num + sizeof num, secs, std::chars_format::fixed);
        out.append(num, r.ptr);
        out += 's';
        break;
      }
      case Label::kRflags: AppendFlags(out, flags); break;
    }
  }
  out += '\n';
  if (*sink_) {
    (*sink_)(out);
  } else {
    const char* p = out.data();
    size_t left = out.size();
    while (left > 0) {
      ssize_t n = ::write(STDOUT_FILENO, p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
}

}  // namespace

LogPlugin::LogPlugin(std::vector<LogRule> rules, Sink sink) : sink_(std::move(sink)) {
  for (LogRule& r : rules) {
    auto c = std::make_unique<Compiled>();
    c->scope_key = r.scope.key();
    c->nodes = ParseFormat(r.format);
    c->all = r.success && r.denial && r.error;
    c->needs_type = !c->all;
    for (const Node& n : c->nodes) c->needs_type |= n.kind == Node::kMetadata;
    c->rule = std::move(r);
    rules_.push_back(std::move(c));
  }
}

LogPlugin::~LogPlugin() = default;

void LogPlugin::Serve(RequestPtr req) {
  if (!req->query.question.empty()) {
    const std::string& qkey = req->qkey();
    for (const auto& rule : rules_) {
      if (!wire::InZone(qkey, rule->scope_key)) continue;
      req->PushFilter(std::make_unique<LogFilter>(rule.get(), &sink_, req->query.question[0]));
      break;
    }
  }
  Next(std::move(req));
}

StatusOr<std::vector<LogRule>> ParseLogRules(const Directive& d) {
  std::vector<std::string> names;
  std::string format(kCommonLogFormat);
  std::vector<Token> args = d.args;
  if (!args.empty() && args.back().text.find('{') != std::string::npos) {
    format = ExpandFormat(args.back().text);
    args.pop_back();
  }
  std::vector<LogRule> rules;
  for (const Token& t : args) {
    auto scope = Name::Parse(t.text);
    if (!scope.ok()) return ParseErrorAt(t, "plugin/log: invalid name: " + t.text);
    rules.push_back(LogRule{std::move(scope).value(), format});
  }
  if (rules.empty()) rules.push_back(LogRule{Name(), format});

  bool any = false, success = false, denial = false, error = false;
  for (const Directive& sub : d.block) {
    if (sub.name.text != "class") return ParseErrorAt(sub.name, "plugin/log: unknown property '" + sub.name.text + "'");
    if (sub.args.empty()) return ArgErr(sub.name);
    for (const Token& c : sub.args) {
      if (c.text == "all") success = denial = error = true;
      else if (c.text == "success") success = true;
      else if (c.text == "denial") denial = true;
      else if (c.text == "error") error = true;
      else return ParseErrorAt(c, "plugin/log: invalid Class: " + c.text);
      any = true;
    }
  }
  if (any) {
    for (LogRule& r : rules) {
      r.success = success;
      r.denial = denial;
      r.error = error;
    }
  }
  return rules;
}

StatusOr<std::unique_ptr<Plugin>> SetupLog(const Directive& d, const SetupContext& /*ctx*/) {
  auto rules = ParseLogRules(d);
  if (!rules.ok()) return rules.status();
  return std::unique_ptr<Plugin>(std::make_unique<LogPlugin>(std::move(rules).value()));
}

}  // namespace netkube::dns
