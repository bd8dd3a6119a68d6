#include "ingress/leader_election.h"

#include <gtest/gtest.h>

#include <functional>

#include "client/fake_client.h"

namespace netkube::ingress {
namespace {

using std::chrono::seconds;

const api::Kind& LeaseKind() { return client::KindOf("coordination.k8s.io", "Lease"); }

client::TimePoint T0() { return *client::ParseTime("2024-05-01T10:00:00Z"); }

LeaderElectionOptions Options(const std::string& identity, int* started = nullptr, int* stopped = nullptr) {
  LeaderElectionOptions o;
  o.ns = "ingress-nginx";
  o.name = "ingress-nginx-leader";
  o.identity = identity;
  if (started) o.on_started_leading = [started] { ++*started; };
  if (stopped) o.on_stopped_leading = [stopped] { ++*stopped; };
  return o;
}

client::Json Lease(client::FakeClient& fake) {
  auto got = fake.Get(LeaseKind(), "ingress-nginx", "ingress-nginx-leader");
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  return got.ok() ? (*got)["spec"] : client::Json();
}

TEST(LeaderElectionTest, CreatesTheLeaseAndRenewsIt) {
  client::FakeClient fake;
  int started = 0, stopped = 0;
  LeaderElector a(fake, Options("pod-a", &started, &stopped));
  EXPECT_FALSE(a.IsLeader());
  EXPECT_TRUE(a.TryAcquireOrRenew(T0()));
  EXPECT_TRUE(a.IsLeader());
  EXPECT_EQ(started, 1);
  client::Json spec = Lease(fake);
  EXPECT_EQ(spec["holderIdentity"], "pod-a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 30);
  EXPECT_EQ(spec["acquireTime"], "2024-05-01T10:00:00.000000Z");
  EXPECT_EQ(spec["renewTime"], "2024-05-01T10:00:00.000000Z");
  EXPECT_EQ(spec["leaseTransitions"], 0);

  EXPECT_TRUE(a.TryAcquireOrRenew(T0() + seconds(10)));
  spec = Lease(fake);
  EXPECT_EQ(spec["renewTime"], "2024-05-01T10:00:10.000000Z");
  EXPECT_EQ(spec["acquireTime"], "2024-05-01T10:00:00.000000Z");
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(started, 1);  // no callback for a renewal
  EXPECT_EQ(stopped, 0);
}

TEST(LeaderElectionTest, FollowerWaitsForExpiryThenTakesOver) {
  client::FakeClient fake;
  int a_stopped = 0, b_started = 0;
  LeaderElector a(fake, Options("pod-a", nullptr, &a_stopped));
  LeaderElector b(fake, Options("pod-b", &b_started));
  ASSERT_TRUE(a.TryAcquireOrRenew(T0()));
  EXPECT_FALSE(b.TryAcquireOrRenew(T0() + seconds(1)));
  EXPECT_FALSE(b.TryAcquireOrRenew(T0() + seconds(29)));
  EXPECT_EQ(b_started, 0);
  // a renewed at +10: valid until +40.
  ASSERT_TRUE(a.TryAcquireOrRenew(T0() + seconds(10)));
  EXPECT_FALSE(b.TryAcquireOrRenew(T0() + seconds(35)));
  // a stopped renewing: at +41 the Lease has expired.
  EXPECT_TRUE(b.TryAcquireOrRenew(T0() + seconds(41)));
  EXPECT_EQ(b_started, 1);
  client::Json spec = Lease(fake);
  EXPECT_EQ(spec["holderIdentity"], "pod-b");
  EXPECT_EQ(spec["acquireTime"], "2024-05-01T10:00:41.000000Z");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  // a comes back: it sees b's fresh Lease and steps down.
  EXPECT_FALSE(a.TryAcquireOrRenew(T0() + seconds(42)));
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(a_stopped, 1);
  EXPECT_EQ(Lease(fake)["holderIdentity"], "pod-b");
}

TEST(LeaderElectionTest, ReleaseLetsTheNextReplicaTakeOverAtOnce) {
  client::FakeClient fake;
  int stopped = 0;
  LeaderElector a(fake, Options("pod-a", nullptr, &stopped));
  LeaderElector b(fake, Options("pod-b"));
  ASSERT_TRUE(a.TryAcquireOrRenew(T0()));
  a.Release(T0() + seconds(1));
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(Lease(fake)["holderIdentity"], "");
  EXPECT_TRUE(b.TryAcquireOrRenew(T0() + seconds(2)));
  EXPECT_EQ(Lease(fake)["leaseTransitions"], 1);
  // Releasing when not the leader writes nothing.
  fake.ClearActions();
  a.Release(T0() + seconds(3));
  EXPECT_TRUE(fake.actions().empty());
}

// A client whose next Get lets a rival write the Lease between our read and
// our write, so our Update carries a stale resourceVersion.
class RacingClient : public client::FakeClient {
 public:
  std::function<void()> before_get_returns;
  StatusOr<client::Json> Get(const api::Kind& kind, std::string_view ns, std::string_view name) override {
    auto r = FakeClient::Get(kind, ns, name);
    if (before_get_returns) {
      auto hook = std::move(before_get_returns);
      before_get_returns = nullptr;
      hook();
    }
    return r;
  }
};

TEST(LeaderElectionTest, OptimisticConcurrencyPicksOneWinner) {
  RacingClient fake;
  LeaderElector a(fake, Options("pod-a"));
  LeaderElector b(fake, Options("pod-b"));
  LeaderElector c(fake, Options("pod-c"));
  ASSERT_TRUE(a.TryAcquireOrRenew(T0()));
  // The Lease expired; b and c both see it expired, c writes first.
  fake.before_get_returns = [&] { EXPECT_TRUE(c.TryAcquireOrRenew(T0() + seconds(60))); };
  EXPECT_FALSE(b.TryAcquireOrRenew(T0() + seconds(60)));
  EXPECT_FALSE(b.IsLeader());
  EXPECT_TRUE(c.IsLeader());
  EXPECT_EQ(Lease(fake)["holderIdentity"], "pod-c");
}

// A client that can be made to fail every call, as an unreachable API does.
class FlakyClient : public client::FakeClient {
 public:
  bool down = false;
  StatusOr<client::Json> Get(const api::Kind& kind, std::string_view ns, std::string_view name) override {
    if (down) return Status::Unavailable("connection refused");
    return FakeClient::Get(kind, ns, name);
  }
};

TEST(LeaderElectionTest, LeaderStepsDownAfterTheRenewDeadline) {
  FlakyClient fake;
  int stopped = 0;
  LeaderElector a(fake, Options("pod-a", nullptr, &stopped));
  ASSERT_TRUE(a.TryAcquireOrRenew(T0()));
  fake.down = true;
  EXPECT_TRUE(a.TryAcquireOrRenew(T0() + seconds(10)));  // within the 15 s renew deadline
  EXPECT_TRUE(a.TryAcquireOrRenew(T0() + seconds(15)));
  EXPECT_FALSE(a.TryAcquireOrRenew(T0() + seconds(16)));  // before the 30 s lease expires for others
  EXPECT_EQ(stopped, 1);
  // A follower that cannot reach the API stays a follower.
  LeaderElector b(fake, Options("pod-b"));
  EXPECT_FALSE(b.TryAcquireOrRenew(T0() + seconds(100)));
  fake.down = false;
  EXPECT_TRUE(b.TryAcquireOrRenew(T0() + seconds(101)));
}

TEST(LeaderElectionTest, StartAndStopReleases) {
  client::FakeClient fake;
  LeaderElectionOptions o = Options("pod-a");
  o.retry_period = std::chrono::milliseconds(5);
  LeaderElector a(fake, o);
  a.Start();
  for (int i = 0; i < 200 && !a.IsLeader(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(a.IsLeader());
  a.Stop();
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(Lease(fake)["holderIdentity"], "");
}

TEST(LeaderElectionTest, MicroTime) {
  EXPECT_EQ(FormatMicroTime(T0() + std::chrono::microseconds(1234)), "2024-05-01T10:00:00.001234Z");
}

}  // namespace
}  // namespace netkube::ingress
