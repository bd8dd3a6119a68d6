#include "netlink/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace netkube::netlink {

std::string SysctlPath(const std::string& key) {
  std::string rel = key;
  if (rel.find('/') == std::string::npos) {
    for (char& c : rel) {
      if (c == '.') c = '/';
    }
  }
  return "/proc/sys/" + rel;
}

Status WriteSysctl(const std::string& key, const std::string& value) {
  std::string path = SysctlPath(key);
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "sysctl " + key);
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) return ErrnoStatus(n < 0 ? err : EIO, "write sysctl " + key);
  return Status::OK();
}

StatusOr<std::string> ReadSysctl(const std::string& key) {
  std::string path = SysctlPath(key);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "sysctl " + key);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = errno;
  close(fd);
  if (n < 0) return ErrnoStatus(err, "read sysctl " + key);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

Status WriteSysctlIn(const NetNs& ns, const std::string& key, const std::string& value) {
  return ns.Run([&] { return WriteSysctl(key, value); });
}

StatusOr<std::string> ReadSysctlIn(const NetNs& ns, const std::string& key) {
  std::string value;
  Status s = ns.Run([&]() -> Status {
    auto v = ReadSysctl(key);
    if (!v.ok()) return v.status();
    value = *v;
    return Status::OK();
  });
  if (!s.ok()) return s;
  return value;
}

}  // namespace netkube::netlink
