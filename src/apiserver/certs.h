// Certificates: the cluster CA, the API server's serving certificate and client
// certificates, made with OpenSSL, and the kubeconfig that uses them.
//
// Files under the data dir (created once, reused on restart):
//   pki/ca.crt, pki/ca.key                 cluster CA (RSA 2048 / ECDSA P-256, 10 years)
//   pki/apiserver.crt, pki/apiserver.key   serving cert; SANs: 127.0.0.1, localhost,
//                                          kubernetes, kubernetes.default,
//                                          kubernetes.default.svc,
//                                          kubernetes.default.svc.cluster.local, the
//                                          kubernetes service IP, every listen address
//   pki/admin.crt, pki/admin.key           CN=kubernetes-admin, O=system:masters
//   pki/sa.key                             key that signs service-account tokens
//   admin.kubeconfig                       cluster/user/context "netkube"
// The serving cert is re-issued when a needed SAN is missing.
//
// Thread-safety: functions touch only the files they are given.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace netkube::apiserver {

struct PkiOptions {
  std::string dir;                  // the data dir
  std::vector<std::string> ip_sans; // extra IP SANs (service IP, listen addresses)
  std::vector<std::string> dns_sans;
};

struct PkiPaths {
  std::string ca_crt, ca_key, server_crt, server_key, admin_crt, admin_key, sa_key;
};

// Creates whatever is missing; returns the paths.
StatusOr<PkiPaths> EnsurePki(const PkiOptions& options);

// Issues a client certificate signed by the CA (for node agents and tests).
Status IssueClientCert(const PkiPaths& pki, const std::string& common_name,
                       const std::vector<std::string>& organizations, const std::string& crt_out,
                       const std::string& key_out);

// Writes a kubeconfig with embedded certificate data, cluster/context/user
// named `name`, pointing at `server` ("https://127.0.0.1:6443").
Status WriteKubeconfig(const std::string& path, const std::string& name, const std::string& server,
                       const PkiPaths& pki, const std::string& client_crt, const std::string& client_key);

}  // namespace netkube::apiserver
