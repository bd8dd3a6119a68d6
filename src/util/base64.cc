#include "util/base64.h"

#include <cstdint>

namespace netkube {
namespace {

const char* Table(Base64Alphabet a) {
  return a == Base64Alphabet::kStd ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                                   : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

int Value(char c, Base64Alphabet a) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (a == Base64Alphabet::kStd) return c == '+' ? 62 : c == '/' ? 63 : -1;
  return c == '-' ? 62 : c == '_' ? 63 : -1;
}

}  // namespace

std::string Base64Encode(std::string_view in, Base64Alphabet alphabet) {
  const char* t = Table(alphabet);
  const bool pad = alphabet == Base64Alphabet::kStd;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t{uint8_t(in[i])} << 16) | (uint32_t{uint8_t(in[i + 1])} << 8) | uint8_t(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{uint8_t(in[i])} << 16;
    if (rest == 2) v |= uint32_t{uint8_t(in[i + 1])} << 8;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    if (rest == 2) out += t[(v >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in, Base64Alphabet alphabet) {
  size_t padding = 0;
  while (!in.empty() && in.back() == '=' && padding < 2) {
    in.remove_suffix(1);
    ++padding;
  }
  if (in.size() % 4 == 1) return std::nullopt;
  const size_t needed = (4 - in.size() % 4) % 4;  // padding a complete text has
  if (alphabet == Base64Alphabet::kStd ? padding != needed : (padding != 0 && padding != needed)) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Value(c, alphabet);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::optional<size_t> Base64StdCorruptAt(std::string_view src) {
  auto newline = [&](size_t i) { return src[i] == '\n' || src[i] == '\r'; };
  size_t si = 0;
  while (si < src.size()) {
    // One quantum of up to four characters, as Go's decodeQuantum.
    for (int j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return std::nullopt;
        return si - j;  // a short final quantum (padding is required)
      }
      char in = src[si++];
      if (Value(in, Base64Alphabet::kStd) >= 0) continue;
      if (in == '\n' || in == '\r') {
        --j;
        continue;
      }
      if (in != '=') return si - 1;
      // Padding: only in the last two places of the last quantum.
      if (j == 0 || j == 1) return si - 1;
      if (j == 2) {
        while (si < src.size() && newline(si)) ++si;
        if (si == src.size()) return src.size();
        if (src[si] != '=') return si - 1;
        ++si;
      }
      while (si < src.size() && newline(si)) ++si;
      if (si < src.size()) return si;  // trailing garbage
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace netkube
