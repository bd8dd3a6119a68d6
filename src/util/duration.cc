#include "util/duration.h"

#include <string>

namespace netkube {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

double UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") return 1e3;  // us, µs (U+00B5), μs (U+03BC)
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return 0;
}

}  // namespace

StatusOr<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  auto invalid = [&] { return Status::Invalid("time: invalid duration " + quoted); };
  std::string_view s = text;
  double sign = 1;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid();
  double total = 0;
  while (!s.empty()) {
    // The number: digits, then an optional fraction.
    size_t i = 0;
    double value = 0;
    bool digits = false;
    for (; i < s.size() && IsDigit(s[i]); ++i, digits = true) value = value * 10 + (s[i] - '0');
    if (i < s.size() && s[i] == '.') {
      double scale = 0.1;
      for (++i; i < s.size() && IsDigit(s[i]); ++i, scale /= 10, digits = true) value += (s[i] - '0') * scale;
    }
    if (!digits) return invalid();
    s.remove_prefix(i);
    // The unit: everything up to the next number.
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    if (u == 0) return Status::Invalid("time: missing unit in duration " + quoted);
    double nanos = UnitNanos(s.substr(0, u));
    if (nanos == 0) {
      return Status::Invalid("time: unknown unit \"" + std::string(s.substr(0, u)) + "\" in duration " + quoted);
    }
    s.remove_prefix(u);
    total += value * nanos;
  }
  if (total > 9.2e18) return invalid();  // past int64 nanoseconds (~292 years)
  return std::chrono::nanoseconds(static_cast<int64_t>(sign * total));
}

StatusOr<std::chrono::milliseconds> ParseGoDurationMillis(std::string_view text) {
  auto d = ParseGoDuration(text);
  if (!d.ok()) return d.status();
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

}  // namespace netkube
