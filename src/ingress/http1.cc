#include "ingress/http1.h"

#include <cstring>

#include "util/strings.h"
#include "util/url.h"

namespace netkube::ingress {
namespace {

// RFC 9110 tchar.
bool IsTokenChar(unsigned char c) {
  static const bool* table = [] {
    static bool t[256] = {};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  return table[c];
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Finds the end of the head ("\r\n\r\n"); returns its size or 0.
size_t HeadEnd(std::string_view data) {
  size_t from = 0;
  while (true) {
    const void* p = std::memchr(data.data() + from, '\n', data.size() - from);
    if (!p) return 0;
    size_t i = static_cast<const char*>(p) - data.data();
    // "\n\r\n" or "\n\n" ends the head (bare LF lines are refused later).
    if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') return i + 3;
    if (i + 1 < data.size() && data[i + 1] == '\n') return i + 2;
    from = i + 1;
  }
}

bool Fail(ParseError* err, int status, const char* message) {
  err->status = status;
  err->message = message;
  return false;
}

// Splits the header lines after the start line into `headers`.
bool ParseHeaderLines(std::string_view lines, std::vector<HeaderField>* headers, ParseError* err) {
  headers->clear();
  while (!lines.empty()) {
    size_t lf = lines.find('\n');
    if (lf == std::string_view::npos || lf == 0 || lines[lf - 1] != '\r')
      return Fail(err, 400, "header line not ended by CRLF");
    std::string_view line = lines.substr(0, lf - 1);
    lines.remove_prefix(lf + 1);
    if (line.empty()) break;  // the blank line
    if (line[0] == ' ' || line[0] == '\t') return Fail(err, 400, "obsolete header line folding");
    size_t colon = 0;
    while (colon < line.size() && IsTokenChar(static_cast<unsigned char>(line[colon]))) ++colon;
    if (colon == 0 || colon >= line.size() || line[colon] != ':') return Fail(err, 400, "invalid header name");
    std::string_view value = line.substr(colon + 1);
    for (unsigned char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7f) return Fail(err, 400, "invalid character in header value");
    headers->push_back({line.substr(0, colon), TrimSpace(value)});
  }
  return true;
}

// Content-Length values: digits, possibly a list of equal values.
bool ParseContentLength(std::string_view v, uint64_t* out, bool* seen) {
  while (true) {
    size_t comma = v.find(',');
    std::string_view item = TrimSpace(v.substr(0, comma));
    if (item.empty() || item.size() > 15) return false;
    uint64_t n = 0;
    for (char c : item) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    if (*seen && n != *out) return false;
    *out = n;
    *seen = true;
    if (comma == std::string_view::npos) return true;
    v.remove_prefix(comma + 1);
  }
}

// The last coding of a Transfer-Encoding list, lower-cased compare target.
std::string_view LastCoding(std::string_view v) {
  size_t comma = v.rfind(',');
  return TrimSpace(comma == std::string_view::npos ? v : v.substr(comma + 1));
}

bool ParseVersion(std::string_view v, int* minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/") return false;
  if (v[5] != '1' || v[6] != '.' || (v[7] != '0' && v[7] != '1')) return false;
  *minor = v[7] - '0';
  return true;
}

}  // namespace

bool NormalizePath(std::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  // Fast path: nothing to decode, merge or resolve.
  bool simple = !raw.empty() && raw[0] == '/';
  for (size_t i = 0; simple && i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' || (c == '/' && i + 1 < raw.size() && (raw[i + 1] == '/' || raw[i + 1] == '.'))) simple = false;
  }
  if (simple) {
    out->assign(raw);
    return true;
  }
  std::string decoded;
  if (!PercentDecode(raw, false, &decoded) || decoded.find('\0') != std::string::npos) return false;
  if (decoded.empty() || decoded[0] != '/') decoded.insert(decoded.begin(), '/');
  // Segments, resolving "." and ".."; a path whose last segment is "",
  // "." or ".." ends with '/'.
  std::vector<std::string_view> segs;
  std::string_view d(decoded);
  bool trailing = false;
  for (size_t i = 1; i <= d.size();) {
    size_t j = std::min(d.find('/', i), d.size());
    std::string_view seg = d.substr(i, j - i);
    trailing = seg.empty() || seg == "." || seg == "..";
    if (seg == "..") {
      if (segs.empty()) return false;
      segs.pop_back();
    } else if (!trailing) {
      segs.push_back(seg);
    }
    i = j + 1;
  }
  for (std::string_view seg : segs) {
    out->push_back('/');
    out->append(seg);
  }
  if (out->empty() || trailing) out->push_back('/');
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (EqualsIgnoreCase(TrimSpace(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

ParseStatus ParseRequestHead(std::string_view data, size_t max_head, RequestHead* out, ParseError* err) {
  // Leading empty lines before a request are allowed (RFC 9112 2.2).
  size_t skip = 0;
  while (skip + 1 < data.size() && data[skip] == '\r' && data[skip + 1] == '\n') skip += 2;
  std::string_view d = data.substr(skip);
  size_t end = HeadEnd(d.substr(0, std::min(d.size(), max_head + 1)));
  if (end == 0) {
    if (d.size() > max_head) return Fail(err, 431, "request header fields too large"), ParseStatus::kError;
    // A request line that cannot be HTTP/1.x fails early (e.g. TLS on the plain port).
    if (!d.empty() && !IsTokenChar(static_cast<unsigned char>(d[0])))
      return Fail(err, 400, "invalid request line"), ParseStatus::kError;
    return ParseStatus::kIncomplete;
  }
  size_t lf = d.find('\n');
  if (lf == 0 || d[lf - 1] != '\r') return Fail(err, 400, "request line not ended by CRLF"), ParseStatus::kError;
  std::string_view line = d.substr(0, lf - 1);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2 || sp1 == 0)
    return Fail(err, 400, "invalid request line"), ParseStatus::kError;
  out->method = line.substr(0, sp1);
  for (unsigned char c : out->method)
    if (!IsTokenChar(c)) return Fail(err, 400, "invalid method"), ParseStatus::kError;
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (out->target.empty()) return Fail(err, 400, "empty request target"), ParseStatus::kError;
  for (unsigned char c : out->target)
    if (c <= 0x20 || c == 0x7f) return Fail(err, 400, "invalid character in request target"), ParseStatus::kError;
  std::string_view version = line.substr(sp2 + 1);
  if (version == "HTTP/2.0" || (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] != '1')) {
    if (version.size() == 8 && version[5] >= '2' && version[5] <= '9')
      return Fail(err, 505, "HTTP version not supported"), ParseStatus::kError;
  }
  if (!ParseVersion(version, &out->minor)) return Fail(err, 400, "invalid HTTP version"), ParseStatus::kError;
  if (!ParseHeaderLines(d.substr(lf + 1, end - lf - 1), &out->headers, err)) return ParseStatus::kError;
  out->head_size = skip + end;

  // The path: origin form "/p?q", absolute form "http://host/p?q", "*" (OPTIONS).
  std::string_view t = out->target;
  std::string_view authority;
  if (t[0] != '/' && t != "*") {
    size_t scheme_end = t.find("://");
    if (scheme_end == std::string_view::npos) return Fail(err, 400, "invalid request target"), ParseStatus::kError;
    std::string_view rest = t.substr(scheme_end + 3);
    size_t slash = rest.find_first_of("/?");
    authority = rest.substr(0, slash);
    t = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (!t.empty() && t[0] == '?') t = std::string_view();  // "http://h?q": path "/" below
  }
  size_t q = t.find('?');
  out->path = t.substr(0, q);
  out->query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  if (out->path.empty()) out->path = "/";

  bool have_host = false, have_cl = false, have_te = false, close = false, keep_alive_token = false;
  bool upgrade_token = false, have_upgrade = false;
  out->host = authority;
  out->framing = Framing::kNone;
  out->content_length = 0;
  out->expect_continue = false;
  std::string_view te;
  for (const HeaderField& h : out->headers) {
    std::string_view n = h.name;
    if (EqualsIgnoreCase(n, "host")) {
      if (have_host) return Fail(err, 400, "more than one Host header"), ParseStatus::kError;
      have_host = true;
      if (authority.empty()) out->host = h.value;
    } else if (EqualsIgnoreCase(n, "content-length")) {
      if (!ParseContentLength(h.value, &out->content_length, &have_cl))
        return Fail(err, 400, "invalid Content-Length"), ParseStatus::kError;
    } else if (EqualsIgnoreCase(n, "transfer-encoding")) {
      if (have_te) return Fail(err, 400, "more than one Transfer-Encoding header"), ParseStatus::kError;
      have_te = true;
      te = h.value;
    } else if (EqualsIgnoreCase(n, "connection")) {
      if (HasToken(h.value, "close")) close = true;
      if (HasToken(h.value, "keep-alive")) keep_alive_token = true;
      if (HasToken(h.value, "upgrade")) upgrade_token = true;
    } else if (EqualsIgnoreCase(n, "upgrade")) {
      have_upgrade = !h.value.empty();
    } else if (EqualsIgnoreCase(n, "expect")) {
      if (EqualsIgnoreCase(h.value, "100-continue")) out->expect_continue = true;
    }
  }
  if (out->minor == 1 && !have_host) return Fail(err, 400, "missing Host header"), ParseStatus::kError;
  if (have_te) {
    if (have_cl) return Fail(err, 400, "both Content-Length and Transfer-Encoding"), ParseStatus::kError;
    if (out->minor == 0) return Fail(err, 400, "Transfer-Encoding in an HTTP/1.0 request"), ParseStatus::kError;
    if (!EqualsIgnoreCase(LastCoding(te), "chunked") || !EqualsIgnoreCase(TrimSpace(te), "chunked"))
      return Fail(err, 501, "unsupported Transfer-Encoding"), ParseStatus::kError;
    out->framing = Framing::kChunked;
  } else if (have_cl && out->content_length > 0) {
    out->framing = Framing::kLength;
  }
  out->keep_alive = out->minor == 1 ? !close : (keep_alive_token && !close);
  out->upgrade = upgrade_token && have_upgrade;
  return ParseStatus::kDone;
}

ParseStatus ParseResponseHead(std::string_view data, size_t max_head, std::string_view request_method,
                              ResponseHead* out, ParseError* err) {
  size_t end = HeadEnd(data.substr(0, std::min(data.size(), max_head + 1)));
  if (end == 0) {
    if (data.size() > max_head) return Fail(err, 502, "upstream sent too big a header"), ParseStatus::kError;
    return ParseStatus::kIncomplete;
  }
  size_t lf = data.find('\n');
  if (lf == 0 || data[lf - 1] != '\r') return Fail(err, 502, "upstream sent an invalid status line"), ParseStatus::kError;
  std::string_view line = data.substr(0, lf - 1);
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || !ParseVersion(line.substr(0, 8), &out->minor) || line[8] != ' ')
    return Fail(err, 502, "upstream sent an invalid status line"), ParseStatus::kError;
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return Fail(err, 502, "upstream sent an invalid status"), ParseStatus::kError;
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' '))
    return Fail(err, 502, "upstream sent an invalid status line"), ParseStatus::kError;
  out->status = status;
  out->reason = line.size() > 13 ? line.substr(13) : std::string_view();
  if (!ParseHeaderLines(data.substr(lf + 1, end - lf - 1), &out->headers, err)) {
    err->status = 502;
    return ParseStatus::kError;
  }
  out->head_size = end;
  bool have_cl = false, have_te = false, close = false, keep_alive_token = false;
  std::string_view te;
  out->content_length = 0;
  for (const HeaderField& h : out->headers) {
    if (EqualsIgnoreCase(h.name, "content-length")) {
      if (!ParseContentLength(h.value, &out->content_length, &have_cl))
        return Fail(err, 502, "upstream sent an invalid Content-Length"), ParseStatus::kError;
    } else if (EqualsIgnoreCase(h.name, "transfer-encoding")) {
      have_te = true;
      te = h.value;
    } else if (EqualsIgnoreCase(h.name, "connection")) {
      if (HasToken(h.value, "close")) close = true;
      if (HasToken(h.value, "keep-alive")) keep_alive_token = true;
    }
  }
  out->keep_alive = out->minor == 1 ? !close : (keep_alive_token && !close);
  bool no_body = request_method == "HEAD" || status / 100 == 1 || status == 204 || status == 304;
  if (no_body) {
    out->framing = Framing::kNone;
  } else if (have_te) {
    if (have_cl) return Fail(err, 502, "upstream sent both Content-Length and Transfer-Encoding"), ParseStatus::kError;
    if (EqualsIgnoreCase(LastCoding(te), "chunked")) {
      out->framing = Framing::kChunked;
    } else {
      out->framing = Framing::kUntilClose;
      out->keep_alive = false;
    }
  } else if (have_cl) {
    out->framing = out->content_length ? Framing::kLength : Framing::kNone;
  } else {
    out->framing = Framing::kUntilClose;
    out->keep_alive = false;
  }
  return ParseStatus::kDone;
}

ParseStatus ChunkedScanner::Feed(std::string_view data, size_t* consumed, std::string* payload) {
  size_t i = 0;
  while (i < data.size() && state_ != State::kDone) {
    char c = data[i];
    switch (state_) {
      case State::kSize: {
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else v = -1;
        if (v >= 0) {
          if (++size_digits_ > 10) return *consumed = i, ParseStatus::kError;
          remaining_ = remaining_ * 16 + v;
          ++i;
          break;
        }
        if (size_digits_ == 0) return *consumed = i, ParseStatus::kError;
        if (c == ';' || c == ' ' || c == '\t') state_ = State::kSizeExt;
        else if (c == '\r') state_ = State::kSizeLf;
        else return *consumed = i, ParseStatus::kError;
        ++i;
        break;
      }
      case State::kSizeExt:
        if (c == '\r') state_ = State::kSizeLf;
        else if (c == '\n' || (static_cast<unsigned char>(c) < 0x20 && c != '\t')) return *consumed = i, ParseStatus::kError;
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return *consumed = i, ParseStatus::kError;
        ++i;
        size_digits_ = 0;
        state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kData: {
        size_t n = std::min<uint64_t>(remaining_, data.size() - i);
        if (payload) payload->append(data.data() + i, n);
        payload_bytes_ += n;
        remaining_ -= n;
        i += n;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return *consumed = i, ParseStatus::kError;
        state_ = State::kDataLf;
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return *consumed = i, ParseStatus::kError;
        state_ = State::kSize;
        ++i;
        break;
      case State::kTrailerStart:  // start of a trailer line or the final CRLF
        if (c == '\r') state_ = State::kFinalLf;
        else if (c == '\n') return *consumed = i, ParseStatus::kError;
        else state_ = State::kTrailer;
        ++i;
        break;
      case State::kTrailer:
        if (c == '\r') state_ = State::kTrailerLf;
        else if (c == '\n') return *consumed = i, ParseStatus::kError;
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return *consumed = i, ParseStatus::kError;
        state_ = State::kTrailerStart;
        ++i;
        break;
      case State::kFinalLf:
        if (c != '\n') return *consumed = i, ParseStatus::kError;
        state_ = State::kDone;
        ++i;
        break;
      case State::kDone:
        break;
    }
  }
  *consumed = i;
  return state_ == State::kDone ? ParseStatus::kDone : ParseStatus::kIncomplete;
}

}  // namespace netkube::ingress
