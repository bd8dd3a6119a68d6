// The wire walk (wire_scan.h).
#include "dns/wire_scan.h"

#include "dns/message.h"
#include "dns/name.h"

namespace netkube::dns::wire {

size_t SkipName(std::string_view w, size_t off, std::vector<uint16_t>* targets) {
  size_t n = w.size();
  while (off < n) {
    uint8_t len = static_cast<uint8_t>(w[off]);
    if (len == 0) return off + 1;
    if ((len & 0xc0) == 0xc0) {
      if (off + 2 > n) return 0;
      if (targets != nullptr) targets->push_back(static_cast<uint16_t>(Get16(w, off) & 0x3fff));
      return off + 2;
    }
    if ((len & 0xc0) != 0) return 0;  // 0x40 / 0x80 label types are obsolete
    off += 1 + len;
  }
  return 0;
}

namespace {

// Pointer targets of the names inside RDATA of the types that may compress.
bool RdataPointers(std::string_view w, const RecordSpan& r, std::vector<uint16_t>* targets) {
  size_t p = r.rdata();
  switch (r.type) {
    case type::NS:
    case type::CNAME:
    case type::PTR:
      return SkipName(w, p, targets) != 0;
    case type::MX:
      return r.end >= p + 2 && SkipName(w, p + 2, targets) != 0;
    case type::SRV:
      return r.end >= p + 6 && SkipName(w, p + 6, targets) != 0;
    case type::SOA: {
      size_t q = SkipName(w, p, targets);
      return q != 0 && SkipName(w, q, targets) != 0;
    }
    default:
      return true;
  }
}

}  // namespace

bool ScanMessage(std::string_view w, Scan* scan, bool want_pointer_targets) {
  scan->records.clear();
  scan->pointer_targets.clear();
  if (w.size() < kHeaderSize) return false;
  scan->id = Get16(w, 0);
  scan->flags = Get16(w, 2);
  for (int i = 0; i < 4; ++i) scan->count[i] = Get16(w, 4 + 2 * i);
  std::vector<uint16_t>* targets = want_pointer_targets ? &scan->pointer_targets : nullptr;

  size_t off = kHeaderSize;
  for (int q = 0; q < scan->count[0]; ++q) {
    off = SkipName(w, off, targets);
    if (off == 0 || off + 4 > w.size()) return false;
    off += 4;
  }
  scan->question_end = static_cast<uint32_t>(off);

  size_t total = size_t{scan->count[1]} + scan->count[2] + scan->count[3];
  scan->records.reserve(total);
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < scan->count[s + 1]; ++i) {
      RecordSpan r;
      r.start = static_cast<uint32_t>(off);
      off = SkipName(w, off, targets);
      if (off == 0 || off + 10 > w.size()) return false;
      r.type_off = static_cast<uint32_t>(off);
      r.type = Get16(w, off);
      r.klass = Get16(w, off + 2);
      r.ttl = Get32(w, off + 4);
      size_t rdlen = Get16(w, off + 8);
      off += 10 + rdlen;
      if (off > w.size()) return false;
      r.end = static_cast<uint32_t>(off);
      r.section = static_cast<Section>(s);
      if (targets != nullptr && !RdataPointers(w, r, targets)) return false;
      scan->records.push_back(r);
    }
  }
  return off == w.size();
}

bool ReadLowerName(std::string_view w, size_t off, std::string* out) {
  out->clear();
  size_t limit = off;  // pointers must go strictly backwards
  for (int hops = 0; hops < 128 && off < w.size(); ++hops) {
    uint8_t len = static_cast<uint8_t>(w[off]);
    if (len == 0) {
      out->push_back('\0');
      return out->size() <= kMaxName;
    }
    if ((len & 0xc0) == 0xc0) {
      if (off + 2 > w.size()) return false;
      size_t target = Get16(w, off) & 0x3fff;
      if (target >= limit) return false;
      off = limit = target;
      continue;
    }
    if ((len & 0xc0) != 0 || off + 1 + len > w.size()) return false;
    out->push_back(static_cast<char>(len));
    for (size_t i = 1; i <= len; ++i) {
      char c = w[off + i];
      out->push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c);
    }
    if (out->size() > kMaxName) return false;
    off += 1 + len;
  }
  return false;
}

bool InZone(std::string_view name, std::string_view zone) {
  if (zone.size() > name.size()) return false;
  size_t skip = name.size() - zone.size();
  size_t off = 0;
  while (off < skip) {  // step label by label so the suffix starts on a label
    uint8_t len = static_cast<uint8_t>(name[off]);
    if (len == 0) return false;
    off += 1 + len;
  }
  return off == skip && name.substr(skip) == zone;
}

}  // namespace netkube::dns::wire
