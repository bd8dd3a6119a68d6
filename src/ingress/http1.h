// HTTP/1.x message heads and body framing for the ingress proxy: a strict,
// allocation-light parser of request and response heads (views into the
// caller's buffer) and an incremental chunked-body scanner. Pure; no I/O.
//
// Strictness (what nginx refuses, so a request cannot mean one thing to the
// proxy and another to the backend — request smuggling):
//   - request line: METHOD SP TARGET SP HTTP/1.x, token method, no control
//     characters in the target; HTTP/2 preface or other versions → 505;
//   - header names are tokens, no space before ':'; obsolete line folding,
//     a bare CR, NUL or other control characters → 400;
//   - Content-Length: digits only; several headers or a list must all agree;
//   - Transfer-Encoding together with Content-Length → 400; a Transfer-Encoding
//     whose last coding is not "chunked" → 501 (requests);
//   - HTTP/1.1 without Host, or more than one Host → 400;
//   - a head larger than the limit → 431 (requests).
//
// Thread-safety: plain functions and values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netkube::ingress {

struct HeaderField {
  std::string_view name;
  std::string_view value;  // surrounding spaces removed
};

enum class Framing { kNone, kLength, kChunked, kUntilClose };

struct RequestHead {
  std::string_view method;
  std::string_view target;  // as sent ("/a?b", or an absolute URI)
  std::string_view path;    // target without query (the path of an absolute URI)
  std::string_view query;   // after '?', "" when none
  int minor = 1;            // HTTP/1.minor
  std::vector<HeaderField> headers;
  std::string_view host;    // Host header (or the absolute URI's authority)
  Framing framing = Framing::kNone;  // kNone, kLength or kChunked
  uint64_t content_length = 0;
  bool keep_alive = true;   // after this request (Connection and version)
  bool upgrade = false;     // Connection: upgrade with an Upgrade header
  bool expect_continue = false;
  size_t head_size = 0;     // bytes of the head, CRLFCRLF included
};

struct ResponseHead {
  int status = 0;
  int minor = 1;
  std::string_view reason;
  std::vector<HeaderField> headers;
  Framing framing = Framing::kUntilClose;
  uint64_t content_length = 0;
  bool keep_alive = true;  // the upstream connection may be reused
  size_t head_size = 0;
};

enum class ParseStatus { kIncomplete, kDone, kError };

struct ParseError {
  int status = 400;     // the answer to send: 400, 431, 501, 505 (502 for responses)
  std::string message;  // short, for the log
};

// Parses a request head at the start of `data`. kIncomplete when the head has
// not ended yet (and `data` is within `max_head`; beyond → kError 431).
ParseStatus ParseRequestHead(std::string_view data, size_t max_head, RequestHead* out, ParseError* err);

// Parses a response head; `request_method` decides bodies (HEAD → none).
// 1xx heads parse like others (the caller forwards or skips them).
ParseStatus ParseResponseHead(std::string_view data, size_t max_head, std::string_view request_method,
                              ResponseHead* out, ParseError* err);

// The path routes are matched on, as nginx normalises $uri: %XX decoded,
// repeated '/' merged, "." and ".." segments resolved. false (→ 400) for a
// bad escape, an encoded NUL, or ".." above the root.
bool NormalizePath(std::string_view raw, std::string* out);

// Case-insensitive ASCII comparison.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Whether a comma-separated header value has `token` (case-insensitive).
bool HasToken(std::string_view list, std::string_view token);

// Walks a chunked body as bytes arrive, without copying: Feed returns how many
// of `data`'s bytes belong to the body (framing, extensions and trailers
// included); done() once the last chunk and trailers ended. With `payload`
// set, the chunk data (framing removed) is appended to it.
class ChunkedScanner {
 public:
  // kError on a malformed size line or a chunk over 2^40 bytes.
  ParseStatus Feed(std::string_view data, size_t* consumed, std::string* payload = nullptr);
  bool done() const { return state_ == State::kDone; }
  // Payload bytes seen so far (for body size limits).
  uint64_t payload_bytes() const { return payload_bytes_; }

 private:
  enum class State { kSize, kSizeExt, kSizeLf, kData, kDataCr, kDataLf, kTrailerStart, kTrailer, kTrailerLf,
                     kFinalLf, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  int size_digits_ = 0;
  uint64_t payload_bytes_ = 0;
};

}  // namespace netkube::ingress
