// Kubeconfig: where the API server is and how to prove who we are, read from a
// kubeconfig file (as kubectl reads ~/.kube/config) or from the service-account
// files a pod sees (in-cluster config).
//
// The result, a RestConfig, holds everything inline (PEM bytes, not paths),
// except a bearer token file, which the HTTPS client re-reads periodically
// because projected service-account tokens rotate.
//
// Errors are Statuses whose message names the file and the entry at fault:
// NotFound for a missing file, BadRequest for content that cannot be used.
//
// Thread-safety: plain functions over plain values.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace netkube::client {

struct RestConfig {
  std::string server;  // "https://127.0.0.1:6443" (https only)
  std::string ca_pem;  // PEM CA bundle; "" = the system's roots
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;    // name to verify instead of the server's host ("" = host)
  std::string client_cert_pem;    // client certificate chain (PEM), "" = none
  std::string client_key_pem;     // its private key (PEM)
  std::string bearer_token;       // "" = none
  std::string bearer_token_file;  // re-read periodically; when readable it wins over bearer_token
  std::string ns = "default";     // the context's namespace
};

// The parts of an https:// URL the client needs.
struct ServerUrl {
  std::string host;  // "127.0.0.1", "::1" (no brackets), "kubernetes.default.svc"
  int port = 443;
  std::string base_path;  // "" or a prefix such as "/k8s" (no trailing slash)
};
StatusOr<ServerUrl> ParseServerUrl(std::string_view url);

// Loads `path`; `context` "" means the file's current-context. Relative file
// names inside it are taken relative to the file's directory, as kubectl does.
StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

// Parses kubeconfig YAML text; `base_dir` resolves relative file names and
// `origin` names the source in error messages.
StatusOr<RestConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir, const std::string& context,
                                     const std::string& origin = "kubeconfig");

struct InClusterOptions {
  // Prefix of /var/run/secrets/kubernetes.io/serviceaccount/ (tests point it
  // at a temporary directory). Default: "" (the real path).
  std::string root;
  // The API server address. Default: "" = $KUBERNETES_SERVICE_HOST and
  // $KUBERNETES_SERVICE_PORT.
  std::string service_host;
  std::string service_port;
};

// The config of a process running in a pod: server from the service env vars,
// token (as a token file, so rotation is seen), ca.crt and namespace from the
// service-account directory. Missing env vars, token or CA are errors; a
// missing namespace file means "default".
StatusOr<RestConfig> InClusterConfig(const InClusterOptions& options = {});

// Decodes standard base64, ignoring whitespace. BadRequest on bad input.
StatusOr<std::string> DecodeBase64(std::string_view in);

}  // namespace netkube::client
