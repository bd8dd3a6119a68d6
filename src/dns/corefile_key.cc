// ParseZoneKey: a server block key into its scheme, zones and port.
//
// As CoreDNS reads keys: an optional "scheme://", then the host, then ":PORT"
// when the text after the last colon is a number. A host that is a CIDR
// ("10.0.0.0/8", "fd00::/64") stands for its reverse zones; a prefix that is
// not on a label boundary (8 bits for IPv4, 4 for IPv6) is split into the
// nets on the next boundary, one zone each ("10.0.0.0/15" ->
// 0.10.in-addr.arpa. and 1.10.in-addr.arpa.).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "dns/corefile.h"

namespace netkube::dns {

namespace {

const char kHex[] = "0123456789abcdef";

// The reverse zone of the first `prefix` bits (a multiple of 8 or 4) of `addr`.
std::string ReverseZone(const uint8_t* addr, bool v6, int prefix) {
  std::string out;
  if (v6) {
    for (int nib = prefix / 4 - 1; nib >= 0; --nib) {
      uint8_t b = addr[nib / 2];
      out.push_back(kHex[nib % 2 == 0 ? b >> 4 : b & 0xf]);
      out.push_back('.');
    }
    return out + "ip6.arpa.";
  }
  for (int oct = prefix / 8 - 1; oct >= 0; --oct) out += std::to_string(addr[oct]) + ".";
  return out + "in-addr.arpa.";
}

// Reverse zones for `host` when it is a CIDR; nullopt when it is not one.
std::optional<std::vector<std::string>> CidrZones(const std::string& host) {
  size_t slash = host.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string ip = host.substr(0, slash);
  std::string_view bits_text = std::string_view(host).substr(slash + 1);
  int bits = -1;
  auto [p, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  if (ec != std::errc() || p != bits_text.data() + bits_text.size() || bits_text.empty()) return std::nullopt;
  std::array<uint8_t, 16> addr{};
  bool v6 = ip.find(':') != std::string::npos;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), addr.data()) != 1) return std::nullopt;
  int width = v6 ? 128 : 32, boundary = v6 ? 4 : 8;
  if (bits < 0 || bits > width) return std::nullopt;
  // The network address.
  for (int i = 0; i < width / 8; ++i) {
    int keep = std::clamp(bits - i * 8, 0, 8);
    addr[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  int rounded = (bits + boundary - 1) / boundary * boundary;
  int count = 1 << (rounded - bits);  // at most 128 (IPv4 /25 -> /32)
  std::vector<std::string> zones;
  for (int n = 0; n < count; ++n) {
    std::array<uint8_t, 16> sub = addr;
    // Put n into the bits [bits, rounded).
    for (int k = 0; k < rounded - bits; ++k) {
      if (!(n >> k & 1)) continue;
      int bit = rounded - 1 - k;
      sub[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    zones.push_back(ReverseZone(sub.data(), v6, rounded));
  }
  return zones;
}

}  // namespace

StatusOr<ZoneAddress> ParseZoneKey(const Token& key, int default_port) {
  ZoneAddress out;
  out.port = default_port;
  std::string s = key.text;
  if (size_t sep = s.find("://"); sep != std::string::npos) {
    std::string scheme = s.substr(0, sep);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (scheme != "dns") {
      return ParseErrorAt(key, "unsupported scheme \"" + scheme + "\" in \"" + key.text +
                                   "\": only dns:// (plain DNS over UDP and TCP) is served");
    }
    s = s.substr(sep + 3);
  }
  size_t colon = s.rfind(':');
  if (colon != std::string::npos && colon + 1 == s.size()) {
    return ParseErrorAt(key, "expecting data after last colon: \"" + key.text + "\"");
  }
  if (colon != std::string::npos) {
    std::string_view port_text = std::string_view(s).substr(colon + 1);
    bool digits = std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) {
      if (port_text.size() > 5 || std::stoi(std::string(port_text)) > 65535) {
        return ParseErrorAt(key, "invalid port \"" + std::string(port_text) + "\" in \"" + key.text + "\"");
      }
      out.port = std::stoi(std::string(port_text));
      s.resize(colon);
    }
  }
  if (s.size() > 255) {
    return ParseErrorAt(key, "specified zone is too long: " + std::to_string(s.size()) + " > 255");
  }
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<std::string> hosts;
  if (auto zones = CidrZones(s)) {
    if (s[0] == ':' || (s[0] == '0' && s.find(':') != std::string::npos)) {
      return ParseErrorAt(key, "invalid CIDR " + s);
    }
    hosts = std::move(*zones);
  } else {
    hosts.push_back(s);
  }
  for (const std::string& h : hosts) {
    StatusOr<Name> n = Name::Parse(h);
    if (!n.ok()) return ParseErrorAt(key, "zone is not a valid domain name: " + h + " (" + n.status().message() + ")");
    out.zones.push_back(std::move(*n));
  }
  return out;
}

}  // namespace netkube::dns
