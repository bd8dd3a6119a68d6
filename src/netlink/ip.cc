#include "netlink/ip.h"

#include <arpa/inet.h>

#include <cstdio>

namespace netkube::netlink {

StatusOr<Ipv4> Ipv4::Parse(std::string_view text) {
  uint32_t value = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') break;
    uint32_t octet = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
      octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
      ++i;
      ++digits;
    }
    if (octet > 255 || digits > 3 || (digits > 1 && text[i - digits] == '0')) break;
    value = (value << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') break;
      ++i;
    }
  }
  if (parts != 4 || i != text.size()) {
    return Status::Invalid("invalid IPv4 address \"" + std::string(text) + "\"");
  }
  return Ipv4{value};
}

std::string Ipv4::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", value >> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255);
  return buf;
}

uint32_t Ipv4::NetworkOrder() const { return htonl(value); }
Ipv4 Ipv4::FromNetworkOrder(uint32_t be) { return Ipv4{ntohl(be)}; }

StatusOr<Ipv4Prefix> Ipv4Prefix::Parse(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = Ipv4::Parse(text.substr(0, slash));
  if (!ip.ok()) return Status::Invalid("invalid IPv4 prefix \"" + std::string(text) + "\"");
  Ipv4Prefix p{*ip, 32};
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    if (len.empty() || len.size() > 2) return Status::Invalid("invalid IPv4 prefix \"" + std::string(text) + "\"");
    int n = 0;
    for (char c : len) {
      if (c < '0' || c > '9') return Status::Invalid("invalid IPv4 prefix \"" + std::string(text) + "\"");
      n = n * 10 + (c - '0');
    }
    if (n > 32) return Status::Invalid("invalid IPv4 prefix \"" + std::string(text) + "\"");
    p.length = n;
  }
  return p;
}

std::string Ipv4Prefix::ToString() const { return addr.ToString() + "/" + std::to_string(length); }
uint32_t Ipv4Prefix::Mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
Ipv4 Ipv4Prefix::Network() const { return Ipv4{addr.value & Mask()}; }
Ipv4 Ipv4Prefix::Broadcast() const { return Ipv4{(addr.value & Mask()) | ~Mask()}; }
bool Ipv4Prefix::Contains(Ipv4 ip) const { return (ip.value & Mask()) == (addr.value & Mask()); }

StatusOr<Mac> Mac::Parse(std::string_view text) {
  Mac mac;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() != 17) return Status::Invalid("invalid MAC address \"" + std::string(text) + "\"");
  for (int i = 0; i < 6; ++i) {
    int hi = hex(text[i * 3]), lo = hex(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
      return Status::Invalid("invalid MAC address \"" + std::string(text) + "\"");
    }
    mac.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::string Mac::ToString() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3], bytes[4],
                bytes[5]);
  return buf;
}

Mac Mac::FromIpv4(Ipv4 ip) {
  return Mac{{0x0a, 0x58, static_cast<uint8_t>(ip.value >> 24), static_cast<uint8_t>(ip.value >> 16),
              static_cast<uint8_t>(ip.value >> 8), static_cast<uint8_t>(ip.value)}};
}

}  // namespace netkube::netlink
