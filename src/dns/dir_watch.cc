#include "dns/dir_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace netkube::dns {

DirWatch::DirWatch(const std::string& dir, std::function<void()> on_change, std::chrono::milliseconds settle)
    : on_change_(std::move(on_change)), settle_(settle) {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return;
  const uint32_t mask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB;
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_add_watch(inotify_fd_, dir.empty() ? "." : dir.c_str(), mask) < 0 || stop_fd_ < 0) {
    close(inotify_fd_);
    inotify_fd_ = -1;
    return;
  }
  thread_ = std::thread([this] { Run(); });
}

DirWatch::~DirWatch() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    ssize_t rc = write(stop_fd_, &one, sizeof(one));
    (void)rc;
    thread_.join();
  }
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

void DirWatch::Run() {
  alignas(struct inotify_event) char buf[4096];
  bool pending = false;  // events seen, call after `settle` of quiet
  for (;;) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int n = poll(fds, 2, pending ? static_cast<int>(settle_.count()) : -1);
    if (n < 0) continue;  // EINTR
    if (fds[1].revents != 0) return;
    if (n == 0) {  // quiet for `settle` after events
      pending = false;
      on_change_();
      continue;
    }
    while (read(inotify_fd_, buf, sizeof(buf)) > 0) pending = true;
  }
}

}  // namespace netkube::dns
