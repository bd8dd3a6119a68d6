// The CNI `portMappings` capability (CNI conventions, "Port forwarding"):
// what a runtime passes in runtimeConfig.portMappings to a plugin that
// declares "capabilities": {"portMappings": true}, one entry per container
// port with a hostPort:
//
//   {"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": "172.18.0.2"}
//
// "protocol" is lower case ("tcp", "udp", "sctp"; default "tcp"), "hostIP" is
// present only when set. Used on both sides: the node agent builds the
// capability arguments, netkube-cni parses them.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace netkube::cni {

struct PortMapping {
  int host_port = 0;       // 1..65535
  int container_port = 0;  // 1..65535
  std::string protocol = "tcp";
  std::string host_ip;  // "" = every address of the node
  bool operator==(const PortMapping&) const = default;
};

// Parses a portMappings JSON array. Protocols are lower-cased; an entry with
// a port out of range or an unknown protocol is Invalid, naming the entry.
StatusOr<std::vector<PortMapping>> ParsePortMappings(const std::string& json_array);

// The JSON array, in the form above.
std::string PortMappingsToJson(const std::vector<PortMapping>& mappings);

// The runtime's capability arguments for these mappings,
// {"portMappings":[...]}, or "" when there are none (AttachmentParams).
std::string PortMappingsCapabilityArgs(const std::vector<PortMapping>& mappings);

}  // namespace netkube::cni
