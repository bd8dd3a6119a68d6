// Go's time.ParseDuration, the duration syntax of Corefiles and of the Go
// programs netkube's built-in images stand in for.
//
// An optional sign, then "0" or one or more decimal numbers (at least one
// digit, an optional fraction: "1", "1.5", ".5", "5.") each followed by a unit:
// ns, us (µs, μs), ms, s, m, h. "300ms", "-1.5h", "2h45m", "1m30s".
// Errors (kInvalid) carry Go's texts: `time: invalid duration "X"`,
// `time: missing unit in duration "X"`, `time: unknown unit "u" in duration "X"`.
//
// Thread-safety: pure.
#pragma once

#include <chrono>
#include <string_view>

#include "util/status.h"

namespace netkube {

StatusOr<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);
// The same in whole milliseconds (a sub-millisecond rest is dropped).
StatusOr<std::chrono::milliseconds> ParseGoDurationMillis(std::string_view text);

}  // namespace netkube
