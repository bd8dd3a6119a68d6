// Fuzzes the ingress proxy's HTTP/1.x parsing (ingress/http1.h): request and
// response heads and the chunked scanner, on arbitrary bytes. Never a crash,
// a hang or a sanitizer report, and:
//   - a parsed head's views lie inside the input and head_size <= its length;
//   - a request with both Content-Length and Transfer-Encoding never parses;
//   - the chunked scanner consumes the same bytes and yields the same payload
//     whether fed whole or one byte at a time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingress/http1.h"

using namespace netkube::ingress;

namespace {

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  RequestHead req;
  ParseError err;
  if (ParseRequestHead(in, 4096, &req, &err) == ParseStatus::kDone) {
    if (req.head_size > in.size()) abort();
    if (!Inside(req.method, in) || !Inside(req.target, in) || !Inside(req.path, in) && req.path != "/") abort();
    bool cl = false, te = false;
    for (const auto& h : req.headers) {
      if (!Inside(h.name, in) || !Inside(h.value, in)) abort();
      cl |= EqualsIgnoreCase(h.name, "content-length");
      te |= EqualsIgnoreCase(h.name, "transfer-encoding");
    }
    if (cl && te) abort();
  }
  ResponseHead resp;
  if (ParseResponseHead(in, 4096, "GET", &resp, &err) == ParseStatus::kDone) {
    if (resp.head_size > in.size()) abort();
    for (const auto& h : resp.headers)
      if (!Inside(h.name, in) || !Inside(h.value, in)) abort();
  }
  ChunkedScanner whole;
  size_t whole_used = 0;
  std::string whole_payload;
  ParseStatus ws = whole.Feed(in, &whole_used, &whole_payload);
  ChunkedScanner bytes;
  size_t used = 0;
  std::string payload;
  ParseStatus bs = ParseStatus::kIncomplete;
  for (size_t i = 0; i < in.size() && bs == ParseStatus::kIncomplete; ++i) {
    size_t k = 0;
    bs = bytes.Feed(in.substr(i, 1), &k, &payload);
    used += k;
  }
  if (ws != bs || whole_payload != payload || (ws != ParseStatus::kError && whole_used != used)) abort();
  std::string norm;
  if (NormalizePath(in, &norm)) {
    if (norm.empty() || norm[0] != '/') abort();
    std::string_view n(norm);
    if (n.find("//") != std::string_view::npos) abort();
    for (std::string_view bad : {"/./", "/../"})
      if (n.find(bad) != std::string_view::npos) abort();
    if (n.size() >= 2 && (n.substr(n.size() - 2) == "/." || (n.size() >= 3 && n.substr(n.size() - 3) == "/.."))) abort();
  }
  return 0;
}
