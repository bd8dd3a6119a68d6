// The wire contract of HttpClient without a network; the client against a
// real API server is tested in integration/http_client_test.cc.
#include "client/http_client.h"

#include <gtest/gtest.h>

namespace netkube::client {
namespace {

TEST(ResourcePathTest, FollowsKubeApiserverLayout) {
  const api::Kind& pod = KindOf("", "Pod");
  EXPECT_EQ(ResourcePath(pod, ""), "/api/v1/pods");
  EXPECT_EQ(ResourcePath(pod, "default"), "/api/v1/namespaces/default/pods");
  EXPECT_EQ(ResourcePath(pod, "default", "web-1"), "/api/v1/namespaces/default/pods/web-1");
  EXPECT_EQ(ResourcePath(pod, "default", "web-1", "status"), "/api/v1/namespaces/default/pods/web-1/status");
  const api::Kind& deploy = KindOf("apps", "Deployment");
  EXPECT_EQ(ResourcePath(deploy, "kube-system", "coredns", "scale"),
            "/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale");
  const api::Kind& ns = KindOf("", "Namespace");
  EXPECT_EQ(ResourcePath(ns, "ignored", "kube-system"), "/api/v1/namespaces/kube-system");
  const api::Kind& node = KindOf("", "Node");
  EXPECT_EQ(ResourcePath(node, "", "n1", "status"), "/api/v1/nodes/n1/status");
  const api::Kind& slice = KindOf("discovery.k8s.io", "EndpointSlice");
  EXPECT_EQ(ResourcePath(slice, "a"), "/apis/discovery.k8s.io/v1/namespaces/a/endpointslices");
  EXPECT_EQ(ResourcePath(pod, "a b", "x/y"), "/api/v1/namespaces/a%20b/pods/x%2Fy");
}

TEST(ListQueryTest, ListAndWatchParameters) {
  ListOptions o;
  EXPECT_EQ(ListQuery(o, false, 0), "");
  o.label_selector = "app=web,tier in (a,b)";
  o.field_selector = "spec.nodeName=n1";
  o.limit = 500;
  o.continue_token = "abc=";
  EXPECT_EQ(ListQuery(o, false, 0),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=spec.nodeName%3Dn1&limit=500"
            "&continue=abc%3D");
  o.resource_version = "42";
  o.allow_bookmarks = true;
  EXPECT_EQ(ListQuery(o, true, 420),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=spec.nodeName%3Dn1&resourceVersion=42"
            "&watch=true&allowWatchBookmarks=true&timeoutSeconds=420");
}

TEST(StatusFromResponseTest, KeepsReasonMessageDetailsAndCauses) {
  Status s = StatusFromResponse(422, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"Pod \"X\" is invalid: metadata.name: Invalid value: \"X\"","reason":"Invalid",
    "details":{"name":"X","kind":"Pod","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"X\"",
    "field":"metadata.name"}]},"code":422})");
  EXPECT_TRUE(s.IsInvalid());
  EXPECT_EQ(s.message(), "Pod \"X\" is invalid: metadata.name: Invalid value: \"X\"");
  EXPECT_EQ(s.details_name(), "X");
  EXPECT_EQ(s.details_kind(), "Pod");
  ASSERT_EQ(s.causes().size(), 1u);
  EXPECT_EQ(s.causes()[0].type, "FieldValueInvalid");
  EXPECT_EQ(s.causes()[0].field, "metadata.name");
  EXPECT_EQ(s.causes()[0].message, "Invalid value: \"X\"");
}

TEST(StatusFromResponseTest, ReasonsAndFallbacks) {
  EXPECT_TRUE(StatusFromResponse(409, R"({"kind":"Status","reason":"AlreadyExists","message":"m"})").IsAlreadyExists());
  EXPECT_TRUE(StatusFromResponse(409, R"({"kind":"Status","reason":"Conflict","message":"m"})").IsConflict());
  EXPECT_TRUE(StatusFromResponse(410, R"({"kind":"Status","reason":"Expired","message":"m"})").IsGone());
  EXPECT_TRUE(StatusFromResponse(410, R"({"kind":"Status","reason":"Gone","message":"m"})").IsGone());
  // An unknown reason falls back to the code in the body.
  EXPECT_EQ(StatusFromResponse(500, R"({"kind":"Status","reason":"Weird","code":503})").reason(),
            Reason::kServiceUnavailable);
  // Not a Status: by HTTP code, with the body as the message.
  Status text = StatusFromResponse(404, "404 page not found\n");
  EXPECT_TRUE(text.IsNotFound());
  EXPECT_EQ(text.message(), "404 page not found");
  EXPECT_EQ(StatusFromResponse(502, "").reason(), Reason::kInternalError);
  EXPECT_EQ(StatusFromResponse(502, "").message(), "the server responded with HTTP 502");
  // A watch that fails before streaming may answer with an ERROR event.
  Status ev = StatusFromResponse(
      410, R"({"type":"ERROR","object":{"kind":"Status","reason":"Expired","message":"too old resource version"}})");
  EXPECT_TRUE(ev.IsGone());
  EXPECT_EQ(ev.message(), "too old resource version");
}

TEST(DeleteOptionsBodyTest, OnlyWhatIsSet) {
  EXPECT_TRUE(DeleteOptionsBody({}).is_null());
  DeleteOptions o;
  o.propagation_policy = "Foreground";
  o.grace_period_seconds = 0;
  o.precondition_uid = "u1";
  o.precondition_resource_version = "7";
  Json b = DeleteOptionsBody(o);
  EXPECT_EQ(b["kind"], "DeleteOptions");
  EXPECT_EQ(b["apiVersion"], "v1");
  EXPECT_EQ(b["propagationPolicy"], "Foreground");
  EXPECT_EQ(b["gracePeriodSeconds"], 0);
  EXPECT_EQ(b["preconditions"], (Json{{"uid", "u1"}, {"resourceVersion", "7"}}));
}

TEST(ParseWatchEventTest, Lines) {
  WatchEvent ev;
  ASSERT_TRUE(ParseWatchEvent(R"({"type":"ADDED","object":{"kind":"Pod"}})", &ev).ok());
  EXPECT_EQ(ev.type, "ADDED");
  EXPECT_EQ(ev.object["kind"], "Pod");
  EXPECT_FALSE(ParseWatchEvent("{\"type\":\"ADDED\"", &ev).ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"object":{}})", &ev).ok());
}

TEST(HttpClientTest, NewRejectsUnusableConfig) {
  RestConfig c;
  c.server = "http://127.0.0.1:6443";
  EXPECT_FALSE(HttpClient::New(c).ok());
  c.server = "https://127.0.0.1:6443";
  c.ca_pem = "not a certificate";
  auto bad_ca = HttpClient::New(c);
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_NE(bad_ca.status().message().find("CA certificate"), std::string::npos) << bad_ca.status().message();
  c.ca_pem.clear();
  c.client_cert_pem = "junk";
  c.client_key_pem = "junk";
  auto bad_cert = HttpClient::New(c);
  ASSERT_FALSE(bad_cert.ok());
  EXPECT_NE(bad_cert.status().message().find("client certificate"), std::string::npos);
}

}  // namespace
}  // namespace netkube::client
