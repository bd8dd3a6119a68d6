#include "client/kubeconfig.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace netkube::client {
namespace {

namespace fs = std::filesystem;

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-kubeconfig-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // REQUIRES: `name` is relative (it is created under the temp dir).
  std::string Write(const std::string& name, const std::string& text) {
    EXPECT_FALSE(name.empty() || name.front() == '/') << name;
    fs::path p = fs::path(dir_) / fs::path(name).relative_path();
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  std::string dir_;
};

// base64("CA PEM") etc.
constexpr char kTwoContexts[] = R"(apiVersion: v1
kind: Config
clusters:
- name: one
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EgUEVN
- name: two
  cluster:
    server: https://[::1]:7443/prefix/
    certificate-authority: ca.crt
    tls-server-name: kubernetes.default
- name: three
  cluster:
    server: https://example.test
    insecure-skip-tls-verify: true
contexts:
- name: one
  context: {cluster: one, user: admin}
- name: two
  context: {cluster: two, user: files, namespace: kube-system}
- name: three
  context: {cluster: three, user: tok}
current-context: one
users:
- name: admin
  user:
    client-certificate-data: Q1JUIFBFTQ==
    client-key-data: S0VZIFBFTQ==
- name: files
  user:
    client-certificate: certs/client.crt
    client-key: certs/client.key
- name: tok
  user:
    token: abc.def
    tokenFile: token
)";

TEST_F(KubeconfigTest, CurrentContextWithInlineData) {
  std::string path = Write("config", kTwoContexts);
  auto c = LoadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->client_cert_pem, "CRT PEM");
  EXPECT_EQ(c->client_key_pem, "KEY PEM");
  EXPECT_EQ(c->ns, "default");
  EXPECT_FALSE(c->insecure_skip_tls_verify);
}

TEST_F(KubeconfigTest, NamedContextWithRelativeFilesAndNamespace) {
  std::string path = Write("config", kTwoContexts);
  Write("ca.crt", "FILE CA");
  Write("certs/client.crt", "FILE CRT");
  Write("certs/client.key", "FILE KEY");
  auto c = LoadKubeconfig(path, "two");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ca_pem, "FILE CA");
  EXPECT_EQ(c->client_cert_pem, "FILE CRT");
  EXPECT_EQ(c->client_key_pem, "FILE KEY");
  EXPECT_EQ(c->ns, "kube-system");
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
  auto url = ParseServerUrl(c->server);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 7443);
  EXPECT_EQ(url->base_path, "/prefix");
}

TEST_F(KubeconfigTest, TokenAndTokenFile) {
  std::string path = Write("config", kTwoContexts);
  Write("token", "from.file\n");
  auto c = LoadKubeconfig(path, "three");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_EQ(c->bearer_token, "abc.def");
  EXPECT_EQ(c->bearer_token_file, dir_ + "/token");
  EXPECT_TRUE(c->ca_pem.empty());
  EXPECT_EQ(ParseServerUrl(c->server)->port, 443);
}

TEST_F(KubeconfigTest, MissingFileIsNotFoundNamingThePath) {
  auto c = LoadKubeconfig(dir_ + "/nope");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsNotFound());
  EXPECT_NE(c.status().message().find(dir_ + "/nope"), std::string::npos) << c.status().message();
}

TEST_F(KubeconfigTest, MissingReferencedFileNamesEntryAndPath) {
  std::string path = Write("config", kTwoContexts);
  auto c = LoadKubeconfig(path, "two");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("certificate-authority"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(dir_ + "/ca.crt"), std::string::npos) << c.status().message();
}

TEST_F(KubeconfigTest, Errors) {
  struct Case {
    const char* yaml;
    const char* context;
    const char* want;
  } cases[] = {
      {"clusters: [", "", "kubeconfig"},
      {"- a\n- b\n", "", "not a kubeconfig"},
      {"apiVersion: v1\n", "", "no current-context"},
      {kTwoContexts, "four", "context \"four\" not found"},
      {"contexts: [{name: c, context: {cluster: x}}]\ncurrent-context: c\n", "", "cluster \"x\" not found"},
      {"clusters: [{name: x, cluster: {server: http://h}}]\ncontexts: [{name: c, context: {cluster: x}}]\n"
       "current-context: c\n",
       "", "only https://"},
      {"clusters: [{name: x, cluster: {server: https://h:99999}}]\ncontexts: [{name: c, context: {cluster: x}}]\n"
       "current-context: c\n",
       "", "bad port"},
      {"clusters: [{name: x, cluster: {server: https://h, certificate-authority-data: '!!'}}]\n"
       "contexts: [{name: c, context: {cluster: x}}]\ncurrent-context: c\n",
       "", "certificate-authority-data: invalid base64"},
      {"clusters: [{name: x, cluster: {server: https://h}}]\ncontexts: [{name: c, context: {cluster: x, user: u}}]\n"
       "current-context: c\nusers: [{name: u, user: {client-certificate-data: QQ==}}]\n",
       "", "needs its key"},
      {"clusters: [{name: x, cluster: {server: https://h}}]\ncontexts: [{name: c, context: {cluster: x, user: u}}]\n"
       "current-context: c\nusers: [{name: u, user: {exec: {command: x}}}]\n",
       "", "exec and auth-provider"},
  };
  for (const auto& tc : cases) {
    auto c = ParseKubeconfig(tc.yaml, dir_, tc.context);
    ASSERT_FALSE(c.ok()) << tc.yaml;
    EXPECT_EQ(c.status().reason(), Reason::kBadRequest) << tc.yaml;
    EXPECT_NE(c.status().message().find(tc.want), std::string::npos) << c.status().message();
  }
}

TEST(Base64Test, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(*DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(*DecodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(*DecodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(*DecodeBase64(""), "");
  EXPECT_FALSE(DecodeBase64("a").ok());
  EXPECT_FALSE(DecodeBase64("aGVs*G8h").ok());
  EXPECT_FALSE(DecodeBase64("aG=Vs").ok());
}

TEST(ServerUrlTest, Parses) {
  auto u = ParseServerUrl("https://10.96.0.1:443");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "10.96.0.1");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->base_path, "");
  EXPECT_FALSE(ParseServerUrl("https://").ok());
  EXPECT_FALSE(ParseServerUrl("https://[::1").ok());
}

TEST_F(KubeconfigTest, InCluster) {
  std::string sa = "var/run/secrets/kubernetes.io/serviceaccount/";
  Write(sa + "token", "sa.token\n");
  Write(sa + "ca.crt", "CA");
  Write(sa + "namespace", "kube-system");
  auto c = InClusterConfig({dir_, "10.96.0.1", "443"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->bearer_token, "sa.token");
  EXPECT_EQ(c->bearer_token_file, dir_ + "/" + sa + "token");
  EXPECT_EQ(c->ca_pem, "CA");
  EXPECT_EQ(c->ns, "kube-system");

  auto v6 = InClusterConfig({dir_, "fd00::1", "6443"});
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->server, "https://[fd00::1]:6443");

  fs::remove(fs::path(dir_) / (sa + "namespace"));
  EXPECT_EQ(InClusterConfig({dir_, "10.96.0.1", "443"})->ns, "default");
}

TEST_F(KubeconfigTest, InClusterErrors) {
  std::string sa = "var/run/secrets/kubernetes.io/serviceaccount/";
  auto no_token = InClusterConfig({dir_, "10.96.0.1", "443"});
  ASSERT_FALSE(no_token.ok());
  EXPECT_TRUE(no_token.status().IsNotFound());
  EXPECT_NE(no_token.status().message().find("token"), std::string::npos);

  Write(sa + "token", "t");
  auto no_ca = InClusterConfig({dir_, "10.96.0.1", "443"});
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.status().message().find("ca.crt"), std::string::npos);

  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  auto no_env = InClusterConfig({dir_});
  ASSERT_FALSE(no_env.ok());
  EXPECT_NE(no_env.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);

  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Write(sa + "ca.crt", "CA");
  auto from_env = InClusterConfig({dir_});
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->server, "https://10.96.0.1:443");
}

}  // namespace
}  // namespace netkube::client
