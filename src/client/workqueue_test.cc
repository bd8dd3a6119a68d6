#include "client/workqueue.h"

#include <gtest/gtest.h>

namespace netkube::client {
namespace {

using std::chrono::milliseconds;

TEST(WorkQueueTest, DedupsQueuedKeys) {
  WorkQueue q;
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Len(), 2u);
}

TEST(WorkQueueTest, ReAddWhileProcessingIsDeferredToDone) {
  WorkQueue q;
  q.Add("a");
  std::string k;
  ASSERT_TRUE(q.TryGet(&k, milliseconds(10)));
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);  // not handed to a second worker
  std::string k2;
  EXPECT_FALSE(q.TryGet(&k2, milliseconds(1)));
  q.Done("a");
  ASSERT_TRUE(q.TryGet(&k2, milliseconds(10)));
  EXPECT_EQ(k2, "a");
}

TEST(WorkQueueTest, AddAfterBecomesReady) {
  WorkQueue q;
  q.AddAfter("a", milliseconds(5));
  std::string k;
  ASSERT_TRUE(q.TryGet(&k, milliseconds(5000)));
  EXPECT_EQ(k, "a");
}

TEST(WorkQueueTest, BackoffDoublesAndForgetResets) {
  WorkQueue q;
  EXPECT_EQ(q.NextBackoff("a"), milliseconds(5));
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextBackoff("a"), milliseconds(10));
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextBackoff("a"), milliseconds(20));
  EXPECT_EQ(q.NumRequeues("a"), 2);
  for (int i = 0; i < 40; ++i) q.AddRateLimited("a");
  EXPECT_EQ(q.NextBackoff("a"), milliseconds(1000 * 1000));
  q.Forget("a");
  EXPECT_EQ(q.NextBackoff("a"), milliseconds(5));
}

TEST(WorkQueueTest, ShutDownWakesGet) {
  WorkQueue q;
  q.ShutDown();
  std::string k;
  EXPECT_FALSE(q.Get(&k));
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);
}

}  // namespace
}  // namespace netkube::client
