// Internal to the protobuf codec (protobuf.cc, protobuf_encode.cc): the wire
// format, and the JSON spellings of the Kubernetes special types (base64,
// RFC 3339 times, Go durations).
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netkube::api {
struct TypeDef;
}

namespace netkube::api::proto {

// Nesting limit for messages, far above any Kubernetes object (~12 levels).
inline constexpr int kMaxMessageDepth = 100;

// The schema type of a protobuf body's kind: a served kind (kinds.h), its List,
// or a body-only kind (Binding, Eviction, Scale, DeleteOptions, TokenRequest).
// nullptr when unknown.
const TypeDef* SchemaTypeFor(std::string_view api_version, std::string_view kind);

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Reads one message's fields; every accessor is bounds-checked and returns
// false on truncated or malformed input.
class Reader {
 public:
  explicit Reader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}
  bool done() const { return p_ == end_; }
  // A field key: number >= 1 and a wire type among the four above.
  bool Key(int* field, int* wire);
  bool Varint(uint64_t* v);
  bool Fixed64(uint64_t* v);
  bool Fixed32(uint32_t* v);
  bool Bytes(std::string_view* v);
  // Skips a value of this wire type.
  bool Skip(int wire);

 private:
  const char* p_;
  const char* end_;
};

// Appends wire-format values to a string.
class Writer {
 public:
  void Key(int field, int wire) { Varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire)); }
  void Varint(uint64_t v);
  void Fixed64(uint64_t v);
  void Bytes(int field, std::string_view v) {
    Key(field, kLengthDelimited);
    Varint(v.size());
    out_.append(v);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Replaces each byte that is not part of valid UTF-8 with U+FFFD, as Go's
// encoding/json does when it writes a string.
std::string SanitizeUtf8(std::string_view in);

// "2024-02-12T12:56:00Z" (metav1.Time) or, with micros, "2024-02-12T12:56:00.123456Z"
// (metav1.MicroTime). nullopt when the year falls outside [0, 9999], which Go
// cannot write either.
std::optional<std::string> FormatTime(int64_t seconds, int32_t nanos, bool micros);
// Parses RFC 3339 ("...Z" or "...+01:00", optional fraction); nanos truncated.
bool ParseTime(std::string_view s, int64_t* seconds, int32_t* nanos);

// Go's time.Duration.String(): "1h0m0s", "1.5s", "100ms", "0s".
std::string FormatDuration(int64_t ns);
// Parses what FormatDuration writes (and any Go duration string).
bool ParseDuration(std::string_view s, int64_t* ns);

}  // namespace netkube::api::proto
