#include "client/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace netkube::client {

namespace {

constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// Reads a whole file; NotFound or BadRequest naming `what` and the path.
StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string msg = what + " " + path + ": " + std::strerror(err);
    if (err == ENOENT) return Status::NotFound(msg);
    return Status::BadRequest(msg);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::BadRequest(what + " " + path + ": read error");
  return ss.str();
}

std::string Resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || file.front() == '/' || base_dir.empty()) return file;
  return (std::filesystem::path(base_dir) / file).string();
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The string value of `node[key]`, "" when absent.
std::string Str(const YAML::Node& node, const char* key) {
  YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

// The `inner` map of the entry named `name` in the list `list` (clusters,
// users, contexts); an undefined node when there is none.
YAML::Node FindNamed(const YAML::Node& root, const char* list, const char* inner, const std::string& name) {
  YAML::Node seq = root[list];
  if (seq && seq.IsSequence()) {
    for (const auto& entry : seq) {
      if (entry.IsMap() && Str(entry, "name") == name) {
        YAML::Node v = entry[inner];
        return v ? v : YAML::Node(YAML::NodeType::Map);
      }
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Either inline base64 data (`data_key`) or a file (`file_key`); "" when neither.
StatusOr<std::string> DataOrFile(const YAML::Node& node, const char* data_key, const char* file_key,
                                 const std::string& base_dir, const std::string& where) {
  std::string data = Str(node, data_key);
  if (!data.empty()) {
    auto decoded = DecodeBase64(data);
    if (!decoded.ok()) return Status::BadRequest(where + ": " + data_key + ": " + decoded.status().message());
    return decoded;
  }
  std::string file = Str(node, file_key);
  if (file.empty()) return std::string();
  return ReadFile(Resolve(base_dir, file), where + ": " + file_key);
}

StatusOr<RestConfig> FromNode(const YAML::Node& root, const std::string& base_dir, const std::string& context_arg,
                              const std::string& origin) {
  if (!root.IsMap()) return Status::BadRequest(origin + ": not a kubeconfig (want a YAML map)");
  std::string context = context_arg.empty() ? Str(root, "current-context") : context_arg;
  if (context.empty()) return Status::BadRequest(origin + ": no current-context is set and no context was given");
  YAML::Node ctx = FindNamed(root, "contexts", "context", context);
  if (!ctx) return Status::BadRequest(origin + ": context \"" + context + "\" not found");
  std::string cluster_name = Str(ctx, "cluster");
  std::string user_name = Str(ctx, "user");
  YAML::Node cluster = FindNamed(root, "clusters", "cluster", cluster_name);
  if (!cluster) {
    return Status::BadRequest(origin + ": context \"" + context + "\": cluster \"" + cluster_name + "\" not found");
  }

  RestConfig c;
  std::string ns = Str(ctx, "namespace");
  if (!ns.empty()) c.ns = ns;
  const std::string cwhere = origin + ": cluster \"" + cluster_name + "\"";
  c.server = Str(cluster, "server");
  if (c.server.empty()) return Status::BadRequest(cwhere + ": server is not set");
  if (auto url = ParseServerUrl(c.server); !url.ok()) {
    return Status::BadRequest(cwhere + ": " + url.status().message());
  }
  c.tls_server_name = Str(cluster, "tls-server-name");
  std::string insecure = Str(cluster, "insecure-skip-tls-verify");
  c.insecure_skip_tls_verify = insecure == "true";
  auto ca = DataOrFile(cluster, "certificate-authority-data", "certificate-authority", base_dir, cwhere);
  if (!ca.ok()) return ca.status();
  c.ca_pem = std::move(*ca);

  if (!user_name.empty()) {
    YAML::Node user = FindNamed(root, "users", "user", user_name);
    const std::string uwhere = origin + ": user \"" + user_name + "\"";
    if (!user)
      return Status::BadRequest(origin + ": context \"" + context + "\": user \"" + user_name + "\" not found");
    auto crt = DataOrFile(user, "client-certificate-data", "client-certificate", base_dir, uwhere);
    if (!crt.ok()) return crt.status();
    auto key = DataOrFile(user, "client-key-data", "client-key", base_dir, uwhere);
    if (!key.ok()) return key.status();
    if (crt->empty() != key->empty()) {
      return Status::BadRequest(uwhere + ": a client certificate needs its key and a key its certificate");
    }
    c.client_cert_pem = std::move(*crt);
    c.client_key_pem = std::move(*key);
    c.bearer_token = Trim(Str(user, "token"));
    std::string token_file = Str(user, "tokenFile");
    if (!token_file.empty()) {
      c.bearer_token_file = Resolve(base_dir, token_file);
      auto tok = ReadFile(c.bearer_token_file, uwhere + ": tokenFile");
      if (!tok.ok()) return tok.status();
      if (c.bearer_token.empty()) c.bearer_token = Trim(*tok);
    }
    bool has_credential = !c.client_cert_pem.empty() || !c.bearer_token.empty();
    if (!has_credential && (user["exec"] || user["auth-provider"])) {
      return Status::BadRequest(uwhere + ": exec and auth-provider credentials are not supported");
    }
  }
  return c;
}

int Base64Value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

}  // namespace

StatusOr<std::string> DecodeBase64(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char ch : in) {
    if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
    if (ch == '=') {
      ++padding;
      continue;
    }
    int v = Base64Value(ch);
    if (v < 0 || padding > 0) return Status::BadRequest("invalid base64 data");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2 || bits >= 6) return Status::BadRequest("invalid base64 data");
  return out;
}

StatusOr<ServerUrl> ParseServerUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::BadRequest("server \"" + std::string(url) + "\": only https:// URLs are supported");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  ServerUrl out;
  if (slash != std::string_view::npos) {
    out.base_path = std::string(rest.substr(slash));
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return Status::BadRequest("server \"" + std::string(url) + "\": bad IPv6 host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::BadRequest("server \"" + std::string(url) + "\": bad host");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Status::BadRequest("server \"" + std::string(url) + "\": no host");
  if (!port.empty()) {
    int p = 0;
    for (char ch : port) {
      if (ch < '0' || ch > '9' || p > 65535) return Status::BadRequest("server \"" + std::string(url) + "\": bad port");
      p = p * 10 + (ch - '0');
    }
    if (p <= 0 || p > 65535) return Status::BadRequest("server \"" + std::string(url) + "\": bad port");
    out.port = p;
  }
  return out;
}

StatusOr<RestConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir, const std::string& context,
                                     const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return FromNode(root, base_dir, context, origin);
  } catch (const std::exception& e) {
    return Status::BadRequest(origin + ": " + e.what());
  }
}

StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFile(path, "kubeconfig");
  if (!text.ok()) return text.status();
  std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseKubeconfig(*text, dir, context, "kubeconfig " + path);
}

StatusOr<RestConfig> InClusterConfig(const InClusterOptions& options) {
  std::string host = options.service_host;
  std::string port = options.service_port;
  if (host.empty() && port.empty()) {
    const char* h = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* p = std::getenv("KUBERNETES_SERVICE_PORT");
    host = h ? h : "";
    port = p ? p : "";
  }
  if (host.empty() || port.empty()) {
    return Status::BadRequest(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "defined");
  }
  std::string dir = options.root + kServiceAccountDir;
  RestConfig c;
  c.server = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  if (auto url = ParseServerUrl(c.server); !url.ok())
    return Status::BadRequest("in-cluster: " + url.status().message());
  c.bearer_token_file = dir + "/token";
  auto token = ReadFile(c.bearer_token_file, "in-cluster service-account token");
  if (!token.ok()) return token.status();
  c.bearer_token = Trim(*token);
  if (c.bearer_token.empty())
    return Status::BadRequest("in-cluster service-account token " + c.bearer_token_file + " is empty");
  auto ca = ReadFile(dir + "/ca.crt", "in-cluster CA");
  if (!ca.ok()) return ca.status();
  c.ca_pem = std::move(*ca);
  auto ns = ReadFile(dir + "/namespace", "in-cluster namespace");
  if (ns.ok() && !Trim(*ns).empty()) c.ns = Trim(*ns);
  return c;
}

}  // namespace netkube::client
