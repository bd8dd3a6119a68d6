#include "netlink/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace netkube::netlink {

Status ErrnoStatus(int err, const std::string& what) {
  std::string message = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ESRCH:
      return Status::NotFound(message);
    case EEXIST:
      return Status::AlreadyExists(message);
    case EBUSY:
    case EAGAIN:
      return Status::Unavailable(message);
    default:
      return Status::Internal(message);
  }
}

namespace {

std::string PathFor(const std::string& path_or_name) {
  if (path_or_name.find('/') != std::string::npos) return path_or_name;
  return std::string(NetNs::kRunDir) + "/" + path_or_name;
}

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() < 200 && name.find('/') == std::string::npos && name != "." && name != "..";
}

// Makes /run/netns a shared mount point (as iproute2 does) so namespaces
// mounted under it are visible from mount namespaces created later.
Status PrepareRunDir() {
  if (mkdir(NetNs::kRunDir, 0755) != 0 && errno != EEXIST) return ErrnoStatus(errno, "mkdir /run/netns");
  if (mount("", NetNs::kRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return Status::OK();
  if (errno != EINVAL) return ErrnoStatus(errno, "make /run/netns shared");
  if (mount(NetNs::kRunDir, NetNs::kRunDir, "none", MS_BIND | MS_REC, nullptr) != 0) {
    return ErrnoStatus(errno, "bind-mount /run/netns");
  }
  if (mount("", NetNs::kRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    return ErrnoStatus(errno, "make /run/netns shared");
  }
  return Status::OK();
}

}  // namespace

Status RunInNetNs(int ns_fd, const std::function<Status()>& fn) {
  Status result;
  std::thread worker([&] {
    if (setns(ns_fd, CLONE_NEWNET) != 0) {
      result = ErrnoStatus(errno, "setns");
      return;
    }
    result = fn();
  });
  worker.join();
  return result;
}

StatusOr<NetNs> NetNs::Create(const std::string& name) {
  if (!ValidName(name)) return Status::Invalid("invalid netns name \"" + name + "\"");
  Status s = PrepareRunDir();
  if (!s.ok()) return s;
  std::string path = PathFor(name);
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return ErrnoStatus(errno, "create " + path);
  close(fd);
  // unshare() moves only the calling thread, so do it on a throwaway thread
  // and pin the new namespace with a bind mount before the thread ends.
  Status mounted;
  std::thread worker([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      mounted = ErrnoStatus(errno, "unshare(CLONE_NEWNET)");
      return;
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      mounted = ErrnoStatus(errno, "bind-mount " + path);
    }
  });
  worker.join();
  if (!mounted.ok()) {
    unlink(path.c_str());
    return mounted;
  }
  return Open(path);
}

StatusOr<NetNs> NetNs::Open(const std::string& path_or_name) {
  std::string path = PathFor(path_or_name);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open netns " + path);
  // An unmounted /run/netns/NAME is a plain empty file, not a namespace.
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type != CLONE_NEWNET) {
    close(fd);
    return Status::NotFound(path + " is not a network namespace");
  }
  return NetNs(fd, path);
}

StatusOr<NetNs> NetNs::Current() { return Open("/proc/thread-self/ns/net"); }

Status NetNs::Delete(const std::string& name) {
  if (!ValidName(name)) return Status::Invalid("invalid netns name \"" + name + "\"");
  std::string path = PathFor(name);
  if (access(path.c_str(), F_OK) != 0) return ErrnoStatus(errno, "netns " + path);
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL) return ErrnoStatus(errno, "umount " + path);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "unlink " + path);
  return Status::OK();
}

NetNs::NetNs(NetNs&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

NetNs& NetNs::operator=(NetNs&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

NetNs::~NetNs() {
  if (fd_ >= 0) close(fd_);
}

Status NetNs::Run(const std::function<Status()>& fn) const { return RunInNetNs(fd_, fn); }

Status NetNs::RunHere(const std::function<Status()>& fn) const {
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return ErrnoStatus(errno, "open the current netns");
  if (setns(fd_, CLONE_NEWNET) != 0) {
    Status s = ErrnoStatus(errno, "setns " + path_);
    close(home);
    return s;
  }
  Status result = fn();
  if (setns(home, CLONE_NEWNET) != 0) {
    // Cannot happen short of a kernel bug; a thread left in the wrong
    // namespace must not carry on.
    std::abort();
  }
  close(home);
  return result;
}

}  // namespace netkube::netlink
