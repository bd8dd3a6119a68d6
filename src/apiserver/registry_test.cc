#include "apiserver/registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "apiserver/admission.h"
#include "apiserver/bootstrap.h"
#include "apiserver/local_client.h"

namespace netkube::apiserver {
namespace {

using nlohmann::json;

const api::Kind& K(const char* group, const char* kind) { return *api::FindByKind(group, "v1", kind); }

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(admission_.Init().ok());
    ASSERT_TRUE(Bootstrap(registry_, {"10.96.0.1", "172.18.0.2", 6443}).ok());
  }
  json Create(const char* group, const char* kind, const std::string& ns, const std::string& text,
              WriteOptions opts = {}) {
    auto r = registry_.Create(K(group, kind), ns, json::parse(text), opts);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r->object : json();
  }
  Status CreateErr(const char* group, const char* kind, const std::string& ns, const std::string& text,
                   WriteOptions opts = {}) {
    auto r = registry_.Create(K(group, kind), ns, json::parse(text), opts);
    return r.ok() ? Status::OK() : r.status();
  }
  json Get(const char* group, const char* kind, const std::string& ns, const std::string& name) {
    auto r = registry_.Get(K(group, kind), ns, name);
    return r.ok() ? json::parse(*r->json) : json();
  }

  std::unique_ptr<store::Store> store_ = store::OpenMemoryStore();
  Admission admission_{AdmissionOptions{}};
  Registry registry_{*store_, admission_, nullptr};
};

TEST_F(RegistryTest, BootstrapObjects) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_EQ(Get("", "Namespace", "", ns)["status"]["phase"], "Active") << ns;
    EXPECT_FALSE(Get("", "ServiceAccount", ns, "default").is_null()) << ns;
  }
  json svc = Get("", "Service", "default", "kubernetes");
  EXPECT_EQ(svc["spec"]["clusterIP"], "10.96.0.1");
  EXPECT_EQ(svc["spec"]["ports"][0]["port"], 443);
  EXPECT_EQ(Get("", "Endpoints", "default", "kubernetes")["subsets"][0]["addresses"][0]["ip"], "172.18.0.2");
}

TEST_F(RegistryTest, CreateSetsServerFieldsAndDefaults) {
  json cm = Create("", "ConfigMap", "default", R"({"metadata":{"name":"c"},"data":{"a":"b"}})");
  EXPECT_EQ(cm["apiVersion"], "v1");
  EXPECT_EQ(cm["kind"], "ConfigMap");
  EXPECT_EQ(cm["metadata"]["namespace"], "default");
  EXPECT_EQ(cm["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(cm["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(Get("", "ConfigMap", "default", "c"), cm);

  json pod = Create("", "Pod", "default", R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(pod["spec"]["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(pod["status"]["phase"], "Pending");
  EXPECT_EQ(pod["status"]["qosClass"], "BestEffort");
}

TEST_F(RegistryTest, GenerateNameAndAlreadyExists) {
  json a = Create("", "ConfigMap", "default", R"({"metadata":{"generateName":"web-"}})");
  std::string name = a["metadata"]["name"];
  EXPECT_EQ(name.rfind("web-", 0), 0u);
  EXPECT_EQ(name.size(), 9u);
  Status s = CreateErr("", "ConfigMap", "default", R"({"metadata":{"name":")" + name + R"("}})");
  EXPECT_TRUE(s.IsAlreadyExists());
  EXPECT_EQ(s.message(), "configmaps \"" + name + "\" already exists");
  EXPECT_EQ(s.HttpCode(), 409);
}

TEST_F(RegistryTest, NamespaceMustExistAndNotTerminate) {
  Status s = CreateErr("", "ConfigMap", "nope", R"({"metadata":{"name":"c"}})");
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "namespaces \"nope\" not found");
  Create("", "Namespace", "", R"({"metadata":{"name":"gone"}})");
  auto d = registry_.Delete(K("", "Namespace"), "", "gone", {});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d->object)["status"]["phase"], "Terminating");
  s = CreateErr("", "ConfigMap", "gone", R"({"metadata":{"name":"c"}})");
  EXPECT_EQ(s.reason(), Reason::kForbidden);
  EXPECT_NE(s.message().find("because it is being terminated"), std::string::npos);
  // The namespace controller's finalize call removes it.
  json ns = Get("", "Namespace", "", "gone");
  ns["spec"]["finalizers"] = json::array();
  auto f = registry_.Update(K("", "Namespace"), "", "gone", ns, "finalize", {});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(Get("", "Namespace", "", "gone").is_null());
}

TEST_F(RegistryTest, InvalidObjectsAre422AndNotStored) {
  Status s = CreateErr("", "ConfigMap", "default", R"({"metadata":{"name":"Foo_Bar"}})");
  EXPECT_TRUE(s.IsInvalid()) << s.ToString();
  EXPECT_EQ(s.HttpCode(), 422);
  ASSERT_FALSE(s.causes().empty());
  EXPECT_EQ(s.causes()[0].field, "metadata.name");
  EXPECT_TRUE(Get("", "ConfigMap", "default", "Foo_Bar").is_null());
  s = CreateErr("", "Service", "default", R"({"metadata":{"name":"s"},"spec":{"ports":[{"port":70000}]}})");
  EXPECT_TRUE(s.IsInvalid());
  EXPECT_NE(s.message().find("spec.ports[0].port"), std::string::npos) << s.message();
}

TEST_F(RegistryTest, StrictFieldValidation) {
  WriteOptions strict;
  strict.field_validation = "Strict";
  Status s = CreateErr("", "ConfigMap", "default", R"({"metadata":{"name":"c"},"dta":{}})", strict);
  EXPECT_EQ(s.reason(), Reason::kBadRequest);
  EXPECT_NE(s.message().find("strict decoding error: unknown field \"dta\""), std::string::npos) << s.message();
  auto r = registry_.Create(K("", "ConfigMap"), "default", json::parse(R"({"metadata":{"name":"c"},"dta":{}})"), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->warnings, std::vector<std::string>{"unknown field \"dta\""});
  EXPECT_FALSE(Get("", "ConfigMap", "default", "c").contains("dta"));
}

TEST_F(RegistryTest, UpdateConflictsOnStaleResourceVersion) {
  json cm = Create("", "ConfigMap", "default", R"({"metadata":{"name":"c"},"data":{"a":"1"}})");
  json first = cm;
  cm["data"]["a"] = "2";
  auto u = registry_.Update(K("", "ConfigMap"), "default", "c", cm, "", {});
  ASSERT_TRUE(u.ok());
  EXPECT_NE((*u->object)["metadata"]["resourceVersion"], first["metadata"]["resourceVersion"]);
  first["data"]["a"] = "3";
  auto stale = registry_.Update(K("", "ConfigMap"), "default", "c", first, "", {});
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(stale.status().IsConflict());
  EXPECT_NE(stale.status().message().find("the object has been modified"), std::string::npos);
  EXPECT_EQ(Get("", "ConfigMap", "default", "c")["data"]["a"], "2");
}

TEST_F(RegistryTest, NoOpUpdateKeepsResourceVersion) {
  json cm = Create("", "ConfigMap", "default", R"({"metadata":{"name":"c"},"data":{"a":"1"}})");
  auto u = registry_.Update(K("", "ConfigMap"), "default", "c", cm, "", {});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u->object)["metadata"]["resourceVersion"], cm["metadata"]["resourceVersion"]);
}

TEST_F(RegistryTest, StatusSubresourceOnlyChangesStatus) {
  json d = Create("apps", "Deployment", "default",
                  R"({"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},
                      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
  EXPECT_EQ(d["metadata"]["generation"], 1);
  json next = d;
  next["spec"]["replicas"] = 5;
  next["status"] = {{"replicas", 7}};
  auto s = registry_.Update(K("apps", "Deployment"), "default", "web", next, "status", {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s->object)["status"]["replicas"], 7);
  EXPECT_EQ((*s->object)["spec"]["replicas"], 1);
  // A main-resource update ignores status and bumps generation on spec change.
  next["metadata"].erase("resourceVersion");  // unconditional
  auto m = registry_.Update(K("apps", "Deployment"), "default", "web", next, "", {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m->object)["spec"]["replicas"], 5);
  EXPECT_EQ((*m->object)["status"]["replicas"], 7);
  EXPECT_EQ((*m->object)["metadata"]["generation"], 2);
}

TEST_F(RegistryTest, ScaleSubresource) {
  Create("apps", "Deployment", "default",
         R"({"metadata":{"name":"web"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
             "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
  auto sc = registry_.GetSubresource(K("apps", "Deployment"), "default", "web", "scale");
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ((*sc)["kind"], "Scale");
  EXPECT_EQ((*sc)["spec"]["replicas"], 2);
  EXPECT_EQ((*sc)["status"]["selector"], "app=web");
  auto p = registry_.Patch(K("apps", "Deployment"), "default", "web", PatchKind::kMerge,
                           json::parse(R"({"spec":{"replicas":4}})"), "scale", {});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p->object)["spec"]["replicas"], 4);
  EXPECT_EQ(Get("apps", "Deployment", "default", "web")["spec"]["replicas"], 4);
}

TEST_F(RegistryTest, PatchKinds) {
  Create("", "ConfigMap", "default", R"({"metadata":{"name":"c","labels":{"a":"1"}},"data":{"x":"1"}})");
  auto m = registry_.Patch(K("", "ConfigMap"), "default", "c", PatchKind::kMerge,
                           json::parse(R"({"metadata":{"labels":{"a":null,"b":"2"}}})"), "", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m->object)["metadata"]["labels"], json::parse(R"({"b":"2"})"));
  auto j = registry_.Patch(K("", "ConfigMap"), "default", "c", PatchKind::kJson,
                           json::parse(R"([{"op":"replace","path":"/data/x","value":"9"}])"), "", {});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j->object)["data"]["x"], "9");
  auto missing = registry_.Patch(K("", "ConfigMap"), "default", "nope", PatchKind::kMerge, json::object(), "", {});
  EXPECT_TRUE(missing.status().IsNotFound());
  // A stale resourceVersion in a patch is a precondition failure.
  auto stale = registry_.Patch(K("", "ConfigMap"), "default", "c", PatchKind::kMerge,
                               json::parse(R"({"metadata":{"resourceVersion":"1"},"data":{"x":"0"}})"), "", {});
  EXPECT_TRUE(stale.status().IsConflict());
}

TEST_F(RegistryTest, DeleteWithFinalizersAndPreconditions) {
  json cm = Create("", "ConfigMap", "default", R"({"metadata":{"name":"c","finalizers":["example.com/hold"]}})");
  DeleteParams wrong_uid;
  wrong_uid.precondition_uid = "other";
  EXPECT_TRUE(registry_.Delete(K("", "ConfigMap"), "default", "c", wrong_uid).status().IsConflict());
  auto d = registry_.Delete(K("", "ConfigMap"), "default", "c", {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d->object)["metadata"].contains("deletionTimestamp"));
  json held = Get("", "ConfigMap", "default", "c");
  ASSERT_FALSE(held.is_null());
  held["metadata"]["finalizers"] = json::array();
  auto u = registry_.Update(K("", "ConfigMap"), "default", "c", held, "", {});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(Get("", "ConfigMap", "default", "c").is_null());
}

TEST_F(RegistryTest, PropagationPolicyAddsFinalizers) {
  Create("", "ConfigMap", "default", R"({"metadata":{"name":"o"}})");
  DeleteParams orphan;
  orphan.propagation_policy = "Orphan";
  auto d = registry_.Delete(K("", "ConfigMap"), "default", "o", orphan);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d->object)["metadata"]["finalizers"], json::array({"orphan"}));
}

TEST_F(RegistryTest, BoundPodsDeleteGracefully) {
  Create("", "Pod", "default", R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}})");
  auto b = registry_.CreateSubresource(K("", "Pod"), "default", "p", "binding",
                                       json::parse(R"({"target":{"kind":"Node","name":"n1"}})"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  json pod = Get("", "Pod", "default", "p");
  EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  auto again = registry_.CreateSubresource(K("", "Pod"), "default", "p", "binding",
                                           json::parse(R"({"target":{"kind":"Node","name":"n2"}})"));
  EXPECT_TRUE(again.status().IsConflict());
  auto d = registry_.Delete(K("", "Pod"), "default", "p", {});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d->object)["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_FALSE(Get("", "Pod", "default", "p").is_null());
  DeleteParams now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(registry_.Delete(K("", "Pod"), "default", "p", now).ok());
  EXPECT_TRUE(Get("", "Pod", "default", "p").is_null());
}

TEST_F(RegistryTest, ServiceAllocation) {
  json s1 = Create("", "Service", "default", R"({"metadata":{"name":"a"},"spec":{"type":"NodePort","ports":[{"port":80}]}})");
  std::string ip = s1["spec"]["clusterIP"];
  EXPECT_EQ(ip.rfind("10.", 0), 0u);
  EXPECT_EQ(s1["spec"]["clusterIPs"], json::array({ip}));
  int np = s1["spec"]["ports"][0]["nodePort"];
  EXPECT_GE(np, 30000);
  EXPECT_LE(np, 32767);
  EXPECT_EQ(s1["spec"]["ports"][0]["targetPort"], 80);
  // A taken or out-of-range nodePort, a taken clusterIP.
  Status taken = CreateErr("", "Service", "default",
                           R"({"metadata":{"name":"b"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":)" +
                               std::to_string(np) + "}]}}");
  EXPECT_TRUE(taken.IsInvalid());
  EXPECT_NE(taken.message().find("provided port is already allocated"), std::string::npos) << taken.message();
  Status range = CreateErr("", "Service", "default",
                           R"({"metadata":{"name":"b"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}})");
  EXPECT_NE(range.message().find("provided port is not in the valid range. The range of valid ports is 30000-32767"),
            std::string::npos)
      << range.message();
  Status ip_taken = CreateErr("", "Service", "default",
                              R"({"metadata":{"name":"b"},"spec":{"clusterIP":"10.96.0.1","ports":[{"port":80}]}})");
  EXPECT_NE(ip_taken.message().find("provided IP is already allocated"), std::string::npos) << ip_taken.message();
  // Deleting frees both.
  ASSERT_TRUE(registry_.Delete(K("", "Service"), "default", "a", {}).ok());
  json again = Create("", "Service", "default",
                      R"({"metadata":{"name":"b"},"spec":{"type":"NodePort","clusterIP":")" + ip +
                          R"(","ports":[{"port":80,"nodePort":)" + std::to_string(np) + "}]}}");
  EXPECT_EQ(again["spec"]["clusterIP"], ip);
  // Headless and ExternalName.
  json headless = Create("", "Service", "default", R"({"metadata":{"name":"h"},"spec":{"clusterIP":"None","ports":[{"port":80}]}})");
  EXPECT_EQ(headless["spec"]["clusterIP"], "None");
  json ext = Create("", "Service", "default", R"({"metadata":{"name":"e"},"spec":{"type":"ExternalName","externalName":"example.com"}})");
  EXPECT_FALSE(ext["spec"].contains("clusterIP"));
}

TEST_F(RegistryTest, ServiceUpdateKeepsAllocations) {
  json s = Create("", "Service", "default", R"({"metadata":{"name":"a"},"spec":{"type":"NodePort","ports":[{"port":80}]}})");
  json next = s;
  next["metadata"]["labels"] = {{"x", "y"}};
  next["spec"].erase("clusterIP");
  next["spec"].erase("clusterIPs");
  next["spec"]["ports"][0].erase("nodePort");
  auto u = registry_.Update(K("", "Service"), "default", "a", next, "", {});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ((*u->object)["spec"]["clusterIP"], s["spec"]["clusterIP"]);
  EXPECT_EQ((*u->object)["spec"]["ports"][0]["nodePort"], s["spec"]["ports"][0]["nodePort"]);
}

TEST_F(RegistryTest, ListSelectorsAndPaging) {
  for (int i = 0; i < 5; ++i) {
    Create("", "ConfigMap", "default",
           R"({"metadata":{"name":"c)" + std::to_string(i) + R"(","labels":{"n":")" + std::to_string(i % 2) + R"("}}})");
  }
  ListParams all;
  auto r = registry_.List(K("", "ConfigMap"), "default", all);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->items.size(), 5u);
  ListParams sel;
  sel.labels = *api::LabelSelector::Parse("n=1");
  EXPECT_EQ(registry_.List(K("", "ConfigMap"), "default", sel)->items.size(), 2u);
  ListParams field;
  field.fields = *api::FieldSelector::Parse("metadata.name=c3");
  EXPECT_EQ(registry_.List(K("", "ConfigMap"), "default", field)->items.size(), 1u);
  ListParams page;
  page.limit = 2;
  std::vector<std::string> names;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = registry_.List(K("", "ConfigMap"), "default", page);
    ASSERT_TRUE(p.ok());
    for (const auto& it : p->items) names.push_back(json::parse(*it.json)["metadata"]["name"]);
    if (p->continue_token.empty()) break;
    page.continue_token = p->continue_token;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));
  ListParams bad;
  bad.continue_token = "!!!";
  EXPECT_EQ(registry_.List(K("", "ConfigMap"), "default", bad).status().reason(), Reason::kBadRequest);
}

TEST_F(RegistryTest, DryRunStoresNothing) {
  WriteOptions dry;
  dry.dry_run = true;
  auto r = registry_.Create(K("", "Service"), "default",
                            json::parse(R"({"metadata":{"name":"d"},"spec":{"type":"NodePort","ports":[{"port":80}]}})"), dry);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Get("", "Service", "default", "d").is_null());
  // The nodePort it showed is free again.
  int np = (*r->object)["spec"]["ports"][0]["nodePort"];
  Create("", "Service", "default",
         R"({"metadata":{"name":"d"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":)" + std::to_string(np) + "}]}}");
}

TEST_F(RegistryTest, LocalClientWatchSeesSelectedChanges) {
  LocalClient client(registry_);
  client::ListOptions o;
  o.label_selector = "app=web";
  auto w = client.Watch(K("", "ConfigMap"), "default", o);
  ASSERT_TRUE(w.ok());
  Create("", "ConfigMap", "default", R"({"metadata":{"name":"other"}})");
  Create("", "ConfigMap", "default", R"({"metadata":{"name":"a","labels":{"app":"web"}}})");
  ASSERT_TRUE(registry_.Patch(K("", "ConfigMap"), "default", "a", PatchKind::kMerge,
                              json::parse(R"({"metadata":{"labels":{"app":"db"}}})"), "", {}).ok());
  client::WatchEvent ev;
  ASSERT_TRUE((*w)->Next(&ev, std::chrono::seconds(2)));
  EXPECT_EQ(ev.type, "ADDED");
  EXPECT_EQ(ev.object["metadata"]["name"], "a");
  ASSERT_TRUE((*w)->Next(&ev, std::chrono::seconds(2)));
  EXPECT_EQ(ev.type, "DELETED");  // left the selection
  EXPECT_EQ(ev.object["metadata"]["name"], "a");
}

}  // namespace
}  // namespace netkube::apiserver
