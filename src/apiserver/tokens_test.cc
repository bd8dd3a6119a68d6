#include "apiserver/tokens.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace netkube::apiserver {
namespace {

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-tokens-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes a fresh key ("EC" P-256 or "RSA") and returns its path.
  std::string WriteKey(const std::string& name, bool rsa = false) {
    EVP_PKEY* key = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    std::string path = dir_ + "/" + name;
    FILE* f = fopen(path.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    EVP_PKEY_free(key);
    return path;
  }

  static TokenClaims Claims(std::time_t now) {
    TokenClaims c;
    c.namespace_name = "default";
    c.service_account = "builder";
    c.sa_uid = "1b2c3d4e-0000-4000-8000-000000000001";
    c.pod_name = "web-0";
    c.pod_uid = "1b2c3d4e-0000-4000-8000-000000000002";
    c.issued_at = now;
    c.expires_at = now + 600;
    return c;
  }

  static nlohmann::json Payload(const std::string& jwt) {
    size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
    std::string part = jwt.substr(a + 1, b - a - 1);
    for (char& ch : part) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    while (part.size() % 4) part += '=';
    std::string raw(part.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(part.data()), static_cast<int>(part.size()));
    raw.resize(static_cast<size_t>(n));
    while (!raw.empty() && raw.back() == '\0') raw.pop_back();
    return nlohmann::json::parse(raw);
  }

  std::string dir_;
};

TEST_F(TokensTest, IssueThenVerifyRoundTrips) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok()) << issuer.status().ToString();
  std::time_t now = 1700000000;
  auto jwt = issuer->Issue(Claims(now));
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();

  auto claims = issuer->Verify(*jwt, now + 10);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->namespace_name, "default");
  EXPECT_EQ(claims->service_account, "builder");
  EXPECT_EQ(claims->sa_uid, "1b2c3d4e-0000-4000-8000-000000000001");
  EXPECT_EQ(claims->pod_name, "web-0");
  EXPECT_EQ(claims->pod_uid, "1b2c3d4e-0000-4000-8000-000000000002");
  EXPECT_EQ(claims->issued_at, now);
  EXPECT_EQ(claims->expires_at, now + 600);
  EXPECT_EQ(claims->Username(), "system:serviceaccount:default:builder");
  EXPECT_EQ(claims->Groups(), (std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:default"}));
}

TEST_F(TokensTest, ClaimsAreShapedAsKubeApiserverIssuesThem) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  auto jwt = issuer->Issue(Claims(1700000000));
  ASSERT_TRUE(jwt.ok());
  nlohmann::json p = Payload(*jwt);
  EXPECT_EQ(p["iss"], "https://kubernetes.default.svc.cluster.local");
  EXPECT_EQ(p["sub"], "system:serviceaccount:default:builder");
  EXPECT_EQ(p["aud"], nlohmann::json::array({"https://kubernetes.default.svc.cluster.local"}));
  EXPECT_EQ(p["iat"], 1700000000);
  EXPECT_EQ(p["nbf"], 1700000000);
  EXPECT_EQ(p["exp"], 1700000600);
  EXPECT_EQ(p["kubernetes.io"]["namespace"], "default");
  EXPECT_EQ(p["kubernetes.io"]["serviceaccount"]["name"], "builder");
  EXPECT_EQ(p["kubernetes.io"]["pod"]["name"], "web-0");
}

TEST_F(TokensTest, UnboundTokenHasNoPodAndDefaultsLifetime) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  TokenClaims c;
  c.namespace_name = "kube-system";
  c.service_account = "coredns";
  c.issued_at = 1700000000;
  auto jwt = issuer->Issue(c);
  ASSERT_TRUE(jwt.ok());
  nlohmann::json p = Payload(*jwt);
  EXPECT_FALSE(p["kubernetes.io"].contains("pod"));
  EXPECT_EQ(p["exp"], 1700003600);
  auto v = issuer->Verify(*jwt, 1700000001);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->pod_name, "");
}

TEST_F(TokensTest, ExpiredAndNotYetValidAreRejected) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  std::time_t now = 1700000000;
  auto jwt = issuer->Issue(Claims(now));
  ASSERT_TRUE(jwt.ok());
  auto expired = issuer->Verify(*jwt, now + 3600);
  EXPECT_EQ(expired.status().reason(), Reason::kUnauthorized);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  auto early = issuer->Verify(*jwt, now - 3600);
  EXPECT_EQ(early.status().reason(), Reason::kUnauthorized);
}

TEST_F(TokensTest, WrongKeyIsRejected) {
  auto a = TokenIssuer::Load(WriteKey("a.key"));
  auto b = TokenIssuer::Load(WriteKey("b.key"));
  ASSERT_TRUE(a.ok() && b.ok());
  auto jwt = a->Issue(Claims(1700000000));
  ASSERT_TRUE(jwt.ok());
  auto v = b->Verify(*jwt, 1700000001);
  EXPECT_EQ(v.status().reason(), Reason::kUnauthorized);
  EXPECT_NE(v.status().message().find("signature"), std::string::npos);
}

TEST_F(TokensTest, TamperedPayloadIsRejected) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  auto jwt = issuer->Issue(Claims(1700000000));
  ASSERT_TRUE(jwt.ok());
  auto other = issuer->Issue([] {
    TokenClaims c = Claims(1700000000);
    c.namespace_name = "kube-system";
    return c;
  }());
  ASSERT_TRUE(other.ok());
  // Splice the other token's payload under the first token's signature.
  size_t a1 = jwt->find('.'), b1 = jwt->rfind('.');
  size_t a2 = other->find('.'), b2 = other->rfind('.');
  std::string forged = jwt->substr(0, a1) + other->substr(a2, b2 - a2) + jwt->substr(b1);
  EXPECT_FALSE(issuer->Verify(forged, 1700000001).ok());
}

TEST_F(TokensTest, ForeignAudienceIsRejected) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  TokenClaims c = Claims(1700000000);
  c.audiences = {"vault"};
  auto jwt = issuer->Issue(c);
  ASSERT_TRUE(jwt.ok());
  EXPECT_NE(Payload(*jwt)["aud"], nlohmann::json::array({"https://kubernetes.default.svc.cluster.local"}));
  auto v = issuer->Verify(*jwt, 1700000001);
  EXPECT_EQ(v.status().reason(), Reason::kUnauthorized);

  c.audiences = {"vault", std::string(kServiceAccountIssuer)};
  jwt = issuer->Issue(c);
  ASSERT_TRUE(jwt.ok());
  v = issuer->Verify(*jwt, 1700000001);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->audiences.size(), 2u);
}

TEST_F(TokensTest, GarbageIsRejected) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  for (std::string bad : {"", "abc", "a.b", "a.b.c", "!!.??.**", "a.b.c.d", "e30.e30.AAAA"}) {
    auto v = issuer->Verify(bad, 1700000000);
    EXPECT_EQ(v.status().reason(), Reason::kUnauthorized) << bad;
  }
}

TEST_F(TokensTest, RsaKeysSignRs256) {
  auto issuer = TokenIssuer::Load(WriteKey("rsa.key", /*rsa=*/true));
  ASSERT_TRUE(issuer.ok()) << issuer.status().ToString();
  auto jwt = issuer->Issue(Claims(1700000000));
  ASSERT_TRUE(jwt.ok());
  auto v = issuer->Verify(*jwt, 1700000001);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
}

TEST_F(TokensTest, MissingKeyFileIsAnError) {
  EXPECT_FALSE(TokenIssuer::Load(dir_ + "/nope.key").ok());
  std::ofstream(dir_ + "/junk.key") << "not a key";
  EXPECT_FALSE(TokenIssuer::Load(dir_ + "/junk.key").ok());
}

TEST_F(TokensTest, IssueNeedsANameAndNamespace) {
  auto issuer = TokenIssuer::Load(WriteKey("sa.key"));
  ASSERT_TRUE(issuer.ok());
  EXPECT_EQ(issuer->Issue(TokenClaims{}).status().reason(), Reason::kBadRequest);
}

}  // namespace
}  // namespace netkube::apiserver
