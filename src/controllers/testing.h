// Test harness for controllers: a FakeClient, shared informers over it, and
// Settle(), which waits until every informer has caught up with the fake's
// latest write of its kind (no timing assertions, just waiting for the cache).
#pragma once

#include <gtest/gtest.h>

#include <thread>

#include "client/fake_client.h"
#include "client/meta.h"
#include "client/shared_informers.h"

namespace netkube::controllers::testing {

struct Harness {
  client::FakeClient client;
  client::SharedInformers informers{client};

  void Start() {
    informers.Start();
    ASSERT_TRUE(informers.WaitForSync(std::chrono::seconds(20)));
  }
  void Settle() {
    for (client::Informer* inf : informers.All()) {
      for (int i = 0; i < 20000 && inf->LastResourceVersion() < client.LastRevision(inf->kind()); ++i)
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      ASSERT_GE(inf->LastResourceVersion(), client.LastRevision(inf->kind())) << inf->kind().plural;
    }
  }
  // Drains the controller's queue by syncing keys (settling between rounds)
  // until none becomes ready within a short wait, so retries after a conflict
  // (backoff of a few ms) run too while long requeues (minReadySeconds,
  // deadlines) do not; returns how many syncs ran.
  int Drain(client::Controller& c, int max = 200) {
    int n = 0;
    Settle();
    while (n < max && c.ProcessNext(std::chrono::milliseconds(15))) {
      ++n;
      Settle();
    }
    return n;
  }
  client::Json Get(const char* group, const char* kind, const std::string& ns, const std::string& name) {
    auto r = client.Get(client::KindOf(group, kind), ns, name);
    return r.ok() ? *r : client::Json();
  }
};

}  // namespace netkube::controllers::testing
