#include "node/probes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

namespace netkube::node {
namespace {

// A loopback port nobody listens on yet (bound, then closed).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 8) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(ProberTest, ANotYetReadyContainerIsProbedAgainBeforeItsPeriod) {
  std::mutex mu;
  std::condition_variable cv;
  int failures = 0;
  bool ready = false;
  Prober prober([&](const std::string&, const std::string&, ProbeType, bool result, bool, const std::string&) {
    std::lock_guard<std::mutex> l(mu);
    if (result) ready = true; else ++failures;
    cv.notify_all();
  });
  ProbeSpec spec;
  spec.kind = ProbeSpec::kTcpSocket;
  spec.port = FreePort();
  spec.period_seconds = 3600;  // only the not-yet-ready retry can probe again
  spec.failure_threshold = 1;
  ProbeTarget target;
  target.pod_ip = "127.0.0.1";
  prober.Add("uid", "c", ProbeType::kReadiness, spec, target);
  std::unique_lock<std::mutex> l(mu);
  ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return failures > 0; }));  // nothing listens yet
  int fd = Listen(spec.port);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return ready; }));
  l.unlock();
  prober.Remove("uid", "");
  close(fd);
}

}  // namespace
}  // namespace netkube::node
