// Domain names (RFC 1035 section 3.1): a sequence of labels of 1..63 bytes
// ending with the root label, at most 255 bytes in wire form.
//
// A Name keeps its wire form uncompressed and with the case it was given
// (DNS preserves case); comparisons ignore ASCII case (RFC 4343). `key()`
// is the lower-cased wire form, the form every table in this component is
// keyed by.
//
// Thread-safety: values; const methods may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::dns {

inline constexpr size_t kMaxLabel = 63;
inline constexpr size_t kMaxName = 255;  // wire bytes including the root label

class Name {
 public:
  Name();  // the root, "."

  // Presentation form: "a.b.c." or "a.b.c" (both absolute), "." or "" for
  // the root, with RFC 1035 escapes "\." and "\DDD". Errors (kInvalid) for an
  // empty label ("a..b"), a label over 63 bytes, a name over 255 bytes or a
  // bad escape, with the CoreDNS-like text "bad name \"x\": ...".
  static StatusOr<Name> Parse(std::string_view text);
  // From uncompressed wire bytes that must be exactly one valid name.
  static StatusOr<Name> FromWire(std::string_view wire);

  const std::string& wire() const { return wire_; }
  // Lower-cased wire form.
  std::string key() const;
  // "a.b.c." (the root is "."), bytes outside printable ASCII and the
  // characters . \ " ( ) ; @ $ inside labels escaped as dig prints them.
  std::string ToString() const;

  int label_count() const;                    // the root has 0
  std::vector<std::string_view> labels() const;  // without the root label
  std::string_view label(int i) const;        // 0 = leftmost
  // The name without its first `n` labels (n <= label_count()).
  Name Parent(int n = 1) const;
  // `label` + "." + this; errors when the result is not a valid name.
  StatusOr<Name> Prepend(std::string_view label) const;

  bool IsRoot() const { return wire_.size() == 1; }
  // True when this name equals `zone` or is below it (case-insensitive).
  bool IsSubdomainOf(const Name& zone) const;

  // Case-insensitive.
  friend bool operator==(const Name& a, const Name& b);
  friend bool operator!=(const Name& a, const Name& b) { return !(a == b); }

 private:
  explicit Name(std::string wire) : wire_(std::move(wire)) {}
  std::string wire_;
};

// Lower-cases ASCII letters of wire bytes in place (length bytes are < 64 and
// never letters, so the whole buffer can be mapped).
void LowerWire(std::string& wire);

}  // namespace netkube::dns
