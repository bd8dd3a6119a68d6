// DirWatch: calls a function when something in a directory changes, so a
// Corefile edit is reloaded as soon as it lands instead of at the next
// `reload` interval. A ConfigMap volume replaces its files by renaming its
// `..data` link inside the mount, which is an event in this directory.
//
// Linux inotify on the directory (IN_CLOSE_WRITE, IN_CREATE, IN_DELETE,
// IN_MOVED_TO, IN_MOVED_FROM, IN_ATTRIB), one thread blocked in poll(2).
// Events arriving together are coalesced into one call after `settle`.
// When inotify cannot watch the directory, the watch is inert (ok() false)
// and callers keep their interval.
//
// Thread-safety: `on_change` runs on the watch's own thread; the destructor
// stops and joins it (do not destroy the watch from `on_change`).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace netkube::dns {

class DirWatch {
 public:
  DirWatch(const std::string& dir, std::function<void()> on_change,
           std::chrono::milliseconds settle = std::chrono::milliseconds(100));
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  bool ok() const { return inotify_fd_ >= 0; }

 private:
  void Run();

  std::function<void()> on_change_;
  std::chrono::milliseconds settle_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd
  std::thread thread_;
};

}  // namespace netkube::dns
