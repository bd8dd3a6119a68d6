// The objects the API server benchmark creates, as JSON request bodies.
#pragma once

#include <string>

namespace netkube::bench {

// A ConfigMap named `name` whose data holds about `data_bytes` bytes.
std::string ConfigMapBody(const std::string& name, const std::string& ns, int data_bytes);

// A realistic pod of a Deployment-like app (labels, annotations, one container
// with args, a port, env, resources, a volume mount), bound to `node`
// so that no scheduler acts on it. About 0.9 KB as sent; about 2.5 KB once
// defaulted and given the status from PodStatusPatch.
std::string PodBody(const std::string& name, const std::string& ns, const std::string& node, int i);

// A merge patch for the pod's status subresource: Running, four conditions,
// pod and host IPs, and a running container status, as a kubelet reports.
std::string PodStatusPatch(int i);

}  // namespace netkube::bench
