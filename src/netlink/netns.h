// NetNs: a handle on a Linux network namespace, held as an open file
// descriptor of its nsfs inode.
//
// Named namespaces live where iproute2 keeps them: an empty file
// /run/netns/NAME onto which the namespace is bind-mounted. Create and Delete
// must run in the root mount namespace (the bind mount is invisible to other
// mount namespaces otherwise); a private network namespace (scripts/in-netns)
// is fine.
//
// Threading contract of the netlink package: a thread's network namespace is
// per thread. Nothing here ever moves the calling thread. Work that must
// happen inside another namespace runs through Run(), which starts a
// short-lived thread, setns()es it into the namespace, runs the function there
// and joins. Netlink sockets (Handle) opened inside a namespace keep operating
// there from any thread, so the usual pattern is Handle::OpenIn(ns) once, then
// plain calls on the handle.
//
// Thread-safety: a NetNs is immutable after construction; Run may be called
// concurrently from several threads.
#pragma once

#include <functional>
#include <string>

#include "util/status.h"

namespace netkube::netlink {

class NetNs {
 public:
  // The directory named namespaces are bind-mounted under.
  static constexpr const char* kRunDir = "/run/netns";

  // Creates a new, empty network namespace (loopback down) bind-mounted at
  // /run/netns/NAME. AlreadyExists if that file exists.
  static StatusOr<NetNs> Create(const std::string& name);
  // Opens a namespace by path ("/run/netns/x", "/proc/123/ns/net") or by name
  // (no '/': /run/netns/NAME). NotFound if it does not exist.
  static StatusOr<NetNs> Open(const std::string& path_or_name);
  // The calling thread's current namespace.
  static StatusOr<NetNs> Current();
  // Unmounts and removes /run/netns/NAME. The namespace itself goes away when
  // its last user (process, open fd, socket) is gone; its veth peers are
  // removed asynchronously by the kernel. NotFound if the file does not exist.
  static Status Delete(const std::string& name);

  NetNs(NetNs&& other) noexcept;
  NetNs& operator=(NetNs&& other) noexcept;
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;
  ~NetNs();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Runs fn on a new thread that has entered this namespace; returns fn's
  // Status (or the setns failure). Blocks until fn returns.
  Status Run(const std::function<Status()>& fn) const;
  // Runs fn on the calling thread after switching it into this namespace,
  // then switches it back. Saves a thread start (which costs milliseconds
  // of scheduling delay on a busy machine) for single-threaded programs such
  // as the CNI plugin. REQUIRES: nothing else runs on this thread meanwhile
  // (signal handlers included) that cares about its namespace.
  Status RunHere(const std::function<Status()>& fn) const;

 private:
  NetNs(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Runs fn on a new thread that has entered the namespace open at ns_fd.
Status RunInNetNs(int ns_fd, const std::function<Status()>& fn);

// Converts errno into a Status: ENOENT/ENODEV/ESRCH -> NotFound, EEXIST ->
// AlreadyExists, EBUSY/EAGAIN -> Unavailable, anything else -> Internal.
Status ErrnoStatus(int err, const std::string& what);

}  // namespace netkube::netlink
