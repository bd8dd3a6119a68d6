#include "api/protobuf_wire.h"

#include <cstring>

namespace netkube::api::proto {

bool Reader::Varint(uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p_ == end_) return false;
    uint8_t b = static_cast<uint8_t>(*p_++);
    if (shift == 63 && b > 1) return false;  // would overflow 64 bits
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool Reader::Key(int* field, int* wire) {
  uint64_t k;
  if (!Varint(&k)) return false;
  uint64_t f = k >> 3;
  if (f == 0 || f > 536870911) return false;  // 2^29 - 1
  *field = static_cast<int>(f);
  *wire = static_cast<int>(k & 7);
  return *wire == kVarint || *wire == kFixed64 || *wire == kLengthDelimited || *wire == kFixed32;
}

bool Reader::Fixed64(uint64_t* v) {
  if (end_ - p_ < 8) return false;
  uint64_t r = 0;
  for (int i = 7; i >= 0; --i) r = (r << 8) | static_cast<uint8_t>(p_[i]);
  p_ += 8;
  *v = r;
  return true;
}

bool Reader::Fixed32(uint32_t* v) {
  if (end_ - p_ < 4) return false;
  uint32_t r = 0;
  for (int i = 3; i >= 0; --i) r = (r << 8) | static_cast<uint8_t>(p_[i]);
  p_ += 4;
  *v = r;
  return true;
}

bool Reader::Bytes(std::string_view* v) {
  uint64_t n;
  if (!Varint(&n)) return false;
  if (n > static_cast<uint64_t>(end_ - p_)) return false;
  *v = std::string_view(p_, static_cast<size_t>(n));
  p_ += n;
  return true;
}

bool Reader::Skip(int wire) {
  uint64_t u64;
  uint32_t u32;
  std::string_view s;
  switch (wire) {
    case kVarint: return Varint(&u64);
    case kFixed64: return Fixed64(&u64);
    case kFixed32: return Fixed32(&u32);
    case kLengthDelimited: return Bytes(&s);
    default: return false;
  }
}

void Writer::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Writer::Fixed64(uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out_.push_back(static_cast<char>(v & 0xff));
    v >>= 8;
  }
}

std::string SanitizeUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    uint8_t c = static_cast<uint8_t>(in[i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 4, cp = c & 0x07, min = 0x10000;
    }
    bool ok = n > 0 && i + n <= in.size();
    for (size_t j = 1; ok && j < n; ++j) {
      uint8_t cc = static_cast<uint8_t>(in[i + j]);
      if ((cc & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out.append(in.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

namespace {

// Days since 1970-01-01 → civil date (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void Pad(std::string* out, int64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) out->append(width - s.size(), '0');
  *out += s;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* v) {
  if (pos + n > s.size()) return false;
  int r = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    r = r * 10 + (s[i] - '0');
  }
  *v = r;
  return true;
}

}  // namespace

std::optional<std::string> FormatTime(int64_t seconds, int32_t nanos, bool micros) {
  // Keep the day arithmetic far from overflow; years beyond 9999 fail below.
  if (seconds < -62167219200LL || seconds > 253402300799LL) return std::nullopt;
  int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) return std::nullopt;
  std::string out;
  Pad(&out, y, 4);
  out += '-';
  Pad(&out, m, 2);
  out += '-';
  Pad(&out, d, 2);
  out += 'T';
  Pad(&out, rem / 3600, 2);
  out += ':';
  Pad(&out, rem / 60 % 60, 2);
  out += ':';
  Pad(&out, rem % 60, 2);
  if (micros) {
    int64_t us = nanos / 1000;
    if (us < 0) us = 0;
    if (us > 999999) us = 999999;
    out += '.';
    Pad(&out, us, 6);
  }
  out += 'Z';
  return out;
}

bool ParseTime(std::string_view s, int64_t* seconds, int32_t* nanos) {
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  size_t pos = 19;
  int64_t ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) ns = ns * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) ns *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om)) {
      return false;
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  *seconds = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se - offset;
  *nanos = static_cast<int32_t>(ns);
  return true;
}

namespace {

// ".5", ".123" — the fraction v / 10^prec without trailing zeros; "" if 0.
std::string Frac(uint64_t v, int prec) {
  if (v == 0) return "";
  std::string digits(prec, '0');
  for (int i = prec - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return "." + digits;
}

}  // namespace

std::string FormatDuration(int64_t ns) {
  if (ns == 0) return "0s";
  bool neg = ns < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1000000000ULL) {
    if (u < 1000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1000000) {
      out = std::to_string(u / 1000) + Frac(u % 1000, 3) + "\xc2\xb5s";
    } else {
      out = std::to_string(u / 1000000) + Frac(u % 1000000, 6) + "ms";
    }
  } else {
    uint64_t secs = u / 1000000000ULL;
    out = std::to_string(secs % 60) + Frac(u % 1000000000ULL, 9) + "s";
    uint64_t mins = secs / 60;
    if (mins > 0) {
      out = std::to_string(mins % 60) + "m" + out;
      if (mins / 60 > 0) out = std::to_string(mins / 60) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

bool ParseDuration(std::string_view s, int64_t* ns) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *ns = 0;
    return true;
  }
  if (s.empty()) return false;
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double v = 0;
    bool any = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0'), any = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') v += (s[i++] - '0') * scale, scale /= 10, any = true;
    }
    if (!any) return false;
    s.remove_prefix(i);
    static const std::pair<std::string_view, long double> kUnits[] = {
        {"ns", 1}, {"us", 1e3L}, {"\xc2\xb5s", 1e3L}, {"\xce\xbcs", 1e3L}, {"ms", 1e6L},
        {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L}};
    bool matched = false;
    // Longest unit first so "ms" is not read as "m".
    for (const auto& [unit, mult] : {kUnits[0], kUnits[1], kUnits[2], kUnits[3], kUnits[4], kUnits[7], kUnits[6], kUnits[5]}) {
      if (s.substr(0, unit.size()) == unit && !(unit == "m" && s.substr(0, 2) == "ms")) {
        total += v * mult;
        s.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
    if (total > 9.2e18L) return false;
  }
  *ns = static_cast<int64_t>(neg ? -total : total);
  return true;
}

}  // namespace netkube::api::proto
