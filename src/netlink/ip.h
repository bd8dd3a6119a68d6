// IPv4 addresses, prefixes and MAC addresses as small values, parsed from and
// printed to their usual text forms ("10.244.0.5", "10.244.0.0/24",
// "0a:58:0a:f4:00:01"). netkube's pod network is IPv4; IPv6 is not modelled.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace netkube::netlink {

struct Ipv4 {
  uint32_t value = 0;  // host byte order: 10.0.0.1 == 0x0a000001

  static StatusOr<Ipv4> Parse(std::string_view text);
  std::string ToString() const;
  uint32_t NetworkOrder() const;  // for sockaddr_in / netlink attributes
  static Ipv4 FromNetworkOrder(uint32_t be);
  bool operator==(const Ipv4&) const = default;
  auto operator<=>(const Ipv4&) const = default;
};

struct Ipv4Prefix {
  Ipv4 addr;       // may have host bits set ("10.244.0.5/24" is an interface address)
  int length = 32; // 0..32

  // "a.b.c.d/len"; a bare address means /32.
  static StatusOr<Ipv4Prefix> Parse(std::string_view text);
  std::string ToString() const;
  uint32_t Mask() const;           // host order; 0 for /0
  Ipv4 Network() const;            // addr & mask
  Ipv4 Broadcast() const;          // last address of the prefix
  bool Contains(Ipv4 ip) const;
  bool operator==(const Ipv4Prefix&) const = default;
};

struct Mac {
  std::array<uint8_t, 6> bytes{};

  static StatusOr<Mac> Parse(std::string_view text);  // "aa:bb:cc:dd:ee:ff"
  std::string ToString() const;                        // lower case, colons
  // A locally administered unicast MAC derived from an IPv4 address: 0a:58:<ip>
  // (stable, so the pods' gateway MAC never changes).
  static Mac FromIpv4(Ipv4 ip);
  bool operator==(const Mac&) const = default;
};

}  // namespace netkube::netlink
