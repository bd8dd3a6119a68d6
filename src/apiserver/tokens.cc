// Service-account JWTs with OpenSSL 3 EVP signatures. See tokens.h.
#include "apiserver/tokens.h"

#include "util/base64.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace netkube::apiserver {

struct TokenIssuer::Key {
  EVP_PKEY* pkey = nullptr;
  bool ecdsa = true;  // ES256, else RS256
  std::string kid;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

constexpr std::time_t kLeewaySeconds = 60;
constexpr std::time_t kDefaultLifetimeSeconds = 3600;

std::string Base64Url(std::string_view in) { return Base64Encode(in, Base64Alphabet::kUrl); }

// Unpadded base64url (padding tolerated); false on a bad character or length.
bool DecodeBase64Url(std::string_view in, std::string* out) {
  auto d = Base64Decode(in, Base64Alphabet::kUrl);
  if (!d) return false;
  *out = std::move(*d);
  return true;
}

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

// kube-apiserver's key id: base64url(sha256(DER public key)).
std::string KeyId(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(der, static_cast<size_t>(n), md, &md_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return Base64Url(std::string_view(reinterpret_cast<char*>(md), md_len));
}

std::string RandomJti() {
  unsigned char b[16];
  RAND_bytes(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  std::snprintf(out, sizeof(out), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return out;
}

}  // namespace

std::string TokenClaims::Username() const {
  return "system:serviceaccount:" + namespace_name + ":" + service_account;
}

std::vector<std::string> TokenClaims::Groups() const {
  return {"system:serviceaccounts", "system:serviceaccounts:" + namespace_name};
}

StatusOr<TokenIssuer> TokenIssuer::Load(const std::string& sa_key_file) {
  std::ifstream in(sa_key_file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read service-account key " + sa_key_file);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string pem = ss.str();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pkey) return Status::Internal("reading service-account key " + sa_key_file + ": " + SslError());
  auto key = std::make_shared<Key>();
  key->pkey = pkey;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) ||
        (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256")) {
      return Status::BadRequest("service-account key " + sa_key_file + ": EC keys must be P-256");
    }
    key->ecdsa = true;
  } else if (EVP_PKEY_is_a(pkey, "RSA")) {
    key->ecdsa = false;
  } else {
    return Status::BadRequest("service-account key " + sa_key_file + ": not an EC or RSA key");
  }
  key->kid = KeyId(pkey);
  return TokenIssuer(std::move(key));
}

namespace {

// Signs with SHA-256; for ECDSA converts DER to the JWS r||s form.
StatusOr<std::string> Sign(const TokenIssuer::Key& key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Internal("signing token: " + SslError());
  if (!key.ecdsa) return sig;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (!es) return Status::Internal("signing token: " + SslError());
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

bool VerifySignature(const TokenIssuer::Key& key, std::string_view input, std::string sig) {
  if (key.ecdsa) {
    if (sig.size() != 64) return false;
    ECDSA_SIG* es = ECDSA_SIG_new();
    const unsigned char* raw = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0) return false;
    sig.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

}  // namespace

StatusOr<std::string> TokenIssuer::Issue(const TokenClaims& c) const {
  if (c.namespace_name.empty() || c.service_account.empty()) {
    return Status::BadRequest("a service-account token needs a namespace and a service account name");
  }
  std::time_t iat = c.issued_at ? c.issued_at : std::time(nullptr);
  std::time_t exp = c.expires_at ? c.expires_at : iat + kDefaultLifetimeSeconds;
  nlohmann::json header = {{"alg", key_->ecdsa ? "ES256" : "RS256"}, {"kid", key_->kid}, {"typ", "JWT"}};
  nlohmann::json k8s = {{"namespace", c.namespace_name},
                        {"serviceaccount", {{"name", c.service_account}, {"uid", c.sa_uid}}}};
  if (!c.pod_name.empty()) k8s["pod"] = {{"name", c.pod_name}, {"uid", c.pod_uid}};
  nlohmann::json payload = {
      {"aud", c.audiences.empty() ? std::vector<std::string>{std::string(kServiceAccountIssuer)}
                                  : c.audiences},
      {"exp", static_cast<int64_t>(exp)},
      {"iat", static_cast<int64_t>(iat)},
      {"iss", kServiceAccountIssuer},
      {"jti", RandomJti()},
      {"kubernetes.io", k8s},
      {"nbf", static_cast<int64_t>(iat)},
      {"sub", c.Username()},
  };
  std::string input = Base64Url(header.dump()) + "." + Base64Url(payload.dump());
  auto sig = Sign(*key_, input);
  if (!sig.ok()) return sig.status();
  return input + "." + Base64Url(*sig);
}

StatusOr<TokenClaims> TokenIssuer::Verify(std::string_view jwt, std::time_t now) const {
  size_t d1 = jwt.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string_view::npos || jwt.find('.', d2 + 1) != std::string_view::npos) {
    return Status::Unauthorized("invalid bearer token: not a JWT");
  }
  std::string header_raw, payload_raw, sig;
  if (!DecodeBase64Url(jwt.substr(0, d1), &header_raw) ||
      !DecodeBase64Url(jwt.substr(d1 + 1, d2 - d1 - 1), &payload_raw) ||
      !DecodeBase64Url(jwt.substr(d2 + 1), &sig)) {
    return Status::Unauthorized("invalid bearer token: bad base64url");
  }
  try {
    nlohmann::json header = nlohmann::json::parse(header_raw);
    std::string alg = header.value("alg", "");
    if (alg != (key_->ecdsa ? "ES256" : "RS256")) {
      return Status::Unauthorized("invalid bearer token: unexpected signing algorithm \"" + alg + "\"");
    }
    if (!VerifySignature(*key_, jwt.substr(0, d2), sig)) {
      return Status::Unauthorized("invalid bearer token: signature is invalid");
    }
    nlohmann::json p = nlohmann::json::parse(payload_raw);
    if (p.value("iss", "") != kServiceAccountIssuer) {
      return Status::Unauthorized("invalid bearer token: unexpected issuer");
    }
    std::vector<std::string> aud;
    if (p.contains("aud") && p["aud"].is_string()) {
      aud.push_back(p["aud"].get<std::string>());
    } else if (p.contains("aud") && p["aud"].is_array()) {
      for (const auto& a : p["aud"]) {
        if (a.is_string()) aud.push_back(a.get<std::string>());
      }
    }
    if (std::find(aud.begin(), aud.end(), kServiceAccountIssuer) == aud.end()) {
      return Status::Unauthorized("invalid bearer token: token audiences " +
                                  nlohmann::json(aud).dump() + " do not include the API server");
    }
    if (!p.contains("exp") || !p["exp"].is_number()) {
      return Status::Unauthorized("invalid bearer token: no expiry");
    }
    std::time_t exp = p["exp"].get<int64_t>();
    std::time_t nbf = p.contains("nbf") && p["nbf"].is_number() ? p["nbf"].get<int64_t>() : 0;
    if (now >= exp + kLeewaySeconds) return Status::Unauthorized("invalid bearer token: token has expired");
    if (now + kLeewaySeconds < nbf) return Status::Unauthorized("invalid bearer token: token is not valid yet");
    const auto& k = p.at("kubernetes.io");
    TokenClaims c;
    c.namespace_name = k.at("namespace").get<std::string>();
    c.service_account = k.at("serviceaccount").at("name").get<std::string>();
    c.sa_uid = k.at("serviceaccount").value("uid", "");
    if (k.contains("pod") && k["pod"].is_object()) {
      c.pod_name = k["pod"].value("name", "");
      c.pod_uid = k["pod"].value("uid", "");
    }
    if (p.value("sub", "") != c.Username()) {
      return Status::Unauthorized("invalid bearer token: subject does not match the service account");
    }
    c.audiences = std::move(aud);
    c.issued_at = p.contains("iat") && p["iat"].is_number() ? p["iat"].get<int64_t>() : 0;
    c.expires_at = exp;
    return c;
  } catch (const std::exception& e) {
    return Status::Unauthorized(std::string("invalid bearer token: malformed claims: ") + e.what());
  }
}

}  // namespace netkube::apiserver
