// klog-style logging to stderr:
//   I1121 10:40:00.123456   12345 file.cc:42] message
// Thread-safe: each line is written with one write(2).
#pragma once

#include <sstream>
#include <string>

namespace netkube::log {

enum class Severity { kInfo, kWarning, kError, kFatal };

// Verbosity for V(n) lines; default 0. Set once at start-up.
void SetVerbosity(int v);
int Verbosity();

class Line {
 public:
  Line(Severity s, const char* file, int line);
  ~Line();  // writes the line; kFatal then aborts
  template <typename T>
  Line& operator<<(const T& v) {
    os_ << v;
    return *this;
  }

 private:
  Severity severity_;
  const char* file_;
  int line_;
  std::ostringstream os_;
};

}  // namespace netkube::log

#define NK_LOG(sev) ::netkube::log::Line(::netkube::log::Severity::k##sev, __FILE__, __LINE__)
#define LOG_INFO NK_LOG(Info)
#define LOG_WARN NK_LOG(Warning)
#define LOG_ERROR NK_LOG(Error)
#define LOG_FATAL NK_LOG(Fatal)
#define LOG_V(n) \
  if (::netkube::log::Verbosity() >= (n)) NK_LOG(Info)
