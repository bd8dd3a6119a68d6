#include "ingress/annotations.h"

#include <gtest/gtest.h>

namespace netkube::ingress {
namespace {

const std::string P(kAnnotationPrefix);

struct Parsed {
  IngressAnnotations a;
  std::vector<AnnotationError> errors;
  std::vector<std::string> unsupported;
};

Parsed Parse(std::map<std::string, std::string> short_names) {
  std::map<std::string, std::string> full;
  for (auto& [k, v] : short_names) full[k.find('/') == std::string::npos ? P + k : k] = v;
  Parsed p;
  p.a = ParseAnnotations(full, &p.errors, &p.unsupported);
  return p;
}

// The only error's annotation key without the prefix ("" when not one error).
std::string OnlyError(const Parsed& p) {
  if (p.errors.size() != 1) return "";
  return p.errors[0].annotation.substr(P.size());
}

TEST(AnnotationsTest, DefaultsWithoutAnnotations) {
  Parsed p = Parse({});
  EXPECT_TRUE(p.errors.empty());
  const RouteOptions& o = p.a.options;
  EXPECT_EQ(o.rewrite_target, "");
  EXPECT_TRUE(o.ssl_redirect);
  EXPECT_FALSE(o.force_ssl_redirect);
  EXPECT_EQ(o.proxy_body_size, 1 << 20);
  EXPECT_EQ(o.connect_timeout_ms, 5000);
  EXPECT_EQ(o.read_timeout_ms, 60000);
  EXPECT_EQ(o.send_timeout_ms, 60000);
  EXPECT_EQ(o.affinity_cookie, "");
  EXPECT_TRUE(o.allowlist.empty());
  EXPECT_EQ(o.permanent_redirect, "");
  EXPECT_EQ(o.permanent_redirect_code, 301);
  EXPECT_EQ(o.app_root, "");
  EXPECT_FALSE(p.a.use_regex);
  EXPECT_FALSE(p.a.backend_https);
  EXPECT_FALSE(p.a.canary.enabled);
  EXPECT_EQ(p.a.canary.weight, 0);
  EXPECT_EQ(p.a.canary.weight_total, 100);
}

TEST(AnnotationsTest, NginxSizes) {
  EXPECT_EQ(ParseNginxSize("1m"), 1 << 20);
  EXPECT_EQ(ParseNginxSize("1M"), 1 << 20);
  EXPECT_EQ(ParseNginxSize("8k"), 8192);
  EXPECT_EQ(ParseNginxSize("8K"), 8192);
  EXPECT_EQ(ParseNginxSize("2g"), int64_t{2} << 30);
  EXPECT_EQ(ParseNginxSize("2G"), int64_t{2} << 30);
  EXPECT_EQ(ParseNginxSize("0"), 0);
  EXPECT_EQ(ParseNginxSize("100"), 100);
  EXPECT_EQ(ParseNginxSize(" 100 "), 100);
  for (const char* bad : {"", "m", "1mb", "1.5m", "-1", "1t", "abc", "1 m", "99999999999999999999",
                          "9999999999999g"}) {
    EXPECT_FALSE(ParseNginxSize(bad)) << bad;
  }
}

TEST(AnnotationsTest, ProxyBodySize) {
  EXPECT_EQ(Parse({{"proxy-body-size", "8k"}}).a.options.proxy_body_size, 8192);
  EXPECT_EQ(Parse({{"proxy-body-size", "0"}}).a.options.proxy_body_size, 0);
  EXPECT_EQ(Parse({{"proxy-body-size", "100"}}).a.options.proxy_body_size, 100);
  Parsed p = Parse({{"proxy-body-size", "lots"}});
  EXPECT_EQ(OnlyError(p), "proxy-body-size");
  EXPECT_NE(p.errors[0].error.find("\"lots\""), std::string::npos);
  EXPECT_EQ(p.a.options.proxy_body_size, 1 << 20);
}

TEST(AnnotationsTest, Timeouts) {
  Parsed p = Parse({{"proxy-connect-timeout", "10"}, {"proxy-read-timeout", "3600"},
                    {"proxy-send-timeout", "1"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.a.options.connect_timeout_ms, 10000);
  EXPECT_EQ(p.a.options.read_timeout_ms, 3600000);
  EXPECT_EQ(p.a.options.send_timeout_ms, 1000);
  for (const char* bad : {"10s", "", "0", "-5", "1.5", "ten", "99999999"}) {
    p = Parse({{"proxy-read-timeout", bad}});
    EXPECT_EQ(OnlyError(p), "proxy-read-timeout") << bad;
    EXPECT_EQ(p.a.options.read_timeout_ms, 60000) << bad;
  }
}

TEST(AnnotationsTest, Booleans) {
  Parsed p = Parse({{"ssl-redirect", "false"}, {"force-ssl-redirect", "true"}, {"use-regex", "True"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_FALSE(p.a.options.ssl_redirect);
  EXPECT_TRUE(p.a.options.force_ssl_redirect);
  EXPECT_TRUE(p.a.use_regex);
  EXPECT_EQ(ParseBool("1"), true);
  EXPECT_EQ(ParseBool("F"), false);
  EXPECT_EQ(ParseBool("yes"), std::nullopt);
  p = Parse({{"ssl-redirect", "no"}});
  EXPECT_EQ(OnlyError(p), "ssl-redirect");
  EXPECT_TRUE(p.a.options.ssl_redirect);  // default kept
  p = Parse({{"use-regex", "maybe"}});
  EXPECT_EQ(OnlyError(p), "use-regex");
  EXPECT_FALSE(p.a.use_regex);
}

TEST(AnnotationsTest, Allowlist) {
  Parsed p = Parse({{"allowlist-source-range", "10.0.0.0/8, 192.168.1.1,fd00::/8"}});
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(p.a.options.allowlist.size(), 3u);
  EXPECT_EQ(p.a.options.allowlist[0].prefix, 8);
  EXPECT_EQ(p.a.options.allowlist[1].prefix, 32);
  EXPECT_EQ(p.a.options.allowlist[2].family, 6);
  // The old name.
  p = Parse({{"whitelist-source-range", "10.0.0.0/8"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.a.options.allowlist.size(), 1u);
  // The new name wins over the old.
  p = Parse({{"whitelist-source-range", "10.0.0.0/8"}, {"allowlist-source-range", "1.2.3.4,5.6.7.8"}});
  EXPECT_EQ(p.a.options.allowlist.size(), 2u);
  // Invalid: fails closed.
  p = Parse({{"allowlist-source-range", "10.0.0.0/8,not-a-cidr"}});
  EXPECT_EQ(OnlyError(p), "allowlist-source-range");
  EXPECT_NE(p.errors[0].error.find("not-a-cidr"), std::string::npos);
  ASSERT_EQ(p.a.options.allowlist.size(), 1u);
  EXPECT_EQ(p.a.options.allowlist[0].family, 0);
  p = Parse({{"whitelist-source-range", "10.0.0.0/33"}});
  EXPECT_EQ(OnlyError(p), "whitelist-source-range");
  // Blank = everyone.
  p = Parse({{"allowlist-source-range", " , "}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_TRUE(p.a.options.allowlist.empty());
}

TEST(AnnotationsTest, Affinity) {
  Parsed p = Parse({{"affinity", "cookie"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.a.options.affinity_cookie, "INGRESSCOOKIE");
  p = Parse({{"affinity", "cookie"}, {"session-cookie-name", "route"}});
  EXPECT_EQ(p.a.options.affinity_cookie, "route");
  p = Parse({{"affinity", "ip"}});
  EXPECT_EQ(OnlyError(p), "affinity");
  EXPECT_EQ(p.a.options.affinity_cookie, "");
  p = Parse({{"affinity", "cookie"}, {"session-cookie-name", "a b;c"}});
  EXPECT_EQ(OnlyError(p), "session-cookie-name");
  EXPECT_EQ(p.a.options.affinity_cookie, "INGRESSCOOKIE");
  // A cookie name alone turns nothing on.
  p = Parse({{"session-cookie-name", "route"}});
  EXPECT_EQ(p.a.options.affinity_cookie, "");
}

TEST(AnnotationsTest, Redirects) {
  Parsed p = Parse({{"permanent-redirect", "https://www.example.com/x"}, {"permanent-redirect-code", "308"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.a.options.permanent_redirect, "https://www.example.com/x");
  EXPECT_EQ(p.a.options.permanent_redirect_code, 308);
  p = Parse({{"permanent-redirect", "https://x/\r\nSet-Cookie: a=b"}});
  EXPECT_EQ(OnlyError(p), "permanent-redirect");
  EXPECT_EQ(p.a.options.permanent_redirect, "");
  for (const char* bad : {"200", "309", "abc", ""}) {
    p = Parse({{"permanent-redirect-code", bad}});
    EXPECT_EQ(OnlyError(p), "permanent-redirect-code") << bad;
    EXPECT_EQ(p.a.options.permanent_redirect_code, 301);
  }
  p = Parse({{"app-root", "/app"}});
  EXPECT_EQ(p.a.options.app_root, "/app");
  p = Parse({{"app-root", "app"}});
  EXPECT_EQ(OnlyError(p), "app-root");
  EXPECT_EQ(p.a.options.app_root, "");
}

TEST(AnnotationsTest, RewriteTarget) {
  Parsed p = Parse({{"rewrite-target", "/$2"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.a.options.rewrite_target, "/$2");
  p = Parse({{"rewrite-target", "/a b"}});
  EXPECT_EQ(OnlyError(p), "rewrite-target");
  EXPECT_EQ(p.a.options.rewrite_target, "");
}

TEST(AnnotationsTest, BackendProtocol) {
  EXPECT_TRUE(Parse({{"backend-protocol", "HTTPS"}}).a.backend_https);
  EXPECT_TRUE(Parse({{"backend-protocol", "https"}}).a.backend_https);
  Parsed p = Parse({{"backend-protocol", "HTTP"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_FALSE(p.a.backend_https);
  for (const char* other : {"GRPC", "GRPCS", "AJP", "FCGI", "h2c"}) {
    p = Parse({{"backend-protocol", other}});
    EXPECT_EQ(OnlyError(p), "backend-protocol") << other;
    EXPECT_FALSE(p.a.backend_https);
  }
}

TEST(AnnotationsTest, Canary) {
  Parsed p = Parse({{"canary", "true"},
                    {"canary-weight", "30"},
                    {"canary-weight-total", "1000"},
                    {"canary-by-header", "X-Canary"},
                    {"canary-by-header-value", "yes please"}});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_TRUE(p.a.canary.enabled);
  EXPECT_EQ(p.a.canary.weight, 30);
  EXPECT_EQ(p.a.canary.weight_total, 1000);
  EXPECT_EQ(p.a.canary.header, "X-Canary");
  EXPECT_EQ(p.a.canary.header_value, "yes please");
  p = Parse({{"canary", "true"}, {"canary-weight", "150"}});
  EXPECT_EQ(OnlyError(p), "canary-weight");
  EXPECT_EQ(p.a.canary.weight, 100);
  p = Parse({{"canary", "true"}, {"canary-weight", "-1"}});
  EXPECT_EQ(OnlyError(p), "canary-weight");
  EXPECT_EQ(p.a.canary.weight, 0);
  p = Parse({{"canary", "true"}, {"canary-weight-total", "0"}});
  EXPECT_EQ(OnlyError(p), "canary-weight-total");
  EXPECT_EQ(p.a.canary.weight_total, 100);
  p = Parse({{"canary", "true"}, {"canary-by-header", "X Canary"}});
  EXPECT_EQ(OnlyError(p), "canary-by-header");
  EXPECT_EQ(p.a.canary.header, "");
  p = Parse({{"canary", "true"}, {"canary-by-header-value", "a\r\nb"}});
  EXPECT_EQ(OnlyError(p), "canary-by-header-value");
  p = Parse({{"canary", "false"}, {"canary-weight", "50"}});
  EXPECT_FALSE(p.a.canary.enabled);
  p = Parse({{"canary", "on"}});
  EXPECT_EQ(OnlyError(p), "canary");
  EXPECT_FALSE(p.a.canary.enabled);
}

TEST(AnnotationsTest, UnsupportedAreListedOthersIgnored) {
  Parsed p = Parse({{"auth-url", "http://auth"},
                    {"enable-cors", "true"},
                    {"configuration-snippet", "x"},
                    {"rewrite-target", "/"},
                    {"kubernetes.io/ingress.class", "nginx"},
                    {"example.com/other", "x"}});
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(p.unsupported.size(), 2u);
  EXPECT_EQ(p.unsupported[0], P + "auth-url");
  EXPECT_EQ(p.unsupported[1], P + "enable-cors");
}

TEST(AnnotationsTest, Snippets) {
  std::map<std::string, std::string> a = {
      {P + "configuration-snippet", "more_set_headers x;"},
      {P + "server-snippet", "x"},
      {P + "auth-snippet", "x"},
      {P + "stream-snippet", "x"},
      {P + "modsecurity-snippet", "x"},
      {P + "some-future-snippet", "x"},
      {P + "rewrite-target", "/"},
      {"example.com/configuration-snippet", "x"},  // not ingress-nginx's
      {"nginx.ingress.kubernetes.io/", "x"},
  };
  std::vector<std::string> s = SnippetAnnotations(a);
  EXPECT_EQ(s, (std::vector<std::string>{P + "auth-snippet", P + "configuration-snippet",
                                         P + "modsecurity-snippet", P + "server-snippet",
                                         P + "some-future-snippet", P + "stream-snippet"}));
  EXPECT_TRUE(SnippetAnnotations({{P + "rewrite-target", "/"}}).empty());
  EXPECT_TRUE(SnippetAnnotations({}).empty());
}

}  // namespace
}  // namespace netkube::ingress
