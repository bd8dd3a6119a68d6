// Certificates with the OpenSSL 3 EVP and X509 APIs. See certs.h.
//
// Keys are ECDSA P-256. Leaf certificates live one year and are re-issued by
// EnsurePki when they expire within 30 days, when the CA no longer signs them,
// or (the serving certificate) when a SAN needed now is missing.
#include "apiserver/certs.h"

#include "util/base64.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "util/log.h"

namespace netkube::apiserver {
namespace {

constexpr long kCaDays = 3650;
constexpr long kLeafDays = 365;
constexpr long kRenewBeforeDays = 30;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(ASN1_OCTET_STRING* p) const { ASN1_OCTET_STRING_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

// The OpenSSL error queue as text (and cleared).
std::string SslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Status SslStatus(const std::string& what) { return Status::Internal(what + ": " + SslError()); }

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes atomically (temp file + rename) with the given mode.
Status WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Internal("cannot create " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // the umask may have narrowed or the file pre-existed
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Status::Internal("cannot write " + tmp + ": " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::Internal("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Internal("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status::OK();
}

KeyPtr NewKey() { return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    return SslStatus("writing private key");
  }
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

StatusOr<std::string> PublicKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PUBKEY(bio.get(), key)) return SslStatus("writing public key");
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

StatusOr<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) return SslStatus("writing certificate");
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

StatusOr<KeyPtr> LoadKey(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return SslStatus("reading private key " + path);
  return key;
}

StatusOr<CertPtr> LoadCert(const std::string& path) {
  auto pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return SslStatus("reading certificate " + path);
  return cert;
}

// Adds an extension given in openssl.cnf syntax ("critical,CA:TRUE").
bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// Parses "10.0.0.1", "::1", "[::1]" into an IP SAN; null when not an address.
ASN1_OCTET_STRING* ParseIp(std::string ip) {
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  return a2i_IPADDRESS(ip.c_str());
}

// The canonical text of an IP SAN ("127.0.0.1", "::1"), for comparison.
std::string IpText(const ASN1_OCTET_STRING* ip) {
  const unsigned char* p = ASN1_STRING_get0_data(ip);
  int n = ASN1_STRING_length(ip);
  char buf[64];
  if (n == 4) {
    std::snprintf(buf, sizeof(buf), "%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
    return buf;
  }
  std::string out;
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", p[i]);
    out += buf;
  }
  return out;
}

struct Sans {
  std::set<std::string> ips;  // IpText form
  std::set<std::string> dns;
};

StatusOr<Sans> WantedSans(const PkiOptions& o) {
  Sans s;
  std::vector<std::string> ips = {"127.0.0.1", "::1"};
  ips.insert(ips.end(), o.ip_sans.begin(), o.ip_sans.end());
  for (const auto& ip : ips) {
    std::unique_ptr<ASN1_OCTET_STRING, Free> a(ParseIp(ip));
    if (!a) {
      ERR_clear_error();
      return Status::BadRequest("not an IP address for a certificate SAN: \"" + ip + "\"");
    }
    std::string text = IpText(a.get());
    if (text == "0.0.0.0" || text == std::string(32, '0')) continue;  // wildcard listen address
    s.ips.insert(text);
  }
  s.dns = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
           "kubernetes.default.svc.cluster.local"};
  s.dns.insert(o.dns_sans.begin(), o.dns_sans.end());
  return s;
}

Sans CertSans(X509* cert) {
  Sans s;
  std::unique_ptr<GENERAL_NAMES, Free> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return s;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_IPADD) {
      s.ips.insert(IpText(n->d.iPAddress));
    } else if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* d = n->d.dNSName;
      s.dns.insert(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)),
                               static_cast<size_t>(ASN1_STRING_length(d))));
    }
  }
  return s;
}

// Raw IP bytes from IpText form.
ASN1_OCTET_STRING* IpFromText(const std::string& text) {
  if (text.find('.') != std::string::npos) return ParseIp(text);
  unsigned char raw[16];
  for (int i = 0; i < 16; ++i) raw[i] = static_cast<unsigned char>(std::stoi(text.substr(2 * i, 2), nullptr, 16));
  ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(s, raw, 16);
  return s;
}

bool AddSans(X509* cert, const Sans& sans) {
  std::unique_ptr<GENERAL_NAMES, Free> names(GENERAL_NAMES_new());
  for (const auto& d : sans.dns) {
    GENERAL_NAME* n = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, d.data(), static_cast<int>(d.size()));
    GENERAL_NAME_set0_value(n, GEN_DNS, s);
    sk_GENERAL_NAME_push(names.get(), n);
  }
  for (const auto& ip : sans.ips) {
    GENERAL_NAME* n = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(n, GEN_IPADD, IpFromText(ip));
    sk_GENERAL_NAME_push(names.get(), n);
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, 0) == 1;
}

struct CertSpec {
  std::string common_name;
  std::vector<std::string> organizations;
  bool is_ca = false;
  bool server = false;  // serverAuth, else clientAuth
  long days = kLeafDays;
  const Sans* sans = nullptr;
};

// Makes a certificate for `key`, signed by (issuer, issuer_key); self-signed
// when issuer is null.
StatusOr<CertPtr> MakeCert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new());
  if (!cert) return SslStatus("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return SslStatus("RAND_bytes");
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, Free> bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -5 * 60);  // tolerate small clock skew
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(spec.days), 0, nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& o : spec.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* signer = issuer ? issuer : cert.get();
  bool ok = true;
  if (spec.is_ca) {
    ok = ok && AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    // ECDSA keys only sign (keyEncipherment is for RSA key transport).
    ok = ok && AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    ok = ok && AddExt(cert.get(), signer, NID_ext_key_usage, spec.server ? "serverAuth" : "clientAuth");
  }
  ok = ok && AddExt(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) ok = ok && AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (spec.sans) ok = ok && AddSans(cert.get(), *spec.sans);
  if (!ok) return SslStatus("adding certificate extensions");
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    return SslStatus("signing certificate");
  }
  return cert;
}

// True when `cert` was signed by `ca` and is valid for at least kRenewBeforeDays.
bool StillGood(X509* cert, X509* ca) {
  EVP_PKEY* ca_pub = X509_get0_pubkey(ca);
  if (!ca_pub || X509_verify(cert, ca_pub) != 1) {
    ERR_clear_error();
    return false;
  }
  std::time_t soon = std::time(nullptr) + kRenewBeforeDays * 86400;
  return X509_cmp_time(X509_get0_notAfter(cert), &soon) > 0;
}

Status WriteKeyAndCert(EVP_PKEY* key, X509* cert, const std::string& key_path,
                       const std::string& crt_path) {
  auto key_pem = KeyPem(key);
  if (!key_pem.ok()) return key_pem.status();
  auto crt_pem = CertPem(cert);
  if (!crt_pem.ok()) return crt_pem.status();
  if (Status s = WriteFile(key_path, *key_pem, 0600); !s.ok()) return s;
  return WriteFile(crt_path, *crt_pem, 0644);
}

// Issues a leaf certificate unless an existing one is good; `sans` (server
// certificates) must all be present in an existing one.
Status EnsureLeaf(const CertSpec& spec, X509* ca, EVP_PKEY* ca_key, const std::string& crt_path,
                  const std::string& key_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(crt_path, ec) && fs::exists(key_path, ec)) {
    auto cert = LoadCert(crt_path);
    auto key = LoadKey(key_path);
    if (cert.ok() && key.ok() && StillGood(cert->get(), ca) &&
        EVP_PKEY_eq(X509_get0_pubkey(cert->get()), key->get()) == 1) {
      bool sans_ok = true;
      if (spec.sans) {
        Sans have = CertSans(cert->get());
        for (const auto& ip : spec.sans->ips) sans_ok = sans_ok && have.ips.count(ip);
        for (const auto& d : spec.sans->dns) sans_ok = sans_ok && have.dns.count(d);
      }
      if (sans_ok) return Status::OK();
      LOG_INFO << "re-issuing " << crt_path << ": a needed SAN is missing";
    } else {
      ERR_clear_error();
      LOG_INFO << "re-issuing " << crt_path << ": unreadable, expiring, or not signed by the CA";
    }
  }
  KeyPtr key = NewKey();
  if (!key) return SslStatus("generating key");
  auto cert = MakeCert(spec, key.get(), ca, ca_key);
  if (!cert.ok()) return cert.status();
  return WriteKeyAndCert(key.get(), cert->get(), key_path, crt_path);
}

Status EnsureCa(const PkiPaths& p) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(p.ca_crt, ec) && fs::exists(p.ca_key, ec)) return Status::OK();
  KeyPtr key = NewKey();
  if (!key) return SslStatus("generating CA key");
  CertSpec spec{.common_name = "netkube-ca", .is_ca = true, .days = kCaDays};
  auto cert = MakeCert(spec, key.get(), nullptr, nullptr);
  if (!cert.ok()) return cert.status();
  // A new CA invalidates every certificate signed by the old one; EnsureLeaf
  // notices and re-issues them.
  return WriteKeyAndCert(key.get(), cert->get(), p.ca_key, p.ca_crt);
}

Status EnsureSaKey(const std::string& key_path, const std::string& pub_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(key_path, ec)) {
    if (fs::exists(pub_path, ec)) return Status::OK();
    auto key = LoadKey(key_path);
    if (!key.ok()) return key.status();
    auto pub = PublicKeyPem(key->get());
    if (!pub.ok()) return pub.status();
    return WriteFile(pub_path, *pub, 0644);
  }
  KeyPtr key = NewKey();
  if (!key) return SslStatus("generating service-account key");
  auto pem = KeyPem(key.get());
  if (!pem.ok()) return pem.status();
  auto pub = PublicKeyPem(key.get());
  if (!pub.ok()) return pub.status();
  if (Status s = WriteFile(key_path, *pem, 0600); !s.ok()) return s;
  return WriteFile(pub_path, *pub, 0644);
}

std::string Base64(const std::string& in) { return Base64Encode(in); }

}  // namespace

StatusOr<PkiPaths> EnsurePki(const PkiOptions& options) {
  namespace fs = std::filesystem;
  if (options.dir.empty()) return Status::BadRequest("EnsurePki: no data dir given");
  std::string pki = options.dir + "/pki";
  std::error_code ec;
  fs::create_directories(pki, ec);
  if (ec) return Status::Internal("cannot create " + pki + ": " + ec.message());
  ::chmod(pki.c_str(), 0700);

  PkiPaths p;
  p.ca_crt = pki + "/ca.crt";
  p.ca_key = pki + "/ca.key";
  p.server_crt = pki + "/apiserver.crt";
  p.server_key = pki + "/apiserver.key";
  p.admin_crt = pki + "/admin.crt";
  p.admin_key = pki + "/admin.key";
  p.sa_key = pki + "/sa.key";

  auto sans = WantedSans(options);
  if (!sans.ok()) return sans.status();
  if (Status s = EnsureCa(p); !s.ok()) return s;
  auto ca = LoadCert(p.ca_crt);
  if (!ca.ok()) return ca.status();
  auto ca_key = LoadKey(p.ca_key);
  if (!ca_key.ok()) return ca_key.status();

  CertSpec server{.common_name = "kube-apiserver", .server = true, .sans = &*sans};
  if (Status s = EnsureLeaf(server, ca->get(), ca_key->get(), p.server_crt, p.server_key); !s.ok()) {
    return s;
  }
  CertSpec admin{.common_name = "kubernetes-admin", .organizations = {"system:masters"}};
  if (Status s = EnsureLeaf(admin, ca->get(), ca_key->get(), p.admin_crt, p.admin_key); !s.ok()) {
    return s;
  }
  if (Status s = EnsureSaKey(p.sa_key, pki + "/sa.pub"); !s.ok()) return s;
  return p;
}

Status IssueClientCert(const PkiPaths& pki, const std::string& common_name,
                       const std::vector<std::string>& organizations, const std::string& crt_out,
                       const std::string& key_out) {
  if (common_name.empty()) return Status::BadRequest("IssueClientCert: empty common name");
  auto ca = LoadCert(pki.ca_crt);
  if (!ca.ok()) return ca.status();
  auto ca_key = LoadKey(pki.ca_key);
  if (!ca_key.ok()) return ca_key.status();
  KeyPtr key = NewKey();
  if (!key) return SslStatus("generating key");
  CertSpec spec{.common_name = common_name, .organizations = organizations};
  auto cert = MakeCert(spec, key.get(), ca->get(), ca_key->get());
  if (!cert.ok()) return cert.status();
  return WriteKeyAndCert(key.get(), cert->get(), key_out, crt_out);
}

Status WriteKubeconfig(const std::string& path, const std::string& name, const std::string& server,
                       const PkiPaths& pki, const std::string& client_crt,
                       const std::string& client_key) {
  auto ca = ReadFile(pki.ca_crt);
  if (!ca.ok()) return ca.status();
  auto crt = ReadFile(client_crt);
  if (!crt.ok()) return crt.status();
  auto key = ReadFile(client_key);
  if (!key.ok()) return key.status();
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << server;
  out << YAML::Key << "certificate-authority-data" << YAML::Value << Base64(*ca);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << name;
  out << YAML::Key << "user" << YAML::Value << name;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << name;
  out << YAML::Key << "preferences" << YAML::Value << YAML::BeginMap << YAML::EndMap;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "client-certificate-data" << YAML::Value << Base64(*crt);
  out << YAML::Key << "client-key-data" << YAML::Value << Base64(*key);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::EndMap;
  if (!out.good()) return Status::Internal("writing kubeconfig: " + out.GetLastError());
  std::string text = std::string(out.c_str()) + "\n";
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  return WriteFile(path, text, 0600);  // it embeds the client key
}

}  // namespace netkube::apiserver
