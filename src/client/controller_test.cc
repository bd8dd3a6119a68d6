#include "client/controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

namespace netkube::client {
namespace {

// Fails each key twice, then succeeds.
class Flaky : public Controller {
 public:
  Flaky() : Controller("flaky") {}
  Status Sync(const std::string& key) override {
    std::lock_guard<std::mutex> l(mu_);
    if (++calls_[key] <= 2) return Status::Unavailable("try again");
    done_.insert(key);
    return Status::OK();
  }
  std::mutex mu_;
  std::map<std::string, int> calls_;
  std::set<std::string> done_;
};

TEST(ControllerTest, ErrorsRequeueWithBackoffUntilSuccess) {
  Flaky c;
  c.queue().Add("a");
  c.queue().Add("b");
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(c.ProcessNext(std::chrono::seconds(10)));
  EXPECT_EQ(c.done_.size(), 2u);
  EXPECT_EQ(c.calls_["a"], 3);
  EXPECT_EQ(c.queue().NumRequeues("a"), 0);  // forgotten after success
}

TEST(ControllerTest, WorkersRunAndStop) {
  Flaky c;
  c.Run(2);
  for (int i = 0; i < 10; ++i) c.queue().Add("k" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) {
    {
      std::lock_guard<std::mutex> l(c.mu_);
      if (c.done_.size() == 10) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  c.Stop();
  EXPECT_EQ(c.done_.size(), 10u);
}

}  // namespace
}  // namespace netkube::client
