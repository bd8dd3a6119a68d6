// A walk over a DNS message in wire form that decodes nothing but where
// things are: the header, the end of the question section and, per resource
// record, its offsets, type, class and TTL. The response filters (cache,
// loadbalance, log) use it to read and patch a reply in place without a
// Parse/Serialize round trip.
//
// Names may be compressed; a walk follows no pointer (it only steps over
// them), so it costs one pass over the bytes. It checks bounds and
// structure, not the semantics Parse checks (message.h).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netkube::dns::wire {

inline constexpr size_t kHeaderSize = 12;

inline uint16_t Get16(std::string_view w, size_t off) {
  return static_cast<uint16_t>((static_cast<uint8_t>(w[off]) << 8) | static_cast<uint8_t>(w[off + 1]));
}
inline uint32_t Get32(std::string_view w, size_t off) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(w[off])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(w[off + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(w[off + 2])) << 8) | static_cast<uint8_t>(w[off + 3]);
}
inline void Put16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void Put32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

// Header flag bits, in the 16-bit word at offset 2.
inline constexpr uint16_t kQR = 0x8000, kAA = 0x0400, kTC = 0x0200, kRD = 0x0100, kRA = 0x0080, kZ = 0x0040,
                          kAD = 0x0020, kCD = 0x0010;
inline int Opcode(uint16_t flags) { return (flags >> 11) & 0xf; }
inline int Rcode(uint16_t flags) { return flags & 0xf; }

enum Section : uint8_t { kAnswer = 0, kAuthority = 1, kAdditional = 2 };

struct RecordSpan {
  uint32_t start = 0;     // first byte of the owner name
  uint32_t type_off = 0;  // TYPE; CLASS at +2, TTL at +4, RDLENGTH at +8, RDATA at +10
  uint32_t end = 0;       // one past the RDATA
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  Section section = kAnswer;

  uint32_t ttl_off() const { return type_off + 4; }
  uint32_t rdata() const { return type_off + 10; }
};

struct Scan {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t count[4] = {0, 0, 0, 0};  // QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT
  uint32_t question_end = 0;         // the first byte after the question section
  std::vector<RecordSpan> records;   // answer, then authority, then additional
  // Filled only when ScanMessage is asked to: the target offset of every
  // compression pointer in owner names and in the RDATA names of NS, CNAME,
  // SOA, PTR, MX and SRV (the types whose names may be compressed).
  std::vector<uint16_t> pointer_targets;
};

// Offset just past the (possibly compressed) name at `off`, or 0 when it
// runs past the end or has a bad label type. Appends the pointer target (if
// the name ends in one) to `targets` when it is not null.
size_t SkipName(std::string_view w, size_t off, std::vector<uint16_t>* targets = nullptr);

// Walks the whole message. False when it is shorter than its counts say or
// has bytes after the last record. `scan` is reused (its vectors cleared).
bool ScanMessage(std::string_view w, Scan* scan, bool want_pointer_targets = false);

// The name at `off` (compressed or not) in uncompressed, lower-cased wire
// form; false on a loop, a forward pointer, a bad label or past the end.
bool ReadLowerName(std::string_view w, size_t off, std::string* out);

// True when `name` equals `zone` or lies below it. Both are uncompressed
// lower-cased wire names (Name::key(), Request::qkey()); the root zone
// ("\0") holds every name.
bool InZone(std::string_view name, std::string_view zone);

}  // namespace netkube::dns::wire
