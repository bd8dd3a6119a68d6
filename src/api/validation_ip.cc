// IP address and CIDR checks (apimachinery util/validation/ip.go wording and
// ValidateNonSpecialIP of the core validation).
#include <arpa/inet.h>

#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

constexpr std::string_view kInvalidIP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
constexpr std::string_view kInvalidCIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

// Dotted quad whose octets may carry leading zeros (what Go's sloppy parser
// accepts and strict validation then rejects).
bool IsSloppyIPv4(std::string_view s, bool* leading_zero, uint8_t* out) {
  int parts = 0;
  size_t i = 0;
  *leading_zero = false;
  while (i <= s.size()) {
    size_t j = i;
    int v = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') v = v * 10 + (s[j++] - '0');
    if (j == i || j - i > 3 || v > 255) return false;
    if (j - i > 1 && s[i] == '0') *leading_zero = true;
    if (parts < 4) out[parts] = static_cast<uint8_t>(v);
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

bool IsV4Mapped(const uint8_t a[16]) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a, prefix, 12) == 0;
}

// Parsed address: family 4 or 6, bytes in b (4 or 16 used).
struct Addr {
  int family = 0;
  uint8_t b[16] = {};
  bool leading_zero = false;
};

bool Parse(std::string_view s, Addr* out) {
  std::string str(s);
  if (ParseIPv4(s, out->b)) {
    out->family = 4;
    return true;
  }
  bool lz = false;
  if (IsSloppyIPv4(s, &lz, out->b)) {
    out->family = 4;
    out->leading_zero = lz;
    return true;
  }
  if (ParseIPv6(s, out->b)) {
    out->family = 6;
    return true;
  }
  return false;
}

std::string Canonical(const Addr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.b, buf, sizeof buf);
  return buf;
}

}  // namespace

bool ParseIPv4(std::string_view s, uint8_t out[4]) {
  if (s.find_first_not_of("0123456789.") != std::string_view::npos) return false;
  std::string str(s);
  return inet_pton(AF_INET, str.c_str(), out) == 1;
}

bool ParseIPv6(std::string_view s, uint8_t out[16]) {
  if (s.find(':') == std::string_view::npos) return false;
  std::string str(s);
  return inet_pton(AF_INET6, str.c_str(), out) == 1;
}

void IsValidIP(Errors& e, const std::string& path, std::string_view ip, bool strict) {
  Addr a;
  if (!Parse(ip, &a)) {
    e.Invalid(path, std::string(ip), kInvalidIP);
    return;
  }
  if (!strict) return;
  if (a.leading_zero) {
    e.Invalid(path, std::string(ip), "must not have leading 0s");
    return;
  }
  if (a.family == 6 && IsV4Mapped(a.b)) {
    e.Invalid(path, std::string(ip), "must not be an IPv4-mapped IPv6 address");
    return;
  }
  std::string canon = Canonical(a);
  if (canon != ip) e.Invalid(path, std::string(ip), "must be in canonical form (" + GoQuote(canon) + ")");
}

void IsValidIPv4Address(Errors& e, const std::string& path, std::string_view ip) {
  Addr a;
  if (!Parse(ip, &a) || a.family != 4) e.Invalid(path, std::string(ip), "must be a valid IPv4 address");
}

void IsValidIPv6Address(Errors& e, const std::string& path, std::string_view ip) {
  Addr a;
  if (!Parse(ip, &a) || a.family != 6 || IsV4Mapped(a.b))
    e.Invalid(path, std::string(ip), "must be a valid IPv6 address");
}

namespace {
bool ParseCIDR(std::string_view s, Addr* a, int* bits) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view len = s.substr(slash + 1);
  if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string_view::npos) return false;
  if (!Parse(s.substr(0, slash), a)) return false;
  *bits = std::stoi(std::string(len));
  return *bits <= (a->family == 4 ? 32 : 128);
}

bool BitsBeyondPrefix(const Addr& a, int bits) {
  int n = a.family == 4 ? 4 : 16;
  for (int i = 0; i < n; ++i) {
    int keep = bits - 8 * i;
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    if (a.b[i] & ~mask) return true;
  }
  return false;
}
}  // namespace

void IsValidCIDR(Errors& e, const std::string& path, std::string_view cidr, bool strict) {
  Addr a;
  int bits = 0;
  if (!ParseCIDR(cidr, &a, &bits)) {
    e.Invalid(path, std::string(cidr), kInvalidCIDR);
    return;
  }
  if (!strict) return;
  if (a.leading_zero) {
    e.Invalid(path, std::string(cidr), "must not have leading 0s in IP or prefix length");
    return;
  }
  if (BitsBeyondPrefix(a, bits)) {
    e.Invalid(path, std::string(cidr), "must not have bits set beyond the prefix length");
    return;
  }
  std::string canon = Canonical(a) + "/" + std::to_string(bits);
  if (canon != cidr) e.Invalid(path, std::string(cidr), "must be in canonical form (" + GoQuote(canon) + ")");
}

void ValidateNonSpecialIP(Errors& e, const std::string& path, std::string_view ip) {
  Addr a;
  if (!Parse(ip, &a)) {
    e.Invalid(path, std::string(ip), "must be a valid IP address");
    return;
  }
  const uint8_t* b = a.b;
  bool v4 = a.family == 4;
  if (!v4 && IsV4Mapped(b)) {
    v4 = true;
    b = a.b + 12;
  }
  static const uint8_t zero[16] = {};
  bool unspecified = v4 ? std::memcmp(b, zero, 4) == 0 : std::memcmp(b, zero, 16) == 0;
  bool loopback = v4 ? b[0] == 127 : (std::memcmp(b, zero, 15) == 0 && b[15] == 1);
  bool link_local = v4 ? (b[0] == 169 && b[1] == 254) : (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
  bool ll_multicast = v4 ? (b[0] == 224 && b[1] == 0 && b[2] == 0) : (b[0] == 0xff && (b[1] & 0x0f) == 0x02);
  if (unspecified) e.Invalid(path, std::string(ip), "may not be unspecified (" + std::string(ip) + ")");
  if (loopback) e.Invalid(path, std::string(ip), "may not be in the loopback range (127.0.0.0/8, ::1/128)");
  if (link_local) e.Invalid(path, std::string(ip), "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
  if (ll_multicast)
    e.Invalid(path, std::string(ip), "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
}

bool CIDRStrictSubset(std::string_view outer, std::string_view inner) {
  Addr o, i;
  int ob = 0, ib = 0;
  if (!ParseCIDR(outer, &o, &ob) || !ParseCIDR(inner, &i, &ib) || o.family != i.family) return false;
  if (ob >= ib) return false;
  int n = o.family == 4 ? 4 : 16;
  for (int k = 0; k < n; ++k) {
    int keep = ob - 8 * k;
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    if ((o.b[k] & mask) != (i.b[k] & mask)) return false;
  }
  return true;
}

}  // namespace netkube::api::validation
