#include "apiserver/certs.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace netkube::apiserver {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

X509* ReadCert(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  return c;
}

std::string Field(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  std::string out;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0;) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    if (!out.empty()) out += ",";
    out += std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

std::set<std::string> SanText(X509* cert) {
  std::set<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName))));
    } else if (n->type == GEN_IPADD) {
      const unsigned char* p = ASN1_STRING_get0_data(n->d.iPAddress);
      if (ASN1_STRING_length(n->d.iPAddress) == 4) {
        out.insert("IP:" + std::to_string(p[0]) + "." + std::to_string(p[1]) + "." + std::to_string(p[2]) +
                   "." + std::to_string(p[3]));
      } else {
        out.insert("IP6");
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

bool SignedBy(const std::string& crt, const std::string& ca_crt) {
  X509* c = ReadCert(crt);
  X509* ca = ReadCert(ca_crt);
  bool ok = c && ca && X509_verify(c, X509_get0_pubkey(ca)) == 1;
  X509_free(c);
  X509_free(ca);
  return ok;
}

mode_t Mode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::string Base64Decode(const std::string& in) {
  std::string out(in.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  size_t pad = 0;
  for (auto it = in.rbegin(); it != in.rend() && *it == '='; ++it) ++pad;
  out.resize(out.size() - pad);
  return out;
}

class CertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-certs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CertsTest, EnsurePkiCreatesCaServingAdminAndSaKey) {
  auto pki = EnsurePki({.dir = dir_, .ip_sans = {"10.96.0.1", "172.18.0.2"}});
  ASSERT_TRUE(pki.ok()) << pki.status().ToString();
  EXPECT_EQ(pki->ca_crt, dir_ + "/pki/ca.crt");
  for (const auto& key : {pki->ca_key, pki->server_key, pki->admin_key, pki->sa_key}) {
    EXPECT_EQ(Mode(key), 0600u) << key;
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/pki/sa.pub"));
  EXPECT_TRUE(SignedBy(pki->server_crt, pki->ca_crt));
  EXPECT_TRUE(SignedBy(pki->admin_crt, pki->ca_crt));

  X509* ca = ReadCert(pki->ca_crt);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(Field(ca, NID_commonName), "netkube-ca");
  EXPECT_EQ(X509_check_ca(ca), 1);
  X509_free(ca);

  X509* server = ReadCert(pki->server_crt);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Field(server, NID_commonName), "kube-apiserver");
  std::set<std::string> sans = SanText(server);
  for (const char* want : {"IP:127.0.0.1", "IP:10.96.0.1", "IP:172.18.0.2", "IP6", "DNS:localhost",
                           "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
                           "DNS:kubernetes.default.svc.cluster.local"}) {
    EXPECT_TRUE(sans.count(want)) << want;
  }
  X509_free(server);

  X509* admin = ReadCert(pki->admin_crt);
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(Field(admin, NID_commonName), "kubernetes-admin");
  EXPECT_EQ(Field(admin, NID_organizationName), "system:masters");
  X509_free(admin);
}

TEST_F(CertsTest, EnsurePkiReusesFilesAndReissuesForANewSan) {
  auto first = EnsurePki({.dir = dir_, .ip_sans = {"10.96.0.1"}});
  ASSERT_TRUE(first.ok());
  std::string ca = Slurp(first->ca_crt), server = Slurp(first->server_crt);
  std::string admin = Slurp(first->admin_crt), sa = Slurp(first->sa_key);

  auto again = EnsurePki({.dir = dir_, .ip_sans = {"10.96.0.1"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Slurp(again->server_crt), server);
  EXPECT_EQ(Slurp(again->ca_crt), ca);

  auto more = EnsurePki({.dir = dir_, .ip_sans = {"10.96.0.1", "172.18.0.2"}, .dns_sans = {"api.example"}});
  ASSERT_TRUE(more.ok());
  EXPECT_NE(Slurp(more->server_crt), server);
  EXPECT_EQ(Slurp(more->ca_crt), ca);
  EXPECT_EQ(Slurp(more->admin_crt), admin);
  EXPECT_EQ(Slurp(more->sa_key), sa);
  X509* c = ReadCert(more->server_crt);
  std::set<std::string> sans = SanText(c);
  EXPECT_TRUE(sans.count("IP:172.18.0.2"));
  EXPECT_TRUE(sans.count("DNS:api.example"));
  X509_free(c);
}

TEST_F(CertsTest, NewCaReissuesLeaves) {
  auto first = EnsurePki({.dir = dir_});
  ASSERT_TRUE(first.ok());
  std::filesystem::remove(first->ca_crt);
  std::filesystem::remove(first->ca_key);
  auto second = EnsurePki({.dir = dir_});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(SignedBy(second->server_crt, second->ca_crt));
  EXPECT_TRUE(SignedBy(second->admin_crt, second->ca_crt));
}

TEST_F(CertsTest, BadSanIsAnError) {
  auto pki = EnsurePki({.dir = dir_, .ip_sans = {"not-an-ip"}});
  EXPECT_EQ(pki.status().reason(), Reason::kBadRequest);
}

TEST_F(CertsTest, IssueClientCertCarriesNameAndGroups) {
  auto pki = EnsurePki({.dir = dir_});
  ASSERT_TRUE(pki.ok());
  std::string crt = dir_ + "/node.crt", key = dir_ + "/node.key";
  Status s = IssueClientCert(*pki, "system:node:kind-worker", {"system:nodes", "extra"}, crt, key);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Mode(key), 0600u);
  EXPECT_TRUE(SignedBy(crt, pki->ca_crt));
  X509* c = ReadCert(crt);
  EXPECT_EQ(Field(c, NID_commonName), "system:node:kind-worker");
  EXPECT_EQ(Field(c, NID_organizationName), "system:nodes,extra");
  X509_free(c);
}

TEST_F(CertsTest, KubeconfigEmbedsCertificates) {
  auto pki = EnsurePki({.dir = dir_});
  ASSERT_TRUE(pki.ok());
  std::string path = dir_ + "/admin.kubeconfig";
  Status s = WriteKubeconfig(path, "netkube", "https://127.0.0.1:6443", *pki, pki->admin_crt, pki->admin_key);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Mode(path), 0600u);
  YAML::Node k = YAML::LoadFile(path);
  EXPECT_EQ(k["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(k["kind"].as<std::string>(), "Config");
  EXPECT_EQ(k["current-context"].as<std::string>(), "netkube");
  ASSERT_EQ(k["clusters"].size(), 1u);
  EXPECT_EQ(k["clusters"][0]["name"].as<std::string>(), "netkube");
  EXPECT_EQ(k["clusters"][0]["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  EXPECT_EQ(Base64Decode(k["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>()),
            Slurp(pki->ca_crt));
  EXPECT_EQ(k["contexts"][0]["name"].as<std::string>(), "netkube");
  EXPECT_EQ(k["contexts"][0]["context"]["cluster"].as<std::string>(), "netkube");
  EXPECT_EQ(k["contexts"][0]["context"]["user"].as<std::string>(), "netkube");
  EXPECT_EQ(k["users"][0]["name"].as<std::string>(), "netkube");
  EXPECT_EQ(Base64Decode(k["users"][0]["user"]["client-certificate-data"].as<std::string>()),
            Slurp(pki->admin_crt));
  EXPECT_EQ(Base64Decode(k["users"][0]["user"]["client-key-data"].as<std::string>()), Slurp(pki->admin_key));
}

}  // namespace
}  // namespace netkube::apiserver
