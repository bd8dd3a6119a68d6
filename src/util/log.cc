#include "util/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace netkube::log {
namespace {
std::atomic<int> g_verbosity{0};
}

void SetVerbosity(int v) { g_verbosity = v; }
int Verbosity() { return g_verbosity; }

Line::Line(Severity s, const char* file, int line) : severity_(s), file_(file), line_(line) {}

Line::~Line() {
  static const char kLetters[] = "IWEF";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  const char* base = std::strrchr(file_, '/');
  base = base ? base + 1 : file_;
  char head[128];
  std::snprintf(head, sizeof(head), "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s:%d] ",
                kLetters[static_cast<int>(severity_)], t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
                t.tm_sec, static_cast<long>(tv.tv_usec), static_cast<int>(getpid()), base, line_);
  std::string out = head + os_.str() + "\n";
  ssize_t ignored = ::write(2, out.data(), out.size());
  (void)ignored;
  if (severity_ == Severity::kFatal) std::abort();
}

}  // namespace netkube::log
