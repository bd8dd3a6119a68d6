#include "ingress/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <map>
#include <random>

namespace netkube::ingress {

struct TlsContexts::CertKey {
  X509* leaf = nullptr;
  EVP_PKEY* key = nullptr;
  STACK_OF(X509)* chain = nullptr;
  ~CertKey() {
    X509_free(leaf);
    EVP_PKEY_free(key);
    sk_X509_pop_free(chain, X509_free);
  }
};

struct TlsContexts::State {
  std::shared_ptr<const RouteTable> table;
  struct Entry {
    std::string version;
    std::shared_ptr<const CertKey> cert;  // null when the certificate is unusable
    std::string error;                    // why, when unusable
  };
  std::map<std::string, Entry> certs;  // by Secret "ns/name"
};

namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

// ALPN: prefer h2 when enabled, else http/1.1.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
               void* arg) {
  bool h2 = arg != nullptr;
  const unsigned char* http11 = nullptr;
  for (unsigned int i = 0; i < inlen;) {
    unsigned int n = in[i];
    if (i + 1 + n > inlen) break;
    std::string_view proto(reinterpret_cast<const char*>(in + i + 1), n);
    if (h2 && proto == "h2") {
      *out = in + i + 1;
      *outlen = n;
      return SSL_TLSEXT_ERR_OK;
    }
    if (proto == "http/1.1") http11 = in + i + 1;
    i += 1 + n;
  }
  if (http11) {
    *out = http11;
    *outlen = 8;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// Runs during each handshake once the client's hello (and SNI) is known.
int OnCertificate(SSL* ssl, void* arg) {
  auto* self = static_cast<TlsContexts*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  auto ck = self->CertificateFor(name ? name : "");
  if (!ck) return 1;  // the context's default certificate
  return TlsContexts::Use(ssl, *ck) ? 1 : 0;
}

void ConfigureServer(SSL_CTX* ctx, bool h2) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  static const unsigned char kSid[] = "netkube-ingress";
  SSL_CTX_set_session_id_context(ctx, kSid, sizeof(kSid) - 1);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, h2 ? reinterpret_cast<void*>(1) : nullptr);
}

}  // namespace

StatusOr<std::pair<std::string, std::string>> MakeSelfSigned(const std::string& common_name,
                                                             const std::vector<std::string>& dns_names, bool rsa) {
  EVP_PKEY* key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (!key) return Status::Internal("cannot make a key: " + OpenSslError());
  X509* x = X509_new();
  X509_set_version(x, 2);
  std::random_device rd;
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(rd() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Acme Co"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  if (!dns_names.empty()) {
    std::string san;
    for (const auto& n : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
  }
  X509_sign(x, key, EVP_sha256());
  auto to_pem = [](auto write) {
    BIO* b = BIO_new(BIO_s_mem());
    write(b);
    char* data;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, n);
    BIO_free(b);
    return s;
  };
  std::string cert = to_pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  std::string pkey = to_pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return std::make_pair(cert, pkey);
}

StatusOr<std::shared_ptr<const TlsContexts::CertKey>> TlsContexts::Parse(const std::string& cert_pem,
                                                                        const std::string& key_pem) {
  ERR_clear_error();
  auto ck = std::make_shared<CertKey>();
  BIO* b = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  ck->leaf = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  if (!ck->leaf) {
    BIO_free(b);
    ERR_clear_error();
    return Status::Invalid("tls.crt holds no PEM certificate");
  }
  ck->chain = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(b, nullptr, nullptr, nullptr)) sk_X509_push(ck->chain, extra);
  ERR_clear_error();
  BIO_free(b);
  b = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  ck->key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (!ck->key) {
    ERR_clear_error();
    return Status::Invalid("tls.key holds no PEM private key");
  }
  if (X509_check_private_key(ck->leaf, ck->key) != 1) {
    ERR_clear_error();
    return Status::Invalid("the private key in tls.key does not match the certificate in tls.crt");
  }
  return std::shared_ptr<const CertKey>(std::move(ck));
}

bool TlsContexts::Use(SSL* ssl, const CertKey& ck) {
  // The default certificate sits in the slot of its key type (EC); an RSA
  // certificate would go to another slot and lose to it: clear them all.
  SSL_certs_clear(ssl);
  return SSL_use_certificate(ssl, ck.leaf) == 1 && SSL_use_PrivateKey(ssl, ck.key) == 1 &&
         SSL_set1_chain(ssl, ck.chain) == 1;
}

std::string TlsContexts::CommonName(const CertKey& ck) {
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(ck.leaf), NID_commonName, buf, sizeof(buf));
  return buf;
}

TlsContexts::TlsContexts() : state_(std::make_shared<State>()) {}

TlsContexts::~TlsContexts() {
  if (default_ctx_) SSL_CTX_free(default_ctx_);
  if (client_ctx_) SSL_CTX_free(client_ctx_);
}

Status TlsContexts::Init(const std::string& cert_pem, const std::string& key_pem, bool enable_h2) {
  enable_h2_ = enable_h2;
  std::string cert = cert_pem, key = key_pem;
  if (cert.empty() && key.empty()) {
    auto made = MakeSelfSigned("Kubernetes Ingress Controller Fake Certificate", {"ingress.local"});
    if (!made.ok()) return made.status();
    cert = made->first;
    key = made->second;
  }
  auto ck = Parse(cert, key);
  if (!ck.ok()) return Status::Invalid("default certificate: " + ck.status().message());
  default_ctx_ = SSL_CTX_new(TLS_server_method());
  if (!default_ctx_) return Status::Internal("SSL_CTX_new: " + OpenSslError());
  ConfigureServer(default_ctx_, enable_h2);
  SSL_CTX_use_certificate(default_ctx_, (*ck)->leaf);
  SSL_CTX_use_PrivateKey(default_ctx_, (*ck)->key);
  SSL_CTX_set1_chain(default_ctx_, (*ck)->chain);
  SSL_CTX_set_cert_cb(default_ctx_, OnCertificate, this);
  client_ctx_ = SSL_CTX_new(TLS_client_method());
  if (!client_ctx_) return Status::Internal("SSL_CTX_new: " + OpenSslError());
  SSL_CTX_set_verify(client_ctx_, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_mode(client_ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(client_ctx_, SSL_SESS_CACHE_CLIENT);
  return Status::OK();
}

std::vector<std::pair<std::string, std::string>> TlsContexts::Update(std::shared_ptr<const RouteTable> table) {
  std::vector<std::pair<std::string, std::string>> errors;
  auto old = std::atomic_load(&state_);
  auto next = std::make_shared<State>();
  for (const auto& [key, cert] : table->certificates) {
    auto it = old->certs.find(key);
    if (it != old->certs.end() && it->second.version == cert.version && !cert.version.empty()) {
      next->certs[key] = it->second;
      if (!it->second.cert) errors.emplace_back(key, it->second.error);
      continue;
    }
    State::Entry entry{cert.version, nullptr, ""};
    auto ck = Parse(cert.cert_pem, cert.key_pem);
    if (ck.ok()) {
      entry.cert = *ck;
    } else {
      entry.error = ck.status().message();
      errors.emplace_back(key, entry.error);
    }
    next->certs[key] = std::move(entry);
  }
  next->table = std::move(table);
  std::atomic_store(&state_, std::shared_ptr<const State>(std::move(next)));
  return errors;
}

std::shared_ptr<const TlsContexts::CertKey> TlsContexts::CertificateFor(const std::string& server_name) const {
  auto state = std::atomic_load(&state_);
  if (!state->table) return nullptr;
  auto lookup = [&](const std::string& secret) -> std::shared_ptr<const CertKey> {
    auto it = state->certs.find(secret);
    return it == state->certs.end() ? nullptr : it->second.cert;
  };
  if (!server_name.empty()) {
    const VirtualHost* vh = FindHost(*state->table, NormalizeHost(server_name));
    if (vh && !vh->tls_secret.empty())
      if (auto ck = lookup(vh->tls_secret)) return ck;
  }
  if (!state->table->default_certificate.empty()) return lookup(state->table->default_certificate);
  return nullptr;
}

}  // namespace netkube::ingress
