// Resource record constructors, RDATA decoders and presentation (dig's
// format), type and rcode names, and Message::ReplyTo.
#include <arpa/inet.h>

#include <cstring>

#include "dns/message.h"

namespace netkube::dns {
namespace {

inline void Append16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}
inline void Append32(std::string& s, uint32_t v) {
  Append16(s, static_cast<uint16_t>(v >> 16));
  Append16(s, static_cast<uint16_t>(v));
}
inline uint16_t Get16(const std::string& s, size_t i) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[i]) << 8) | static_cast<uint8_t>(s[i + 1]));
}
inline uint32_t Get32(const std::string& s, size_t i) {
  return (static_cast<uint32_t>(Get16(s, i)) << 16) | Get16(s, i + 2);
}

// The uncompressed name at s[i..], advancing i; nullopt when malformed.
std::optional<Name> NameAt(const std::string& s, size_t& i) {
  size_t j = i;
  while (j < s.size()) {
    unsigned char len = static_cast<unsigned char>(s[j]);
    if (len == 0) {
      auto n = Name::FromWire(std::string_view(s).substr(i, j + 1 - i));
      if (!n.ok()) return std::nullopt;
      i = j + 1;
      return std::move(n).value();
    }
    if (len > kMaxLabel) return std::nullopt;
    j += 1 + len;
  }
  return std::nullopt;
}

ResourceRecord Base(const Name& name, uint16_t rtype, uint32_t ttl) {
  ResourceRecord rr;
  rr.name = name;
  rr.rtype = rtype;
  rr.rclass = klass::IN;
  rr.ttl = ttl;
  return rr;
}

struct TypeEntry {
  uint16_t code;
  const char* name;
};
constexpr TypeEntry kTypes[] = {
    {1, "A"},        {2, "NS"},        {5, "CNAME"},   {6, "SOA"},    {12, "PTR"},    {13, "HINFO"},
    {15, "MX"},      {16, "TXT"},      {17, "RP"},     {18, "AFSDB"}, {24, "SIG"},    {25, "KEY"},
    {28, "AAAA"},    {29, "LOC"},      {33, "SRV"},    {35, "NAPTR"}, {36, "KX"},     {37, "CERT"},
    {39, "DNAME"},   {41, "OPT"},      {42, "APL"},    {43, "DS"},    {44, "SSHFP"},  {46, "RRSIG"},
    {47, "NSEC"},    {48, "DNSKEY"},   {50, "NSEC3"},  {51, "NSEC3PARAM"}, {52, "TLSA"}, {53, "SMIMEA"},
    {59, "CDS"},     {60, "CDNSKEY"},  {61, "OPENPGPKEY"}, {64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"},
    {249, "TKEY"},   {250, "TSIG"},    {251, "IXFR"},  {252, "AXFR"}, {255, "ANY"},   {256, "URI"},
    {257, "CAA"},
};

std::string ClassName(uint16_t c) {
  switch (c) {
    case klass::IN: return "IN";
    case klass::CH: return "CH";
    case 4: return "HS";
    case 254: return "NONE";
    case klass::ANY: return "ANY";
    default: return "CLASS" + std::to_string(c);
  }
}

// A character-string in quotes, as dig prints TXT data.
void AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[4] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + (c / 10) % 10),
                     static_cast<char>('0' + c % 10)};
      out.append(buf, 4);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

// Splits RDATA into character-strings; nullopt when a length runs past the end.
std::optional<std::vector<std::string>> CharacterStrings(const std::string& d) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < d.size()) {
    size_t len = static_cast<unsigned char>(d[i]);
    if (i + 1 + len > d.size()) return std::nullopt;
    out.emplace_back(d, i + 1, len);
    i += 1 + len;
  }
  return out;
}

}  // namespace

std::string TypeName(uint16_t t) {
  for (const TypeEntry& e : kTypes) {
    if (e.code == t) return e.name;
  }
  return "TYPE" + std::to_string(t);
}

std::optional<uint16_t> ParseType(std::string_view s) {
  auto iequal = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i], y = b[i];
      if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
      if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
      if (x != y) return false;
    }
    return true;
  };
  for (const TypeEntry& e : kTypes) {
    if (iequal(s, e.name)) return e.code;
  }
  if (s.size() > 4 && iequal(s.substr(0, 4), "TYPE") && s.size() <= 9) {
    uint32_t v = 0;
    for (char c : s.substr(4)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v > 0xFFFF) return std::nullopt;
    return static_cast<uint16_t>(v);
  }
  return std::nullopt;
}

std::string RcodeName(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH";
    case 10: return "NOTZONE";
    case 16: return "BADVERS";
    case 17: return "BADKEY";
    case 18: return "BADTIME";
    case 19: return "BADMODE";
    case 20: return "BADNAME";
    case 21: return "BADALG";
    case 22: return "BADTRUNC";
    case 23: return "BADCOOKIE";
    default: return std::to_string(rcode);
  }
}

ResourceRecord ResourceRecord::MakeA(const Name& name, uint32_t ttl, std::array<uint8_t, 4> ip) {
  ResourceRecord rr = Base(name, type::A, ttl);
  rr.rdata.assign(reinterpret_cast<const char*>(ip.data()), ip.size());
  return rr;
}

ResourceRecord ResourceRecord::MakeAAAA(const Name& name, uint32_t ttl, std::array<uint8_t, 16> ip) {
  ResourceRecord rr = Base(name, type::AAAA, ttl);
  rr.rdata.assign(reinterpret_cast<const char*>(ip.data()), ip.size());
  return rr;
}

ResourceRecord ResourceRecord::MakeName(const Name& name, uint16_t rtype, uint32_t ttl, const Name& target) {
  ResourceRecord rr = Base(name, rtype, ttl);
  rr.rdata = target.wire();
  return rr;
}

ResourceRecord ResourceRecord::MakeSrv(const Name& name, uint32_t ttl, const Srv& srv) {
  ResourceRecord rr = Base(name, type::SRV, ttl);
  rr.rdata.reserve(6 + srv.target.wire().size());
  Append16(rr.rdata, srv.priority);
  Append16(rr.rdata, srv.weight);
  Append16(rr.rdata, srv.port);
  rr.rdata += srv.target.wire();
  return rr;
}

ResourceRecord ResourceRecord::MakeSoa(const Name& name, uint32_t ttl, const Soa& soa) {
  ResourceRecord rr = Base(name, type::SOA, ttl);
  rr.rdata.reserve(soa.mname.wire().size() + soa.rname.wire().size() + 20);
  rr.rdata += soa.mname.wire();
  rr.rdata += soa.rname.wire();
  Append32(rr.rdata, soa.serial);
  Append32(rr.rdata, soa.refresh);
  Append32(rr.rdata, soa.retry);
  Append32(rr.rdata, soa.expire);
  Append32(rr.rdata, soa.minimum);
  return rr;
}

ResourceRecord ResourceRecord::MakeMx(const Name& name, uint32_t ttl, const Mx& mx) {
  ResourceRecord rr = Base(name, type::MX, ttl);
  Append16(rr.rdata, mx.preference);
  rr.rdata += mx.exchange.wire();
  return rr;
}

ResourceRecord ResourceRecord::MakeTxt(const Name& name, uint32_t ttl, const std::vector<std::string>& texts) {
  ResourceRecord rr = Base(name, type::TXT, ttl);
  for (const std::string& t : texts) {
    size_t i = 0;
    do {
      size_t len = std::min<size_t>(255, t.size() - i);
      rr.rdata.push_back(static_cast<char>(len));
      rr.rdata.append(t, i, len);
      i += len;
    } while (i < t.size());
  }
  return rr;
}

std::optional<std::array<uint8_t, 4>> ResourceRecord::a() const {
  if (rtype != type::A || rdata.size() != 4) return std::nullopt;
  std::array<uint8_t, 4> ip;
  std::memcpy(ip.data(), rdata.data(), 4);
  return ip;
}

std::optional<std::array<uint8_t, 16>> ResourceRecord::aaaa() const {
  if (rtype != type::AAAA || rdata.size() != 16) return std::nullopt;
  std::array<uint8_t, 16> ip;
  std::memcpy(ip.data(), rdata.data(), 16);
  return ip;
}

std::optional<Name> ResourceRecord::target() const {
  if (rtype != type::CNAME && rtype != type::NS && rtype != type::PTR) return std::nullopt;
  size_t i = 0;
  auto n = NameAt(rdata, i);
  if (!n || i != rdata.size()) return std::nullopt;
  return n;
}

std::optional<Srv> ResourceRecord::srv() const {
  if (rtype != type::SRV || rdata.size() < 7) return std::nullopt;
  Srv s;
  s.priority = Get16(rdata, 0);
  s.weight = Get16(rdata, 2);
  s.port = Get16(rdata, 4);
  size_t i = 6;
  auto n = NameAt(rdata, i);
  if (!n || i != rdata.size()) return std::nullopt;
  s.target = std::move(*n);
  return s;
}

std::optional<Soa> ResourceRecord::soa() const {
  if (rtype != type::SOA) return std::nullopt;
  Soa s;
  size_t i = 0;
  auto m = NameAt(rdata, i);
  if (!m) return std::nullopt;
  auto r = NameAt(rdata, i);
  if (!r || i + 20 != rdata.size()) return std::nullopt;
  s.mname = std::move(*m);
  s.rname = std::move(*r);
  s.serial = Get32(rdata, i);
  s.refresh = Get32(rdata, i + 4);
  s.retry = Get32(rdata, i + 8);
  s.expire = Get32(rdata, i + 12);
  s.minimum = Get32(rdata, i + 16);
  return s;
}

std::optional<Mx> ResourceRecord::mx() const {
  if (rtype != type::MX || rdata.size() < 3) return std::nullopt;
  Mx m;
  m.preference = Get16(rdata, 0);
  size_t i = 2;
  auto n = NameAt(rdata, i);
  if (!n || i != rdata.size()) return std::nullopt;
  m.exchange = std::move(*n);
  return m;
}

std::optional<std::vector<std::string>> ResourceRecord::txt() const {
  if (rtype != type::TXT) return std::nullopt;
  return CharacterStrings(rdata);
}

std::string ResourceRecord::ToString() const {
  std::string out = name.ToString();
  out += '\t';
  out += std::to_string(ttl);
  out += '\t';
  out += ClassName(rclass);
  out += '\t';
  out += TypeName(rtype);
  out += '\t';
  switch (rtype) {
    case type::A:
      if (auto ip = a()) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, ip->data(), buf, sizeof buf);
        return out += buf;
      }
      break;
    case type::AAAA:
      if (auto ip = aaaa()) {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, ip->data(), buf, sizeof buf);
        return out += buf;
      }
      break;
    case type::NS:
    case type::CNAME:
    case type::PTR:
      if (auto t = target()) return out += t->ToString();
      break;
    case type::MX:
      if (auto m = mx()) return out += std::to_string(m->preference) + " " + m->exchange.ToString();
      break;
    case type::SRV:
      if (auto s = srv()) {
        return out += std::to_string(s->priority) + " " + std::to_string(s->weight) + " " + std::to_string(s->port) +
                      " " + s->target.ToString();
      }
      break;
    case type::SOA:
      if (auto s = soa()) {
        out += s->mname.ToString() + " " + s->rname.ToString();
        for (uint32_t v : {s->serial, s->refresh, s->retry, s->expire, s->minimum}) {
          out += ' ';
          out += std::to_string(v);
        }
        return out;
      }
      break;
    case type::TXT:
    case type::HINFO:
      if (auto strings = CharacterStrings(rdata); strings && !strings->empty()) {
        for (size_t i = 0; i < strings->size(); ++i) {
          if (i) out += ' ';
          AppendQuoted(out, (*strings)[i]);
        }
        return out;
      }
      break;
    default:
      break;
  }
  // RFC 3597's generic form.
  static const char kHex[] = "0123456789ABCDEF";
  out += "\\# ";
  out += std::to_string(rdata.size());
  if (!rdata.empty()) out += ' ';
  for (unsigned char c : rdata) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

Message Message::ReplyTo(const Message& query, uint16_t udp_size) {
  Message m;
  m.header.id = query.header.id;
  m.header.qr = true;
  m.header.opcode = query.header.opcode;
  m.header.rd = query.header.rd;
  m.header.cd = query.header.cd;
  m.question = query.question;
  if (query.edns) {
    Edns e;
    e.udp_size = udp_size;
    e.do_bit = query.edns->do_bit;
    m.edns = e;
  }
  return m;
}

}  // namespace netkube::dns
