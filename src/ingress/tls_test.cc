#include "ingress/tls.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace netkube::ingress {
namespace {

std::string SubjectCn(SSL_CTX* ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof(buf));
  return buf;
}

Certificate Cert(const std::string& key, const std::string& cn, const std::string& version) {
  auto made = MakeSelfSigned(cn, {cn});
  EXPECT_TRUE(made.ok());
  return Certificate{key, made->first, made->second, version};
}

TEST(TlsContexts, PicksTheCertificateBySni) {
  TlsContexts tls;
  ASSERT_TRUE(tls.Init("", "", true).ok());
  EXPECT_EQ(SubjectCn(tls.server_context()), "Kubernetes Ingress Controller Fake Certificate");
  auto t = std::make_shared<RouteTable>();
  t->certificates["default/foo"] = Cert("default/foo", "foo.bar.com", "1");
  t->certificates["default/wild"] = Cert("default/wild", "*.foo.com", "1");
  t->exact_hosts["foo.bar.com"].host = "foo.bar.com";
  t->exact_hosts["foo.bar.com"].tls_secret = "default/foo";
  t->wildcard_hosts[".foo.com"].host = "*.foo.com";
  t->wildcard_hosts[".foo.com"].tls_secret = "default/wild";
  EXPECT_TRUE(tls.Update(t).empty());
  ASSERT_TRUE(tls.ContextFor("foo.bar.com"));
  EXPECT_EQ(SubjectCn(tls.ContextFor("FOO.bar.com").get()), "foo.bar.com");
  EXPECT_EQ(SubjectCn(tls.ContextFor("a.foo.com").get()), "*.foo.com");
  EXPECT_FALSE(tls.ContextFor("b.a.foo.com"));  // the built-in default
  EXPECT_FALSE(tls.ContextFor(""));
  t = std::make_shared<RouteTable>(*t);
  t->certificates["ns/default"] = Cert("ns/default", "default.example", "1");
  t->default_certificate = "ns/default";
  tls.Update(t);
  EXPECT_EQ(SubjectCn(tls.ContextFor("unknown.example").get()), "default.example");
  EXPECT_EQ(SubjectCn(tls.ContextFor("").get()), "default.example");
}

TEST(TlsContexts, RotatedSecretIsRebuiltUnchangedIsKept) {
  TlsContexts tls;
  ASSERT_TRUE(tls.Init("", "", false).ok());
  auto t = std::make_shared<RouteTable>();
  t->certificates["default/foo"] = Cert("default/foo", "one.example", "1");
  t->exact_hosts["foo.com"].tls_secret = "default/foo";
  tls.Update(t);
  auto first = tls.ContextFor("foo.com");
  auto same = std::make_shared<RouteTable>(*t);
  tls.Update(same);
  EXPECT_EQ(tls.ContextFor("foo.com"), first);
  auto rotated = std::make_shared<RouteTable>(*t);
  rotated->certificates["default/foo"] = Cert("default/foo", "two.example", "2");
  tls.Update(rotated);
  EXPECT_EQ(SubjectCn(tls.ContextFor("foo.com").get()), "two.example");
}

TEST(TlsContexts, BrokenSecretsAreReportedAndServeTheDefault) {
  TlsContexts tls;
  ASSERT_TRUE(tls.Init("", "", false).ok());
  auto t = std::make_shared<RouteTable>();
  Certificate bad{"default/bad", "base64 encoded cert", "base64 encoded key", "1"};
  t->certificates["default/bad"] = bad;
  Certificate mismatch = Cert("default/mismatch", "a.example", "1");
  mismatch.key_pem = Cert("x", "b.example", "1").key_pem;
  t->certificates["default/mismatch"] = mismatch;
  t->exact_hosts["bad.com"].tls_secret = "default/bad";
  auto errors = tls.Update(t);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].first, "default/bad");
  EXPECT_NE(errors[0].second.find("no PEM certificate"), std::string::npos);
  EXPECT_NE(errors[1].second.find("does not match"), std::string::npos);
  EXPECT_FALSE(tls.ContextFor("bad.com"));
}

}  // namespace
}  // namespace netkube::ingress
