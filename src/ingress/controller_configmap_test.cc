#include "ingress/controller_configmap.h"

#include <gtest/gtest.h>

namespace netkube::ingress {
namespace {

TEST(ControllerConfigMapTest, ParsesKnownKeysAndIgnoresOthers) {
  ConfigMapSettings s = ParseConfigMap({
      {"proxy-body-size", "8m"},
      {"proxy-connect-timeout", "3"},
      {"proxy-read-timeout", "120s"},
      {"proxy-send-timeout", "30"},
      {"ssl-redirect", "false"},
      {"force-ssl-redirect", "T"},
      {"keep-alive", "10"},
      {"keep-alive-requests", "50"},
      {"upstream-keepalive-connections", "64"},
      {"upstream-keepalive-timeout", "5"},
      {"upstream-keepalive-requests", "100"},
      {"client-header-timeout", "7"},
      {"client-body-timeout", "8"},
      {"large-client-header-buffers", "4 16k"},
      {"disable-access-log", "true"},
      {"use-forwarded-headers", "true"},
      {"allow-snippet-annotations", "true"},
  });
  EXPECT_TRUE(s.errors.empty());
  EXPECT_EQ(s.proxy_body_size, 8 << 20);
  EXPECT_EQ(s.proxy_connect_timeout_ms, 3000);
  EXPECT_EQ(s.proxy_read_timeout_ms, 120000);
  EXPECT_EQ(s.proxy_send_timeout_ms, 30000);
  EXPECT_EQ(s.ssl_redirect, false);
  EXPECT_EQ(s.force_ssl_redirect, true);
  EXPECT_TRUE(s.HasLiveDefaults());

  ProxyOptions o;
  ApplyStartSettings(s, &o);
  EXPECT_EQ(o.keepalive_timeout_ms, 10000);
  EXPECT_EQ(o.keepalive_requests, 50);
  EXPECT_EQ(o.upstream_keepalive_connections, 64);
  EXPECT_EQ(o.upstream_keepalive_timeout_ms, 5000);
  EXPECT_EQ(o.upstream_keepalive_requests, 100);
  EXPECT_EQ(o.client_header_timeout_ms, 7000);
  EXPECT_EQ(o.client_body_timeout_ms, 8000);
  EXPECT_EQ(o.max_header_bytes, 64u * 1024);
  EXPECT_FALSE(o.access_log);
}

TEST(ControllerConfigMapTest, InvalidValuesAreReportedAndKeepDefaults) {
  ConfigMapSettings s = ParseConfigMap({
      {"proxy-body-size", "lots"},
      {"keep-alive", "-1"},
      {"ssl-redirect", "yes"},
      {"large-client-header-buffers", "8k"},
  });
  EXPECT_EQ(s.errors.size(), 4u);
  EXPECT_FALSE(s.proxy_body_size);
  EXPECT_FALSE(s.keepalive_timeout_ms);
  EXPECT_FALSE(s.ssl_redirect);
  EXPECT_FALSE(s.max_header_bytes);
  EXPECT_FALSE(s.HasLiveDefaults());
  ProxyOptions defaults, o;
  ApplyStartSettings(s, &o);
  EXPECT_EQ(o.keepalive_timeout_ms, defaults.keepalive_timeout_ms);
  EXPECT_NE(s.errors[0].find("invalid value"), std::string::npos);
}

TEST(ControllerConfigMapTest, SameStartSettings) {
  ConfigMapSettings a = ParseConfigMap({{"keep-alive", "10"}, {"proxy-body-size", "1m"}});
  ConfigMapSettings b = ParseConfigMap({{"keep-alive", "10"}, {"proxy-body-size", "9m"}});
  ConfigMapSettings c = ParseConfigMap({{"keep-alive", "11"}});
  EXPECT_TRUE(ConfigMapSettings::SameStartSettings(a, b));  // live keys do not count
  EXPECT_FALSE(ConfigMapSettings::SameStartSettings(a, c));
}

Route RouteOf(const std::string& ns, const std::string& name) {
  Route r;
  r.path = "/";
  r.ingress_ns = ns;
  r.ingress_name = name;
  return r;
}

TEST(ControllerConfigMapTest, LiveDefaultsSkipRoutesWhoseIngressSetsTheAnnotation) {
  Snapshot snap;
  IngressInfo plain;
  plain.ns = "d";
  plain.name = "plain";
  IngressInfo own;
  own.ns = "d";
  own.name = "own";
  own.annotations["nginx.ingress.kubernetes.io/proxy-body-size"] = "2m";
  own.annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = "true";
  snap.ingresses["d/plain"] = plain;
  snap.ingresses["d/own"] = own;

  RouteTable table;
  VirtualHost& foo = table.exact_hosts["foo.com"];
  foo.host = "foo.com";
  foo.routes.push_back(RouteOf("d", "plain"));
  Route own_route = RouteOf("d", "own");
  own_route.options.proxy_body_size = 2 << 20;
  foo.routes.push_back(own_route);
  foo.default_route = RouteOf("d", "plain");
  table.wildcard_hosts[".bar.com"].routes.push_back(RouteOf("d", "plain"));
  table.any_host.routes.push_back(RouteOf("d", "own"));
  table.default_route = RouteOf("", "");  // --default-backend-service

  ConfigMapSettings s = ParseConfigMap({{"proxy-body-size", "0"}, {"ssl-redirect", "false"}, {"proxy-read-timeout", "5"}});
  ApplyLiveDefaults(s, snap, &table);
  EXPECT_EQ(foo.routes[0].options.proxy_body_size, 0);
  EXPECT_FALSE(foo.routes[0].options.ssl_redirect);
  EXPECT_EQ(foo.routes[0].options.read_timeout_ms, 5000);
  EXPECT_EQ(foo.routes[1].options.proxy_body_size, 2 << 20);  // the annotation wins
  EXPECT_TRUE(foo.routes[1].options.ssl_redirect);
  EXPECT_EQ(foo.routes[1].options.read_timeout_ms, 5000);  // not annotated: the ConfigMap's
  EXPECT_EQ(foo.default_route->options.proxy_body_size, 0);
  EXPECT_EQ(table.wildcard_hosts[".bar.com"].routes[0].options.proxy_body_size, 0);
  EXPECT_TRUE(table.any_host.routes[0].options.ssl_redirect);
  EXPECT_EQ(table.default_route->options.proxy_body_size, 0);
  EXPECT_EQ(table.default_route->options.connect_timeout_ms, 5000);  // untouched default
}

}  // namespace
}  // namespace netkube::ingress
