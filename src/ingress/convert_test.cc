#include "ingress/convert.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netkube::ingress {
namespace {

using nlohmann::json;

TEST(ConvertTest, Ingress) {
  json obj = json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "shop", "uid": "u-1",
                 "creationTimestamp": "2024-05-01T10:00:00Z",
                 "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/$2", "n": 5}},
    "spec": {
      "ingressClassName": "nginx",
      "defaultBackend": {"service": {"name": "fallback", "port": {"name": "http"}}},
      "rules": [
        {"host": "Foo.com", "http": {"paths": [
          {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 8080}}}},
          {"path": "/x", "backend": {"resource": {"apiGroup": "k8s.example.com", "kind": "Bucket", "name": "b"}}}
        ]}},
        {"http": {"paths": [{"pathType": "Exact", "path": "/", "backend": {"service": {"name": "root", "port": {"number": 80}}}}]}},
        {"host": "nohttp.com"}
      ],
      "tls": [{"hosts": ["foo.com", 7], "secretName": "foo-tls"}, {"secretName": "all"}]
    }})");
  auto in = IngressFromJson(obj);
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->ns, "shop");
  EXPECT_EQ(in->name, "web");
  EXPECT_EQ(in->uid, "u-1");
  EXPECT_EQ(in->created, 1714557600);
  ASSERT_EQ(in->annotations.size(), 1u);  // the number is not a string annotation
  EXPECT_EQ(in->annotations.at("nginx.ingress.kubernetes.io/rewrite-target"), "/$2");
  EXPECT_EQ(in->class_name, std::optional<std::string>("nginx"));
  ASSERT_TRUE(in->default_backend.has_value());
  EXPECT_EQ(in->default_backend->service, "fallback");
  EXPECT_EQ(in->default_backend->port_name, "http");
  EXPECT_EQ(in->default_backend->port_number, 0);
  ASSERT_EQ(in->rules.size(), 3u);
  EXPECT_EQ(in->rules[0].host, "Foo.com");  // normalising hosts is compile's job
  ASSERT_EQ(in->rules[0].paths.size(), 2u);
  EXPECT_EQ(in->rules[0].paths[0].path, "/api");
  EXPECT_EQ(in->rules[0].paths[0].path_type, "Prefix");
  EXPECT_EQ(in->rules[0].paths[0].backend.service, "api");
  EXPECT_EQ(in->rules[0].paths[0].backend.port_number, 8080);
  EXPECT_EQ(in->rules[0].paths[1].path_type, "ImplementationSpecific");
  EXPECT_EQ(in->rules[0].paths[1].backend.service, "");  // a resource backend
  EXPECT_EQ(in->rules[1].host, "");
  EXPECT_EQ(in->rules[1].paths[0].path_type, "Exact");
  EXPECT_TRUE(in->rules[2].paths.empty());
  ASSERT_EQ(in->tls.size(), 2u);
  EXPECT_EQ(in->tls[0].hosts, std::vector<std::string>{"foo.com"});
  EXPECT_EQ(in->tls[0].secret_name, "foo-tls");
  EXPECT_TRUE(in->tls[1].hosts.empty());
}

TEST(ConvertTest, IngressMinimalAndMalformed) {
  EXPECT_FALSE(IngressFromJson(json::object()).has_value());
  EXPECT_FALSE(IngressFromJson(json::parse(R"({"metadata": {"name": 3}})")).has_value());
  auto in = IngressFromJson(json::parse(R"({"metadata": {"name": "a", "namespace": "d",
      "creationTimestamp": "garbage", "annotations": []},
      "spec": {"ingressClassName": null, "rules": {"host": "x"}, "tls": "no",
               "defaultBackend": {"service": {"name": "s", "port": {"number": "80"}}}}})"));
  ASSERT_TRUE(in.has_value());
  EXPECT_EQ(in->created, 0);
  EXPECT_FALSE(in->class_name.has_value());
  EXPECT_TRUE(in->rules.empty());
  EXPECT_TRUE(in->tls.empty());
  EXPECT_TRUE(in->annotations.empty());
  EXPECT_EQ(in->default_backend->service, "s");
  EXPECT_EQ(in->default_backend->port_number, 0);
}

TEST(ConvertTest, CreationTimestamp) {
  EXPECT_EQ(UnixSecondsOf("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(UnixSecondsOf("2024-05-01T10:00:00.123456Z"), 1714557600);
  EXPECT_EQ(UnixSecondsOf(""), 0);
  EXPECT_EQ(UnixSecondsOf("May 1"), 0);
}

TEST(ConvertTest, IngressClass) {
  auto c = IngressClassFromJson(json::parse(R"({"metadata": {"name": "nginx",
      "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
      "spec": {"controller": "k8s.io/ingress-nginx"}})"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "nginx");
  EXPECT_EQ(c->controller, "k8s.io/ingress-nginx");
  EXPECT_TRUE(c->is_default);
  auto d = IngressClassFromJson(json::parse(R"({"metadata": {"name": "other",
      "annotations": {"ingressclass.kubernetes.io/is-default-class": "True"}},
      "spec": {"controller": "example.com/other"}})"));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(d->is_default);  // only the exact "true", as ingress-nginx compares it
}

TEST(ConvertTest, Service) {
  auto s = ServiceFromJson(json::parse(R"({"metadata": {"name": "web", "namespace": "d"},
      "spec": {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                             {"port": 53, "protocol": "UDP"}]}})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ns, "d");
  EXPECT_EQ(s->name, "web");
  EXPECT_EQ(s->type, "NodePort");
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[0].name, "http");
  EXPECT_EQ(s->ports[0].port, 80);
  EXPECT_EQ(s->ports[0].protocol, "TCP");
  EXPECT_EQ(s->ports[1].name, "");
  EXPECT_EQ(s->ports[1].protocol, "UDP");
  auto bare = ServiceFromJson(json::parse(R"({"metadata": {"name": "x", "namespace": "d"}})"));
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->type, "ClusterIP");
}

TEST(ConvertTest, EndpointSliceConditionDefaults) {
  auto s = EndpointSliceFromJson(json::parse(R"({
    "metadata": {"name": "web-abc", "namespace": "d", "labels": {"kubernetes.io/service-name": "web"}},
    "addressType": "IPv4",
    "ports": [{"name": "http", "port": 8080}, {"port": 9000, "protocol": "UDP"}],
    "endpoints": [
      {"addresses": ["10.244.1.5"], "conditions": {}, "targetRef": {"kind": "Pod", "name": "web-1"}},
      {"addresses": ["10.244.1.6"], "conditions": {"ready": false}},
      {"addresses": ["10.244.1.7"], "conditions": {"ready": false, "serving": true, "terminating": true},
       "targetRef": {"kind": "Node", "name": "n1"}},
      {"addresses": ["10.244.1.8"]}
    ]})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->service, "web");
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[0].name, "http");
  EXPECT_EQ(s->ports[0].protocol, "TCP");
  EXPECT_EQ(s->ports[1].name, "");
  EXPECT_EQ(s->ports[1].protocol, "UDP");
  ASSERT_EQ(s->endpoints.size(), 4u);
  const auto& e = s->endpoints;
  EXPECT_EQ(e[0].addresses, std::vector<std::string>{"10.244.1.5"});
  EXPECT_TRUE(e[0].ready && e[0].serving && !e[0].terminating);
  EXPECT_EQ(e[0].pod, "web-1");
  EXPECT_FALSE(e[1].ready);
  EXPECT_FALSE(e[1].serving);  // serving nil = ready
  EXPECT_FALSE(e[1].terminating);
  EXPECT_FALSE(e[2].ready);
  EXPECT_TRUE(e[2].serving);
  EXPECT_TRUE(e[2].terminating);
  EXPECT_EQ(e[2].pod, "");  // targetRef of another kind
  EXPECT_TRUE(e[3].ready && e[3].serving && !e[3].terminating);
}

TEST(ConvertTest, EndpointSliceWithoutServiceOrFqdn) {
  auto s = EndpointSliceFromJson(json::parse(R"({"metadata": {"name": "x", "namespace": "d"}})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->service, "");
  EXPECT_FALSE(EndpointSliceFromJson(json::parse(R"({"metadata": {"name": "x", "namespace": "d",
      "labels": {"kubernetes.io/service-name": "web"}}, "addressType": "FQDN",
      "endpoints": [{"addresses": ["web.example.com"]}]})")).has_value());
}

TEST(ConvertTest, Secret) {
  // "CERT\n" and "KEY\n"
  auto s = SecretFromJson(json::parse(R"({"metadata": {"name": "tls", "namespace": "d", "resourceVersion": "42"},
      "type": "kubernetes.io/tls", "data": {"tls.crt": "Q0VSVAo=", "tls.key": "S0VZCg==", "ca.crt": "eA=="}})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->ns, "d");
  EXPECT_EQ(s->name, "tls");
  EXPECT_EQ(s->type, "kubernetes.io/tls");
  EXPECT_EQ(s->resource_version, "42");
  EXPECT_EQ(s->cert_pem, "CERT\n");
  EXPECT_EQ(s->key_pem, "KEY\n");
  auto bad = SecretFromJson(json::parse(R"({"metadata": {"name": "b", "namespace": "d"},
      "data": {"tls.crt": "!!not base64!!", "tls.key": 12}})"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->type, "Opaque");
  EXPECT_EQ(bad->cert_pem, "");
  EXPECT_EQ(bad->key_pem, "");
}

}  // namespace
}  // namespace netkube::ingress
