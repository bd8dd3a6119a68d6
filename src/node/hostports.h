// A pod's hostPorts as CNI portMappings, as kubelet hands them to the
// runtime and containerd's CRI passes them to CNI: one entry per container
// port with a hostPort of the pod's containers (not init containers, which
// kubelet leaves out), protocol lower-cased (default "tcp"), hostIP only when
// set. hostNetwork pods get none: their processes bind the node's ports
// themselves. Exact duplicates are dropped.
//
// Pure; thread-safe.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "cni/port_mapping.h"

namespace netkube::node {

std::vector<cni::PortMapping> PodPortMappings(const nlohmann::json& pod);

}  // namespace netkube::node
