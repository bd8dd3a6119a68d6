// DNS messages (RFC 1035, EDNS0 RFC 6891): parsing and serialization.
//
// Resource records keep their RDATA in wire form with every domain name in it
// uncompressed; the accessors below decode the common types. Serialize
// compresses owner names and the names inside NS, CNAME, PTR, MX and SOA
// RDATA (never SRV targets, RFC 2782) and truncates to a size limit the way
// CoreDNS does: whole records are dropped from the end, TC is set when an
// answer record had to go, and the OPT record is always kept.
//
// Thread-safety: values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "util/status.h"

namespace netkube::dns {

namespace type {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15, TXT = 16,
                          AAAA = 28, SRV = 33, OPT = 41, IXFR = 251, AXFR = 252, ANY = 255;
}
namespace klass {
inline constexpr uint16_t IN = 1, CH = 3, ANY = 255;
}
namespace rcode {
inline constexpr int NoError = 0, FormErr = 1, ServFail = 2, NXDomain = 3, NotImp = 4, Refused = 5,
                     BadVers = 16;
}
namespace opcode {
inline constexpr int Query = 0, IQuery = 1, Status = 2, Notify = 4, Update = 5;
}

// "A", "AAAA", ... or "TYPE123" (RFC 3597); Parse accepts both, any case.
std::string TypeName(uint16_t t);
std::optional<uint16_t> ParseType(std::string_view s);
// "NOERROR", "NXDOMAIN", ... or the number.
std::string RcodeName(int rcode);

struct Header {
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  int opcode = opcode::Query;
  int rcode = rcode::NoError;  // 12 bits: the header's 4 plus the OPT record's 8
};

struct Question {
  Name name;
  uint16_t qtype = type::A;
  uint16_t qclass = klass::IN;
};

struct Soa {
  Name mname, rname;
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};
struct Srv {
  uint16_t priority = 0, weight = 0, port = 0;
  Name target;
};
struct Mx {
  uint16_t preference = 0;
  Name exchange;
};

struct ResourceRecord {
  Name name;
  uint16_t rtype = type::A;
  uint16_t rclass = klass::IN;
  uint32_t ttl = 0;
  std::string rdata;  // wire form, names uncompressed

  static ResourceRecord MakeA(const Name& name, uint32_t ttl, std::array<uint8_t, 4> ip);
  static ResourceRecord MakeAAAA(const Name& name, uint32_t ttl, std::array<uint8_t, 16> ip);
  // CNAME, NS, PTR: one name.
  static ResourceRecord MakeName(const Name& name, uint16_t rtype, uint32_t ttl, const Name& target);
  static ResourceRecord MakeSrv(const Name& name, uint32_t ttl, const Srv& srv);
  static ResourceRecord MakeSoa(const Name& name, uint32_t ttl, const Soa& soa);
  static ResourceRecord MakeMx(const Name& name, uint32_t ttl, const Mx& mx);
  // Each string becomes one character-string (split into 255-byte pieces).
  static ResourceRecord MakeTxt(const Name& name, uint32_t ttl, const std::vector<std::string>& texts);

  // Decoders; nullopt when the type differs or the RDATA is malformed.
  std::optional<std::array<uint8_t, 4>> a() const;
  std::optional<std::array<uint8_t, 16>> aaaa() const;
  std::optional<Name> target() const;  // CNAME, NS, PTR
  std::optional<Srv> srv() const;
  std::optional<Soa> soa() const;
  std::optional<Mx> mx() const;
  std::optional<std::vector<std::string>> txt() const;

  // dig's presentation: "name.\t5\tIN\tA\t10.96.0.1".
  std::string ToString() const;
};

// The OPT pseudo-record.
struct Edns {
  uint16_t udp_size = 512;  // the sender's advertised payload size
  uint8_t version = 0;
  bool do_bit = false;
  std::string options;  // raw option TLVs
};

struct Message {
  Header header;
  std::vector<Question> question;
  std::vector<ResourceRecord> answer, authority, additional;  // `additional` holds no OPT
  std::optional<Edns> edns;

  // A response skeleton for `query`: same id, opcode, rd, cd and question,
  // qr set, and an OPT record (payload size `udp_size`, the query's DO bit)
  // when the query had one.
  static Message ReplyTo(const Message& query, uint16_t udp_size = 1232);
};

// Why a packet failed to parse: nothing usable (drop it) or a readable
// header (answer FORMERR with the id, as CoreDNS does).
struct ParseError {
  Status status;
  std::optional<Header> header;
};

// Parses a whole message. Rejects (FormErr): truncated sections, trailing
// garbage, compression pointers that point forward or loop, labels over 63
// or names over 255 bytes, RDATA lengths past the end, malformed RDATA of the
// types with names, more than one OPT record or an OPT not owned by the root.
// Unknown types keep their RDATA as is.
StatusOr<Message> Parse(std::span<const uint8_t> packet, ParseError* error = nullptr);
inline StatusOr<Message> Parse(std::string_view packet, ParseError* error = nullptr) {
  return Parse(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(packet.data()), packet.size()),
               error);
}

// Encodes `msg` in at most `max_size` bytes (65535 for TCP; for UDP the
// client's EDNS size or 512). Compression as described above.
std::string Serialize(const Message& msg, size_t max_size = 65535);

}  // namespace netkube::dns
