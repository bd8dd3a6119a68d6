#include "controllers/namespace_controller.h"

#include "controllers/testing.h"

namespace netkube::controllers {
namespace {

using client::Json;
using client::KindOf;

TEST(NamespaceControllerTest, EmptiesAndFinalizesDeletedNamespace) {
  testing::Harness h;
  NamespaceController c(h.client, h.informers, std::chrono::milliseconds(0));
  h.client.Create(KindOf("", "Namespace"), "", Json{{"metadata", {{"name", "team"}}}});
  h.client.Create(KindOf("", "ConfigMap"), "team", Json{{"metadata", {{"name", "cm"}}}});
  Json blocked = {{"metadata", {{"name", "held"}, {"finalizers", {"example.com/hold"}}}}};
  h.client.Create(KindOf("", "Secret"), "team", blocked);
  h.client.Create(KindOf("", "ConfigMap"), "other", Json{{"metadata", {{"name", "cm"}}}});
  h.Start();
  h.client.Delete(KindOf("", "Namespace"), "", "team");
  h.Drain(c, 3);
  EXPECT_TRUE(h.Get("", "ConfigMap", "team", "cm").is_null());
  EXPECT_FALSE(h.Get("", "ConfigMap", "other", "cm").is_null());
  Json ns = h.Get("", "Namespace", "", "team");
  ASSERT_FALSE(ns.is_null());  // the held Secret keeps it
  EXPECT_EQ(ns["status"]["phase"], "Terminating");
  Json s = h.Get("", "Secret", "team", "held");
  client::RemoveFinalizer(&s, "example.com/hold");
  ASSERT_TRUE(h.client.Update(KindOf("", "Secret"), "team", s).ok());
  h.Drain(c, 5);
  EXPECT_TRUE(h.Get("", "Namespace", "", "team").is_null());
}

}  // namespace
}  // namespace netkube::controllers
