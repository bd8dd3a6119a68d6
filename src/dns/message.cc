// Parsing and serialization of DNS messages (RFC 1035 section 4, RFC 6891).
#include "dns/message.h"

#include <algorithm>
#include <cstring>

#include "dns/wire_scan.h"

namespace netkube::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMinMsgSize = 512;  // RFC 6891: smaller payload sizes count as 512

inline uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t Get32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
using wire::Put16;
using wire::Put32;
inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// Length of the uncompressed wire name at the start of `p` (at most `n`
// bytes), or 0 when it is not one valid name.
size_t WireNameLen(const char* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char len = static_cast<unsigned char>(p[i]);
    if (len == 0) return i + 1 <= kMaxName ? i + 1 : 0;
    if (len > kMaxLabel) return 0;
    i += 1 + len;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Parsing

struct Reader {
  const uint8_t* p;
  size_t n;
  size_t off = 0;
};

// Reads a possibly compressed name at r.off into `out` (uncompressed wire,
// at most 255 bytes), advancing r.off past it. Each pointer must point before
// the start of the label run it ends, so positions strictly decrease and the
// walk ends after at most n jumps; the name length bounds the labels.
const char* ReadName(Reader& r, char* out, size_t& out_len) {
  const uint8_t* p = r.p;
  size_t n = r.n;
  size_t pos = r.off;
  size_t run_start = pos;
  bool jumped = false;
  out_len = 0;
  for (;;) {
    // The labels of one run, copied at once when it ends.
    uint8_t c;
    for (;;) {
      if (pos >= n) return "truncated name";
      c = p[pos];
      if (c == 0 || c > kMaxLabel) break;
      pos += 1 + c;
      if (out_len + (pos - run_start) + 1 > kMaxName) return "name longer than 255 bytes";
    }
    size_t run = pos - run_start;
    std::memcpy(out + out_len, p + run_start, run);
    out_len += run;
    if (c == 0) {
      out[out_len++] = 0;
      if (!jumped) r.off = pos + 1;
      return nullptr;
    }
    if ((c & 0xC0) != 0xC0) return "bad label type";
    if (pos + 1 >= n) return "truncated name";
    size_t target = (static_cast<size_t>(c & 0x3F) << 8) | p[pos + 1];
    if (target >= run_start) return "bad compression pointer";
    if (!jumped) {
      r.off = pos + 2;
      jumped = true;
    }
    pos = run_start = target;
  }
}

Name MakeName(const char* wire, size_t len) {
  // ReadName produced a valid name; FromWire cannot fail here.
  auto n = Name::FromWire(std::string_view(wire, len));
  return n.ok() ? std::move(n).value() : Name();
}

const char* ReadNameInto(Reader& r, Name& name) {
  char buf[kMaxName + 1];
  size_t len;
  if (const char* e = ReadName(r, buf, len)) return e;
  name = MakeName(buf, len);
  return nullptr;
}

const char* ReadNameAppend(Reader& r, std::string& rdata) {
  char buf[kMaxName + 1];
  size_t len;
  if (const char* e = ReadName(r, buf, len)) return e;
  rdata.append(buf, len);
  return nullptr;
}

// RDATA of [r.off, end): decompresses the names of the types that have them.
const char* ReadRdata(Reader& r, uint16_t rtype, size_t end, std::string& rdata) {
  size_t start = r.off;
  Reader sub = r;
  auto fixed = [&](size_t k) -> const char* {
    if (sub.off + k > end) return "truncated rdata";
    rdata.append(reinterpret_cast<const char*>(sub.p + sub.off), k);
    sub.off += k;
    return nullptr;
  };
  const char* e = nullptr;
  switch (rtype) {
    case type::NS:
    case type::CNAME:
    case type::PTR:
      rdata.reserve(end - start + 16);
      e = ReadNameAppend(sub, rdata);
      break;
    case type::MX:
      rdata.reserve(end - start + 16);
      if (!(e = fixed(2))) e = ReadNameAppend(sub, rdata);
      break;
    case type::SRV:
      rdata.reserve(end - start + 16);
      if (!(e = fixed(6))) e = ReadNameAppend(sub, rdata);
      break;
    case type::SOA:
      rdata.reserve(end - start + 32);
      if (!(e = ReadNameAppend(sub, rdata)) && !(e = ReadNameAppend(sub, rdata))) e = fixed(20);
      break;
    default:
      rdata.assign(reinterpret_cast<const char*>(r.p + start), end - start);
      r.off = end;
      return nullptr;
  }
  if (e) return e;
  if (sub.off != end) return "bad rdata length";
  r.off = end;
  return nullptr;
}

Header ReadHeader(const uint8_t* p) {
  Header h;
  h.id = Get16(p);
  uint16_t f = Get16(p + 2);
  h.qr = f & 0x8000;
  h.opcode = (f >> 11) & 0xF;
  h.aa = f & 0x0400;
  h.tc = f & 0x0200;
  h.rd = f & 0x0100;
  h.ra = f & 0x0080;
  h.ad = f & 0x0020;
  h.cd = f & 0x0010;
  h.rcode = f & 0xF;
  return h;
}

// ---------------------------------------------------------------------------
// Serialization

bool EqualFold(const char* a, const char* b, size_t n) {
  if (std::memcmp(a, b, n) == 0) return true;  // the usual case: same spelling
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i] && Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

uint32_t FoldHash(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<uint8_t>(Lower(c));
    h *= 16777619u;
  }
  return h;
}

// The compression table: suffixes of names already written, keyed
// case-insensitively. A suffix is remembered by a view of its source wire
// bytes (alive for the whole Serialize) and its offset in the output. Small
// tables (a typical answer) are scanned with the length as the filter; past
// kSmall entries the table moves to an open-addressing hash index.
class Compressor {
 public:
  // Offset of an earlier suffix equal to `s`, or -1.
  int Find(std::string_view s) const {
    if (!big_) {
      for (int i = 0; i < n_; ++i) {
        const Entry& e = small_[i];
        if (e.len == s.size() && EqualFold(e.data, s.data(), s.size())) return e.offset;
      }
      return -1;
    }
    uint32_t h = FoldHash(s);
    size_t mask = buckets_.size() - 1;
    for (size_t b = h & mask;; b = (b + 1) & mask) {
      int32_t idx = buckets_[b];
      if (idx < 0) return -1;
      const Entry& e = entries_[idx];
      if (e.hash == h && e.len == s.size() && EqualFold(e.data, s.data(), s.size())) return e.offset;
    }
  }

  void Add(std::string_view s, size_t offset) {
    if (offset >= 0x4000) return;  // a pointer holds 14 bits
    Entry e{0, static_cast<uint16_t>(offset), static_cast<uint16_t>(s.size()), s.data()};
    if (!big_) {
      if (n_ < kSmall) {
        small_[n_++] = e;
        return;
      }
      big_ = true;
      entries_.reserve(4 * kSmall);
      for (int i = 0; i < n_; ++i) {
        entries_.push_back(small_[i]);
        entries_.back().hash = FoldHash(std::string_view(small_[i].data, small_[i].len));
      }
      Rehash(4 * kSmall);
    }
    if ((entries_.size() + 1) * 2 > buckets_.size()) Rehash(buckets_.size() * 2);
    e.hash = FoldHash(s);
    entries_.push_back(e);
    Insert(static_cast<int32_t>(entries_.size() - 1));
  }

 private:
  struct Entry {
    uint32_t hash;
    uint16_t offset;
    uint16_t len;
    const char* data;
  };
  void Rehash(size_t size) {
    buckets_.assign(size, -1);
    for (size_t i = 0; i < entries_.size(); ++i) Insert(static_cast<int32_t>(i));
  }
  void Insert(int32_t idx) {
    size_t mask = buckets_.size() - 1;
    size_t b = entries_[idx].hash & mask;
    while (buckets_[b] >= 0) b = (b + 1) & mask;
    buckets_[b] = idx;
  }

  static constexpr int kSmall = 32;
  Entry small_[kSmall];
  int n_ = 0;
  bool big_ = false;
  std::vector<Entry> entries_;
  std::vector<int32_t> buckets_;
};

class Writer {
 public:
  explicit Writer(size_t reserve) { out_.reserve(reserve); }
  std::string& out() { return out_; }
  size_t size() const { return out_.size(); }

  // Writes the uncompressed wire name `w` (valid), compressing it against
  // earlier names when `compress` and remembering its suffixes when `remember`.
  void PutName(std::string_view w, bool compress, bool remember) {
    if (w.size() <= 1) {  // the root
      out_.push_back('\0');
      return;
    }
    if (!compress && !remember) {
      out_.append(w);
      return;
    }
    uint8_t starts[128];
    int k = 0;
    for (size_t i = 0; i < w.size() && w[i] != 0 && k < 128; i += 1 + static_cast<unsigned char>(w[i])) {
      starts[k++] = static_cast<uint8_t>(i);
    }
    size_t base = out_.size();
    int hit = k;
    int ptr = -1;
    if (compress) {
      for (int j = 0; j < k; ++j) {
        ptr = table_.Find(w.substr(starts[j]));
        if (ptr >= 0) {
          hit = j;
          break;
        }
      }
    }
    if (ptr >= 0) {
      char* o = Grow(starts[hit] + 2);
      std::memcpy(o, w.data(), starts[hit]);
      Put16(o + starts[hit], static_cast<uint16_t>(0xC000 | ptr));
    } else {
      out_.append(w);
    }
    if (remember) {
      for (int j = 0; j < hit; ++j) table_.Add(w.substr(starts[j]), base + starts[j]);
    }
  }

  // One resource record; names in NS, CNAME, PTR, MX and SOA RDATA are compressed.
  void PutRecord(const ResourceRecord& rr) {
    PutName(rr.name.wire(), true, true);
    char fixed[10];
    Put16(fixed, rr.rtype);
    Put16(fixed + 2, rr.rclass);
    Put32(fixed + 4, rr.ttl);
    Put16(fixed + 8, 0);
    out_.append(fixed, 10);
    size_t rdlen_at = out_.size() - 2;
    size_t rd_start = out_.size();
    PutRdata(rr);
    size_t rdlen = out_.size() - rd_start;
    Put16(out_.data() + rdlen_at, static_cast<uint16_t>(rdlen));
  }

  void Truncate(size_t size) { out_.resize(size); }

  // Extends the output by n bytes and returns where they start.
  char* Grow(size_t n) {
    size_t at = out_.size();
    out_.resize(at + n);
    return out_.data() + at;
  }

 private:
  void PutRdata(const ResourceRecord& rr) {
    const std::string& d = rr.rdata;
    switch (rr.rtype) {
      case type::NS:
      case type::CNAME:
      case type::PTR:
        if (WireNameLen(d.data(), d.size()) == d.size()) {
          PutName(d, true, true);
          return;
        }
        break;
      case type::MX:
        if (d.size() > 2 && WireNameLen(d.data() + 2, d.size() - 2) == d.size() - 2) {
          out_.append(d.data(), 2);
          PutName(std::string_view(d).substr(2), true, true);
          return;
        }
        break;
      case type::SOA: {
        size_t m = WireNameLen(d.data(), d.size());
        if (m == 0) break;
        size_t r = WireNameLen(d.data() + m, d.size() - m);
        if (r == 0 || m + r + 20 != d.size()) break;
        std::string_view v(d);
        PutName(v.substr(0, m), true, true);
        PutName(v.substr(m, r), true, true);
        out_.append(d.data() + m + r, 20);
        return;
      }
      default:
        break;
    }
    out_.append(d);  // SRV targets go out uncompressed (RFC 2782), as do unknown types
  }

  std::string out_;
  Compressor table_;
};

size_t RecordSizeBound(const ResourceRecord& rr) { return rr.name.wire().size() + 10 + rr.rdata.size(); }

}  // namespace

// ---------------------------------------------------------------------------

StatusOr<Message> Parse(std::span<const uint8_t> packet, ParseError* error) {
  auto fail = [&](const char* what, const Header* h) -> Status {
    Status s = Status::Invalid(std::string("dns: ") + what);
    if (error) {
      error->status = s;
      if (h) error->header = *h;
      else error->header.reset();
    }
    return s;
  };
  if (packet.size() < kHeaderSize) return fail("message shorter than its header", nullptr);
  const uint8_t* p = packet.data();
  Message msg;
  msg.header = ReadHeader(p);
  const Header& h = msg.header;
  size_t counts[4] = {Get16(p + 4), Get16(p + 6), Get16(p + 8), Get16(p + 10)};
  Reader r{p, packet.size(), kHeaderSize};

  // Bound the reservations by what the remaining bytes can hold.
  size_t rest = packet.size() - kHeaderSize;
  msg.question.reserve(std::min(counts[0], rest / 5));
  for (size_t i = 0; i < counts[0]; ++i) {
    Question q;
    if (const char* e = ReadNameInto(r, q.name)) return fail(e, &h);
    if (r.off + 4 > r.n) return fail("truncated question", &h);
    q.qtype = Get16(p + r.off);
    q.qclass = Get16(p + r.off + 2);
    r.off += 4;
    msg.question.push_back(std::move(q));
  }
  std::vector<ResourceRecord>* sections[3] = {&msg.answer, &msg.authority, &msg.additional};
  int ext_rcode = 0;
  for (int s = 0; s < 3; ++s) {
    size_t count = counts[s + 1];
    sections[s]->reserve(std::min(count, (r.n - std::min(r.off, r.n)) / 11));
    for (size_t i = 0; i < count; ++i) {
      ResourceRecord rr;
      if (const char* e = ReadNameInto(r, rr.name)) return fail(e, &h);
      if (r.off + 10 > r.n) return fail("truncated resource record", &h);
      rr.rtype = Get16(p + r.off);
      rr.rclass = Get16(p + r.off + 2);
      rr.ttl = Get32(p + r.off + 4);
      size_t rdlen = Get16(p + r.off + 8);
      r.off += 10;
      if (r.off + rdlen > r.n) return fail("rdata length past the end of the message", &h);
      if (rr.rtype == type::OPT) {
        if (s != 2) return fail("OPT record outside the additional section", &h);
        if (msg.edns) return fail("more than one OPT record", &h);
        if (!rr.name.IsRoot()) return fail("OPT record not owned by the root", &h);
        Edns ed;
        ed.udp_size = rr.rclass;
        ext_rcode = static_cast<int>(rr.ttl >> 24);
        ed.version = static_cast<uint8_t>(rr.ttl >> 16);
        ed.do_bit = rr.ttl & 0x8000;
        ed.options.assign(reinterpret_cast<const char*>(p + r.off), rdlen);
        r.off += rdlen;
        msg.edns = std::move(ed);
        continue;
      }
      if (const char* e = ReadRdata(r, rr.rtype, r.off + rdlen, rr.rdata)) return fail(e, &h);
      sections[s]->push_back(std::move(rr));
    }
  }
  if (r.off != r.n) return fail("trailing bytes after the message", &h);
  msg.header.rcode |= ext_rcode << 4;
  return msg;
}

std::string Serialize(const Message& msg, size_t max_size) {
  size_t limit = std::max(max_size, kMinMsgSize);

  // The OPT record (always kept): needed for EDNS or an extended rcode.
  bool need_opt = msg.edns.has_value() || msg.header.rcode > 0xF;
  Edns opt_default;
  opt_default.udp_size = 1232;
  const Edns& ed = msg.edns ? *msg.edns : opt_default;
  size_t opt_size = need_opt ? 11 + ed.options.size() : 0;

  size_t bound = kHeaderSize + opt_size;
  for (const Question& q : msg.question) bound += q.name.wire().size() + 4;
  for (const auto* sec : {&msg.answer, &msg.authority, &msg.additional}) {
    for (const ResourceRecord& rr : *sec) bound += RecordSizeBound(rr);
  }
  Writer w(std::min(bound, limit + 512));

  const Header& h = msg.header;
  char hdr[kHeaderSize] = {};
  Put16(hdr, h.id);
  w.out().append(hdr, kHeaderSize);

  for (const Question& q : msg.question) {
    w.PutName(q.name.wire(), true, true);
    char b[4];
    Put16(b, q.qtype);
    Put16(b + 2, q.qclass);
    w.out().append(b, 4);
  }

  size_t budget = limit > opt_size ? limit - opt_size : 0;
  size_t written[3] = {0, 0, 0};
  bool dropped = false;
  const std::vector<ResourceRecord>* sections[3] = {&msg.answer, &msg.authority, &msg.additional};
  for (int s = 0; s < 3 && !dropped; ++s) {
    for (const ResourceRecord& rr : *sections[s]) {
      if (rr.rtype == type::OPT) continue;  // the OPT record comes from msg.edns only
      size_t mark = w.size();
      w.PutRecord(rr);
      if (w.size() > budget) {
        w.Truncate(mark);
        dropped = true;
        break;
      }
      ++written[s];
    }
  }

  if (need_opt) {
    char b[11];
    b[0] = 0;
    Put16(b + 1, type::OPT);
    Put16(b + 3, ed.udp_size);
    uint32_t ttl = (static_cast<uint32_t>((h.rcode >> 4) & 0xFF) << 24) | (static_cast<uint32_t>(ed.version) << 16) |
                   (ed.do_bit ? 0x8000u : 0u);
    Put32(b + 5, ttl);
    Put16(b + 9, static_cast<uint16_t>(ed.options.size()));
    w.out().append(b, 11);
    w.out().append(ed.options);
  }

  // Dropping any record sets TC, as CoreDNS's Scrub (miekg/dns Msg.Truncate) does.
  uint16_t flags = static_cast<uint16_t>((h.qr ? 0x8000 : 0) | ((h.opcode & 0xF) << 11) | (h.aa ? 0x0400 : 0) |
                                         ((h.tc || dropped) ? 0x0200 : 0) | (h.rd ? 0x0100 : 0) |
                                         (h.ra ? 0x0080 : 0) | (h.ad ? 0x0020 : 0) | (h.cd ? 0x0010 : 0) |
                                         (h.rcode & 0xF));
  char* o = w.out().data();
  Put16(o + 2, flags);
  Put16(o + 4, static_cast<uint16_t>(msg.question.size()));
  Put16(o + 6, static_cast<uint16_t>(written[0]));
  Put16(o + 8, static_cast<uint16_t>(written[1]));
  Put16(o + 10, static_cast<uint16_t>(written[2] + (need_opt ? 1 : 0)));
  return std::move(w.out());
}

}  // namespace netkube::dns
