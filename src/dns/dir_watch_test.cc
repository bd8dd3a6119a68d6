#include "dns/dir_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

namespace netkube::dns {
namespace {

TEST(DirWatchTest, ARenameIntoTheDirectoryCallsOnceEventsSettle) {
  char dir[] = "/tmp/nk-dirwatch-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  {
    DirWatch watch(dir, [&] {
      std::lock_guard<std::mutex> l(mu);
      ++calls;
      cv.notify_all();
    });
    ASSERT_TRUE(watch.ok());
    std::string a = std::string(dir) + "/a", b = std::string(dir) + "/..data";
    std::ofstream(a) << "x";
    ASSERT_EQ(rename(a.c_str(), b.c_str()), 0);
    std::unique_lock<std::mutex> l(mu);
    EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return calls > 0; }));
    unlink(b.c_str());
  }
  rmdir(dir);
}

TEST(DirWatchTest, AMissingDirectoryIsInert) {
  DirWatch watch("/nonexistent/netkube-dir-watch", [] {});
  EXPECT_FALSE(watch.ok());
}

}  // namespace
}  // namespace netkube::dns
