#include "nft/nftnl_translate.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <optional>

namespace netkube::nft::nftnl {
namespace {

constexpr uint32_t kNfprotoIpv4 = 2;
constexpr uint32_t kRtnLocal = 2;
constexpr uint32_t kNumgenRandom = 1;
constexpr uint32_t kDynsetUpdate = 1;
constexpr uint32_t kNatDnat = 1;
constexpr uint32_t kNatRangeProtoSpecified = 2;
constexpr uint32_t kRejectIcmpUnreach = 0, kRejectTcpRst = 1, kRejectIcmpxUnreach = 2;
constexpr uint32_t kIcmpPortUnreach = 3, kIcmpxPortUnreach = 1;
constexpr uint32_t kTypeIpv4 = 7, kTypeInetProto = 12, kTypeInetService = 13, kTypeMark = 19;

Status Unsupported(std::string what) { return Status::Invalid("nft batch: unsupported " + std::move(what)); }

// Splits on blanks; '{', '}' and ',' are tokens of their own.
std::vector<std::string_view> Tokenize(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '{' || c == '}' || c == ',') {
      out.push_back(s.substr(i, 1));
      ++i;
    } else {
      size_t j = i;
      while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '{' && s[j] != '}' && s[j] != ',') ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

Bytes U32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);  // host order, as nft stores integers in registers
  return b;
}

std::optional<uint32_t> ParseUint(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    for (char c : s.substr(2)) {
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
  } else {
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::optional<uint8_t> ParseProto(std::string_view s) {
  if (s == "tcp") return 6;
  if (s == "udp") return 17;
  if (s == "sctp") return 132;
  if (s == "icmp") return 1;
  auto n = ParseUint(s, 255);
  if (!n) return std::nullopt;
  return static_cast<uint8_t>(*n);
}

std::optional<Bytes> ParseIpv4(std::string_view s) {
  std::string str(s);
  in_addr a{};
  if (inet_pton(AF_INET, str.c_str(), &a) != 1) return std::nullopt;
  Bytes b(4);
  std::memcpy(b.data(), &a, 4);
  return b;
}

Bytes Port(uint32_t port) { return Bytes{static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port & 0xff)}; }

// A selector: what a match or a map key reads from the packet.
struct Selector {
  enum class Kind { kIpAddr, kL4proto, kPort, kFibType } kind;
  uint32_t offset = 0;  // ip: 12 saddr / 16 daddr; port: 0 sport / 2 dport
  uint8_t proto = 0;    // port: the protocol it implies (0 for th)
  uint32_t fib_flags = 0;
  uint32_t len() const {
    switch (kind) {
      case Kind::kIpAddr: return 4;
      case Kind::kL4proto: return 1;
      case Kind::kPort: return 2;
      case Kind::kFibType: return 4;
    }
    return 0;
  }
};

class Translator {
 public:
  Translator(std::string_view text, Family family)
      : tokens_(Tokenize(text)), family_(family), net_known_(family == Family::kIp) {}

  StatusOr<std::vector<Expr>> Run() {
    while (pos_ < tokens_.size()) {
      if (verdict_) return Unsupported("text after the verdict");
      if (Status s = Statement(); !s.ok()) return s;
    }
    if (out_.empty()) return Unsupported("empty rule");
    return std::move(out_);
  }

 private:
  std::string_view Peek(size_t ahead = 0) const {
    return pos_ + ahead < tokens_.size() ? tokens_[pos_ + ahead] : std::string_view();
  }
  std::string_view Next() { return pos_ < tokens_.size() ? tokens_[pos_++] : std::string_view(); }
  bool Accept(std::string_view t) {
    if (Peek() != t) return false;
    ++pos_;
    return true;
  }
  Status Expect(std::string_view t) {
    if (Accept(t)) return Status::OK();
    return Unsupported("token \"" + std::string(Peek()) + "\" (want \"" + std::string(t) + "\")");
  }

  Expr& Emit(Expr::Kind k) {
    out_.push_back(Expr{});
    out_.back().kind = k;
    return out_.back();
  }
  void Cmp(uint32_t reg, uint32_t op, Bytes data) {
    Expr& e = Emit(Expr::Kind::kCmp);
    e.sreg = reg;
    e.op = op;
    e.data = std::move(data);
  }
  void MetaLoad(uint32_t key, uint32_t reg) {
    Expr& e = Emit(Expr::Kind::kMetaLoad);
    e.key = key;
    e.dreg = reg;
  }
  void Payload(uint32_t base, uint32_t offset, uint32_t len, uint32_t reg) {
    Expr& e = Emit(Expr::Kind::kPayload);
    e.base = base;
    e.offset = offset;
    e.len = len;
    e.dreg = reg;
  }
  void Bitwise(uint32_t reg, Bytes mask, Bytes x) {
    Expr& e = Emit(Expr::Kind::kBitwise);
    e.sreg = reg;
    e.dreg = reg;
    e.len = static_cast<uint32_t>(mask.size());
    e.mask = std::move(mask);
    e.xor_data = std::move(x);
  }
  void Verdict(int32_t v, std::string chain = "") {
    Expr& e = Emit(Expr::Kind::kVerdict);
    e.verdict = v;
    e.name = std::move(chain);
    verdict_ = true;
  }

  // Protocol dependencies, as nft adds them: the IPv4 check in inet tables,
  // the transport protocol check for tcp/udp/sctp header fields.
  Status NeedIpv4() {
    if (net_known_) return Status::OK();
    MetaLoad(kMetaNfproto, 1);
    Cmp(1, kCmpEq, Bytes{static_cast<uint8_t>(kNfprotoIpv4)});
    net_known_ = true;
    return Status::OK();
  }
  Status NeedL4(uint8_t proto) {
    if (l4_ == proto) return Status::OK();
    if (l4_ != 0) return Unsupported("conflicting protocols in one rule");
    MetaLoad(kMetaL4proto, 1);
    Cmp(1, kCmpEq, Bytes{proto});
    l4_ = proto;
    return Status::OK();
  }
  Status Dependency(const Selector& s) {
    if (s.kind == Selector::Kind::kIpAddr) return NeedIpv4();
    if (s.kind == Selector::Kind::kPort && s.proto != 0) return NeedL4(s.proto);
    return Status::OK();
  }
  void Load(const Selector& s, uint32_t reg, uint32_t len_override = 0) {
    switch (s.kind) {
      case Selector::Kind::kIpAddr:
        Payload(kPayloadNetwork, s.offset, len_override ? len_override : 4, reg);
        break;
      case Selector::Kind::kL4proto:
        MetaLoad(kMetaL4proto, reg);
        break;
      case Selector::Kind::kPort:
        Payload(kPayloadTransport, s.offset, 2, reg);
        break;
      case Selector::Kind::kFibType: {
        Expr& e = Emit(Expr::Kind::kFib);
        e.key = kFibResultAddrtype;
        e.flags = s.fib_flags;
        e.dreg = reg;
        break;
      }
    }
  }

  // Parses a selector at the cursor, if there is one.
  std::optional<Selector> ParseSelector() {
    std::string_view a = Peek(), b = Peek(1);
    Selector s{};
    if (a == "ip" && (b == "daddr" || b == "saddr")) {
      s.kind = Selector::Kind::kIpAddr;
      s.offset = b == "daddr" ? 16 : 12;
      pos_ += 2;
      return s;
    }
    if (a == "meta" && b == "l4proto") {
      s.kind = Selector::Kind::kL4proto;
      pos_ += 2;
      return s;
    }
    if ((a == "th" || a == "tcp" || a == "udp" || a == "sctp") && (b == "dport" || b == "sport")) {
      s.kind = Selector::Kind::kPort;
      s.offset = b == "dport" ? 2 : 0;
      s.proto = a == "th" ? 0 : *ParseProto(a);
      pos_ += 2;
      return s;
    }
    if (a == "fib" && (b == "daddr" || b == "saddr") && Peek(2) == "type") {
      s.kind = Selector::Kind::kFibType;
      s.fib_flags = b == "daddr" ? kFibDaddr : kFibSaddr;
      pos_ += 3;
      return s;
    }
    return std::nullopt;
  }

  Status Statement() {
    size_t start = pos_;
    if (auto sel = ParseSelector()) {
      if (Peek() == "." || Peek() == "vmap") return Vmap(*sel);
      return Relational(*sel);
    }
    pos_ = start;
    std::string_view t = Next();
    if (t == "meta" && Peek() == "mark") return Mark();
    if (t == "ct") return CtState();
    if (t == "numgen") return Numgen();
    if (t == "counter") {
      Emit(Expr::Kind::kCounter);
      return Status::OK();
    }
    if (t == "update") return Update();
    if (t == "accept") return Verdict(kVerdictAccept), Status::OK();
    if (t == "drop") return Verdict(kVerdictDrop), Status::OK();
    if (t == "return") return Verdict(kVerdictReturn), Status::OK();
    if (t == "jump" || t == "goto") {
      std::string_view chain = Next();
      if (chain.empty()) return Unsupported("jump/goto without a chain");
      Verdict(t == "jump" ? kVerdictJump : kVerdictGoto, std::string(chain));
      return Status::OK();
    }
    if (t == "reject") return Reject();
    if (t == "dnat") return Dnat();
    if (t == "masquerade") {
      Emit(Expr::Kind::kMasq);
      verdict_ = true;
      return Status::OK();
    }
    return Unsupported("statement \"" + std::string(t) + "\"");
  }

  Status Relational(const Selector& sel) {
    bool neq = Accept("!=");
    std::string_view v = Next();
    if (v.empty()) return Unsupported("match without a value");
    if (Status s = Dependency(sel); !s.ok()) return s;
    uint32_t op = neq ? kCmpNeq : kCmpEq;
    switch (sel.kind) {
      case Selector::Kind::kIpAddr: {
        if (v[0] == '@') {
          if (neq) return Unsupported("\"!= @set\"");
          Load(sel, 1);
          Expr& e = Emit(Expr::Kind::kLookup);
          e.sreg = 1;
          e.name = std::string(v.substr(1));
          return Status::OK();
        }
        int plen = 32;
        std::string_view addr = v;
        if (auto slash = v.find('/'); slash != std::string_view::npos) {
          auto n = ParseUint(v.substr(slash + 1), 32);
          if (!n) return Unsupported("prefix \"" + std::string(v) + "\"");
          plen = static_cast<int>(*n);
          addr = v.substr(0, slash);
        }
        auto bytes = ParseIpv4(addr);
        if (!bytes) return Unsupported("address \"" + std::string(v) + "\"");
        if (plen == 32) {
          Load(sel, 1);
          Cmp(1, op, *bytes);
        } else if (plen % 8 == 0 && plen > 0) {
          Load(sel, 1, plen / 8);
          bytes->resize(plen / 8);
          Cmp(1, op, *bytes);
        } else {
          Bytes mask(4, 0);
          for (int i = 0; i < plen; ++i) mask[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
          for (int i = 0; i < 4; ++i) (*bytes)[i] &= mask[i];
          Load(sel, 1);
          Bitwise(1, mask, Bytes(4, 0));
          Cmp(1, op, *bytes);
        }
        return Status::OK();
      }
      case Selector::Kind::kL4proto: {
        auto p = ParseProto(v);
        if (!p) return Unsupported("protocol \"" + std::string(v) + "\"");
        if (!neq) {
          if (l4_ != 0 && l4_ != *p) return Unsupported("conflicting protocols in one rule");
          if (l4_ == *p) return Status::OK();  // nft folds a repeated protocol match
          l4_ = *p;
        }
        Load(sel, 1);
        Cmp(1, op, Bytes{*p});
        return Status::OK();
      }
      case Selector::Kind::kPort: {
        auto p = ParseUint(v, 65535);
        if (!p) return Unsupported("port \"" + std::string(v) + "\"");
        Load(sel, 1);
        Cmp(1, op, Port(*p));
        return Status::OK();
      }
      case Selector::Kind::kFibType: {
        if (v != "local") return Unsupported("fib type \"" + std::string(v) + "\"");
        Load(sel, 1);
        Cmp(1, op, U32(kRtnLocal));
        return Status::OK();
      }
    }
    return Unsupported("match");
  }

  // "SEL [. SEL]* vmap @MAP": dependencies of every field first, then the
  // fields into consecutive 32-bit registers, then the lookup.
  Status Vmap(Selector first) {
    std::vector<Selector> fields{first};
    while (Accept(".")) {
      auto s = ParseSelector();
      if (!s) return Unsupported("map key field \"" + std::string(Peek()) + "\"");
      fields.push_back(*s);
    }
    if (Status s = Expect("vmap"); !s.ok()) return s;
    std::string_view map = Next();
    if (map.size() < 2 || map[0] != '@') return Unsupported("vmap without @MAP");
    for (const auto& f : fields) {
      if (Status s = Dependency(f); !s.ok()) return s;
    }
    uint32_t slot = 0;  // 32-bit register slots used so far
    for (const auto& f : fields) {
      Load(f, slot == 0 ? 1 : 8 + slot);
      slot += (f.len() + 3) / 4;
    }
    Expr& e = Emit(Expr::Kind::kLookup);
    e.sreg = 1;
    e.name = std::string(map.substr(1));
    e.has_dreg = true;
    e.dreg = 0;
    verdict_ = true;
    return Status::OK();
  }

  Status Mark() {
    Next();  // "mark"
    if (Accept("&")) {
      auto m = ParseUint(Next(), UINT32_MAX);
      if (!m || *m == UINT32_MAX || *m == 0) return Unsupported("mark mask");
      if (Status s = Expect("=="); !s.ok()) return s;
      auto v = ParseUint(Next(), UINT32_MAX);
      if (!v) return Unsupported("mark value");
      MetaLoad(kMetaMark, 1);
      Bitwise(1, U32(*m), U32(0));
      Cmp(1, kCmpEq, U32(*v));
      return Status::OK();
    }
    if (Accept("set")) {
      if (!Accept("meta") || !Accept("mark") || !Accept("|")) return Unsupported("mark statement");
      auto m = ParseUint(Next(), UINT32_MAX);
      if (!m || *m == 0 || *m == UINT32_MAX) return Unsupported("mark bits");
      MetaLoad(kMetaMark, 1);
      Bitwise(1, U32(~*m), U32(*m));
      Expr& e = Emit(Expr::Kind::kMetaSet);
      e.key = kMetaMark;
      e.sreg = 1;
      return Status::OK();
    }
    return Unsupported("meta mark form");
  }

  Status CtState() {
    if (Status s = Expect("state"); !s.ok()) return s;
    uint32_t bits = 0;
    do {
      std::string_view st = Next();
      if (st == "invalid") bits |= 1;
      else if (st == "established") bits |= 2;
      else if (st == "related") bits |= 4;
      else if (st == "new") bits |= 8;
      else if (st == "untracked") bits |= 64;
      else return Unsupported("ct state \"" + std::string(st) + "\"");
    } while (Accept(","));
    Expr& e = Emit(Expr::Kind::kCtLoad);
    e.key = kCtState;
    e.dreg = 1;
    Bitwise(1, U32(bits), U32(0));
    Cmp(1, kCmpNeq, U32(0));
    return Status::OK();
  }

  Status Numgen() {
    if (!Accept("random") || !Accept("mod")) return Unsupported("numgen form");
    auto mod = ParseUint(Next(), INT32_MAX);
    if (!mod || *mod == 0 || !Accept("==")) return Unsupported("numgen modulus");
    auto eq = ParseUint(Next(), INT32_MAX);
    if (!eq) return Unsupported("numgen value");
    Expr& e = Emit(Expr::Kind::kNumgen);
    e.dreg = 1;
    e.modulus = *mod;
    e.type = kNumgenRandom;
    Cmp(1, kCmpEq, U32(*eq));
    return Status::OK();
  }

  Status Update() {
    std::string_view set = Next();
    if (set.size() < 2 || set[0] != '@') return Unsupported("update without @SET");
    if (!Accept("{") || !Accept("ip") || !Accept("saddr") || !Accept("}")) return Unsupported("update key");
    NeedIpv4();
    Payload(kPayloadNetwork, 12, 4, 1);
    Expr& e = Emit(Expr::Kind::kDynset);
    e.sreg = 1;
    e.op = kDynsetUpdate;
    e.name = std::string(set.substr(1));
    return Status::OK();
  }

  Status Reject() {
    Expr e{};
    e.kind = Expr::Kind::kReject;
    if (Accept("with")) {
      if (!Accept("tcp") || !Accept("reset")) return Unsupported("reject form");
      if (Status s = NeedL4(6); !s.ok()) return s;
      e.type = kRejectTcpRst;
      e.code = 0;
    } else if (net_known_) {
      e.type = kRejectIcmpUnreach;
      e.code = kIcmpPortUnreach;
    } else {
      e.type = kRejectIcmpxUnreach;
      e.code = kIcmpxPortUnreach;
    }
    out_.push_back(std::move(e));
    verdict_ = true;
    return Status::OK();
  }

  Status Dnat() {
    Accept("ip");
    if (Status s = Expect("to"); !s.ok()) return s;
    std::string_view target = Next();
    auto colon = target.rfind(':');
    if (colon == std::string_view::npos) return Unsupported("dnat without a port");
    auto addr = ParseIpv4(target.substr(0, colon));
    auto port = ParseUint(target.substr(colon + 1), 65535);
    if (!addr || !port) return Unsupported("dnat target \"" + std::string(target) + "\"");
    if (l4_ == 0) return Unsupported("dnat to a port without a transport protocol match");
    Expr& a = Emit(Expr::Kind::kImmediate);
    a.dreg = 1;
    a.data = *addr;
    Expr& p = Emit(Expr::Kind::kImmediate);
    p.dreg = 2;
    p.data = Port(*port);
    Expr& n = Emit(Expr::Kind::kNat);
    n.type = kNatDnat;
    n.family = kNfprotoIpv4;
    n.sreg = 1;
    n.flags = kNatRangeProtoSpecified;
    verdict_ = true;
    return Status::OK();
  }

  std::vector<std::string_view> tokens_;
  size_t pos_ = 0;
  Family family_;
  bool net_known_;
  uint8_t l4_ = 0;
  bool verdict_ = false;
  std::vector<Expr> out_;
};

std::string Words(const Bytes& b) {
  std::string out;
  for (size_t i = 0; i < b.size(); i += 4) {
    uint32_t w = 0;
    for (size_t j = 0; j < 4 && i + j < b.size(); ++j) w |= static_cast<uint32_t>(b[i + j]) << (8 * j);
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", w);
    if (!out.empty()) out += ' ';
    out += buf;
  }
  return out;
}

const char* MetaName(uint32_t k) {
  switch (k) {
    case kMetaMark: return "mark";
    case kMetaNfproto: return "nfproto";
    case kMetaL4proto: return "l4proto";
  }
  return "?";
}

std::string VerdictText(int32_t v, const std::string& chain) {
  switch (v) {
    case kVerdictAccept: return "accept";
    case kVerdictDrop: return "drop";
    case kVerdictReturn: return "return";
    case kVerdictJump: return "jump -> " + chain;
    case kVerdictGoto: return "goto -> " + chain;
  }
  return "?";
}

}  // namespace

StatusOr<std::vector<Expr>> TranslateRule(std::string_view rule, Family family) {
  return Translator(rule, family).Run();
}

std::string DebugString(const std::vector<Expr>& exprs) {
  std::string out;
  auto reg = [](uint32_t r) { return std::to_string(r); };
  for (const auto& e : exprs) {
    std::string line;
    switch (e.kind) {
      case Expr::Kind::kMetaLoad:
        line = std::string("meta load ") + MetaName(e.key) + " => reg " + reg(e.dreg);
        break;
      case Expr::Kind::kMetaSet:
        line = std::string("meta set ") + MetaName(e.key) + " with reg " + reg(e.sreg);
        break;
      case Expr::Kind::kPayload:
        line = "payload load " + std::to_string(e.len) + "b @ " +
               (e.base == kPayloadNetwork ? "network" : "transport") + " header + " + std::to_string(e.offset) +
               " => reg " + reg(e.dreg);
        break;
      case Expr::Kind::kCmp:
        line = std::string("cmp ") + (e.op == kCmpEq ? "eq" : "neq") + " reg " + reg(e.sreg) + " " + Words(e.data);
        break;
      case Expr::Kind::kBitwise:
        line = "bitwise reg " + reg(e.dreg) + " = ( reg " + reg(e.sreg) + " & " + Words(e.mask) + " ) ^ " +
               Words(e.xor_data);
        break;
      case Expr::Kind::kCtLoad:
        line = "ct load state => reg " + reg(e.dreg);
        break;
      case Expr::Kind::kFib:
        line = std::string("fib ") + (e.flags == kFibDaddr ? "daddr" : "saddr") + " type => reg " + reg(e.dreg);
        break;
      case Expr::Kind::kNumgen:
        line = "numgen reg " + reg(e.dreg) + " = random mod " + std::to_string(e.modulus);
        break;
      case Expr::Kind::kLookup:
        line = "lookup reg " + reg(e.sreg) + " set " + e.name + (e.has_dreg ? " dreg " + reg(e.dreg) : "");
        break;
      case Expr::Kind::kDynset:
        line = "dynset update reg_key " + reg(e.sreg) + " set " + e.name;
        break;
      case Expr::Kind::kImmediate:
        line = "immediate reg " + reg(e.dreg) + " " + Words(e.data);
        break;
      case Expr::Kind::kVerdict:
        line = "immediate reg 0 " + VerdictText(e.verdict, e.name);
        break;
      case Expr::Kind::kCounter:
        line = "counter pkts 0 bytes 0";
        break;
      case Expr::Kind::kReject:
        line = "reject type " + std::to_string(e.type) + " code " + std::to_string(e.code);
        break;
      case Expr::Kind::kNat:
        line = "nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x" + std::to_string(e.flags);
        break;
      case Expr::Kind::kMasq:
        line = "masq";
        break;
    }
    out += "[ " + line + " ]\n";
  }
  return out;
}

StatusOr<KeyType> ParseKeyType(std::string_view text) {
  KeyType k;
  size_t pos = 0;
  while (true) {
    size_t next = text.find(" . ", pos);
    std::string_view f = text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    uint32_t id, len;
    if (f == "ipv4_addr") id = kTypeIpv4, len = 4;
    else if (f == "inet_proto") id = kTypeInetProto, len = 1;
    else if (f == "inet_service") id = kTypeInetService, len = 2;
    else if (f == "mark") id = kTypeMark, len = 4;
    else return Unsupported("set key type \"" + std::string(f) + "\"");
    k.field_type.push_back(id);
    k.field_len.push_back(len);
    k.type_id = (k.type_id << 6) | id;
    if (next == std::string_view::npos) break;
    pos = next + 3;
  }
  if (k.field_len.size() == 1) {
    k.len = k.field_len[0];
  } else {
    for (uint32_t l : k.field_len) k.len += (l + 3) / 4 * 4;
  }
  return k;
}

StatusOr<Bytes> EncodeKey(const KeyType& type, std::string_view text) {
  Bytes out;
  out.reserve(type.len);
  size_t pos = 0;
  const bool concat = type.field_len.size() > 1;
  for (size_t i = 0; i < type.field_type.size(); ++i) {
    size_t next = text.find(" . ", pos);
    if ((next == std::string_view::npos) != (i + 1 == type.field_type.size())) {
      return Unsupported("element \"" + std::string(text) + "\" (field count)");
    }
    std::string_view f = text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    Bytes b;
    switch (type.field_type[i]) {
      case kTypeIpv4: {
        auto a = ParseIpv4(f);
        if (!a) return Unsupported("element address \"" + std::string(f) + "\"");
        b = *a;
        break;
      }
      case kTypeInetProto: {
        auto p = ParseProto(f);
        if (!p) return Unsupported("element protocol \"" + std::string(f) + "\"");
        b = Bytes{*p};
        break;
      }
      case kTypeInetService: {
        auto p = ParseUint(f, 65535);
        if (!p) return Unsupported("element port \"" + std::string(f) + "\"");
        b = Port(*p);
        break;
      }
      case kTypeMark: {
        auto m = ParseUint(f, UINT32_MAX);
        if (!m) return Unsupported("element mark \"" + std::string(f) + "\"");
        b = U32(*m);
        break;
      }
    }
    if (concat) b.resize((b.size() + 3) / 4 * 4, 0);
    out.insert(out.end(), b.begin(), b.end());
    if (next != std::string_view::npos) pos = next + 3;
  }
  return out;
}

StatusOr<VerdictValue> ParseVerdict(std::string_view text) {
  if (text == "accept") return VerdictValue{kVerdictAccept, ""};
  if (text == "drop") return VerdictValue{kVerdictDrop, ""};
  if (text == "return") return VerdictValue{kVerdictReturn, ""};
  for (auto [word, v] : {std::pair{std::string_view("jump "), kVerdictJump}, std::pair{std::string_view("goto "), kVerdictGoto}}) {
    if (text.substr(0, word.size()) == word && text.size() > word.size() &&
        text.find(' ', word.size()) == std::string_view::npos) {
      return VerdictValue{v, std::string(text.substr(word.size()))};
    }
  }
  return Unsupported("verdict \"" + std::string(text) + "\"");
}

StatusOr<uint32_t> SetFlags(const Set& set) {
  uint32_t flags = set.is_map() ? 0x8 : 0;
  for (const auto& f : set.flags) {
    if (f == "constant") flags |= 0x2;
    else if (f == "interval") flags |= 0x4;
    else if (f == "timeout") flags |= 0x10;
    else if (f == "dynamic") flags |= 0x20;
    else return Unsupported("set flag \"" + f + "\"");
  }
  return flags;
}

}  // namespace netkube::nft::nftnl
