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

std::string SubjectCn(const std::shared_ptr<const TlsContexts::CertKey>& ck) {
  return ck ? TlsContexts::CommonName(*ck) : "";
}

Certificate Cert(const std::string& key, const std::string& cn, const std::string& version, bool rsa = false) {
  auto made = MakeSelfSigned(cn, {cn}, rsa);
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
  ASSERT_TRUE(tls.CertificateFor("foo.bar.com"));
  EXPECT_EQ(SubjectCn(tls.CertificateFor("FOO.bar.com")), "foo.bar.com");
  EXPECT_EQ(SubjectCn(tls.CertificateFor("a.foo.com")), "*.foo.com");
  EXPECT_FALSE(tls.CertificateFor("b.a.foo.com"));  // the built-in default
  EXPECT_FALSE(tls.CertificateFor(""));
  t = std::make_shared<RouteTable>(*t);
  t->certificates["ns/default"] = Cert("ns/default", "default.example", "1");
  t->default_certificate = "ns/default";
  tls.Update(t);
  EXPECT_EQ(SubjectCn(tls.CertificateFor("unknown.example")), "default.example");
  EXPECT_EQ(SubjectCn(tls.CertificateFor("")), "default.example");
}

TEST(TlsContexts, RotatedSecretIsRebuiltUnchangedIsKept) {
  TlsContexts tls;
  ASSERT_TRUE(tls.Init("", "", false).ok());
  auto t = std::make_shared<RouteTable>();
  t->certificates["default/foo"] = Cert("default/foo", "one.example", "1");
  t->exact_hosts["foo.com"].tls_secret = "default/foo";
  tls.Update(t);
  auto first = tls.CertificateFor("foo.com");
  auto same = std::make_shared<RouteTable>(*t);
  tls.Update(same);
  EXPECT_EQ(tls.CertificateFor("foo.com"), first);
  auto rotated = std::make_shared<RouteTable>(*t);
  rotated->certificates["default/foo"] = Cert("default/foo", "two.example", "2");
  tls.Update(rotated);
  EXPECT_EQ(SubjectCn(tls.CertificateFor("foo.com")), "two.example");
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
  EXPECT_FALSE(tls.CertificateFor("bad.com"));
}

}  // namespace
}  // namespace netkube::ingress

namespace netkube::ingress {
namespace {

// A whole handshake in memory: the client sends `sni`; returns the common
// name of the certificate the server presented ("" on failure).
std::string Handshake(TlsContexts& tls, const char* sni) {
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  SSL* client = SSL_new(cctx);
  SSL* server = SSL_new(tls.server_context());
  BIO *c_bio, *s_bio;
  BIO_new_bio_pair(&c_bio, 0, &s_bio, 0);
  SSL_set_bio(client, c_bio, c_bio);
  SSL_set_bio(server, s_bio, s_bio);
  if (sni) SSL_set_tlsext_host_name(client, sni);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  bool done = false;
  for (int i = 0; i < 100 && !done; ++i) {
    int a = SSL_do_handshake(client);
    int b = SSL_do_handshake(server);
    done = a == 1 && b == 1;
  }
  std::string cn;
  if (done) {
    X509* peer = SSL_get1_peer_certificate(client);
    char buf[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof(buf));
    X509_free(peer);
    cn = buf;
  }
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(cctx);
  return cn;
}

TEST(TlsContexts, HandshakeServesTheCertificateOfTheSniName) {
  TlsContexts tls;
  ASSERT_TRUE(tls.Init("", "", true).ok());
  auto t = std::make_shared<RouteTable>();
  t->certificates["default/foo"] = Cert("default/foo", "foo.bar.com", "1");
  t->exact_hosts["foo.bar.com"].tls_secret = "default/foo";
  t->certificates["default/rsa"] = Cert("default/rsa", "rsa.example", "1", true);  // other key type than the default's
  t->exact_hosts["rsa.example"].tls_secret = "default/rsa";
  tls.Update(t);
  EXPECT_EQ(Handshake(tls, "foo.bar.com"), "foo.bar.com");
  EXPECT_EQ(Handshake(tls, "rsa.example"), "rsa.example");
  EXPECT_EQ(Handshake(tls, "other.com"), "Kubernetes Ingress Controller Fake Certificate");
  EXPECT_EQ(Handshake(tls, nullptr), "Kubernetes Ingress Controller Fake Certificate");
}

}  // namespace
}  // namespace netkube::ingress
