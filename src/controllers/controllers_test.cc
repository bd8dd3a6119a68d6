#include "controllers/controllers.h"

#include <gtest/gtest.h>

#include <thread>

#include "client/fake_client.h"
#include "client/meta.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

// Waits (no time assertion) until `pred` holds or a generous bound passes.
template <typename F>
bool Eventually(F pred) {
  for (int i = 0; i < 3000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST(RunControllersTest, DeploymentBecomesScheduledPodsAndStops) {
  client::FakeClient c;
  c.Create(KindOf("", "Node"), "",
           Json{{"metadata", {{"name", "n1"}}},
                {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}});
  Json container = {{"name", "c"}, {"image", "nginx"}};
  Json tmpl = {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", {{"containers", Json::array({container})}}}};
  c.Create(KindOf("apps", "Deployment"), "default",
           Json{{"metadata", {{"name", "web"}}},
                {"spec", {{"replicas", 2}, {"selector", {{"matchLabels", {{"app", "web"}}}}}, {"template", tmpl}}}});
  auto running = RunControllers(c);
  EXPECT_TRUE(Eventually([&] {
    auto pods = c.Objects(KindOf("", "Pod"));
    if (pods.size() != 2) return false;
    for (const Json& p : pods)
      if (client::GetString(p, {"spec", "nodeName"}) != "n1") return false;
    return true;
  }));
  // Deleting the deployment removes its ReplicaSet and pods (garbage collector).
  c.Delete(KindOf("apps", "Deployment"), "default", "web");
  EXPECT_TRUE(Eventually([&] { return c.Objects(KindOf("", "Pod")).empty(); }));
  EXPECT_TRUE(c.Objects(KindOf("apps", "ReplicaSet")).empty());
  running->Stop();
  running->Stop();
}

}  // namespace
}  // namespace netkube::controllers
