// FNV-1a, the small non-cryptographic hash netkube uses for stable short names
// (nft chain names, affinity cookies). Not for anything an attacker chooses
// to collide.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace netkube {

inline uint64_t Fnv1a64(std::string_view data, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// 16 lower-case hex digits.
inline std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace netkube
