// PluginConfig: the configuration netkube-cni reads on stdin (one plugin
// object of a network configuration list, with name, cniVersion and, as the
// runtime derives them, prevResult or cni.dev/valid-attachments).
//
//   {
//     "cniVersion": "1.1.0", "name": "netkube", "type": "netkube-cni",
//     "mode": "bridge",            // or "routed" (/32 pods, proxy ARP, host routes)
//     "bridge": "cni0",            // bridge mode: the node bridge
//     "bridgeMac": "0a:58:0a:f4:00:01",  // default: derived from the gateway
//     "hairpinMode": true,         // default true (Services reaching themselves)
//     "mtu": 1500,
//     "ipam": {                    // netkube-cni's own host-local IPAM
//       "subnet": "10.244.0.0/24", // or "podCIDR"; also accepted at top level
//       "gateway": "10.244.0.1",   // default: the first address
//       "rangeStart": "...", "rangeEnd": "...",
//       "dataDir": "/var/lib/netkube/cni/networks"  // state lives in dataDir/NAME
//     },
//     "dns": {"nameservers": [...], "search": [...], "options": [...]},
//     "capabilities": {"portMappings": true}  // the runtime then passes:
//     "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80,
//                                         "protocol": "tcp", "hostIP": "..."}]}
//   }
//
// In routed mode the pod gets ADDR/32 with gateway 169.254.1.1 reached
// on-link; the subnet still bounds the allocation.
//
// Thread-safety: a plain value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/ipam.h"
#include "cni/port_mapping.h"
#include "cni/types.h"
#include "netlink/ip.h"
#include "util/status.h"

namespace netkube::cni {

inline constexpr const char* kDefaultDataDir = "/var/lib/netkube/cni/networks";
inline constexpr const char* kRoutedGateway = "169.254.1.1";

struct PluginConfig {
  enum class Mode { kBridge, kRouted };

  std::string cni_version;
  std::string name;
  std::string type;
  Mode mode = Mode::kBridge;
  std::string bridge = "cni0";
  netlink::Mac bridge_mac;
  bool hairpin = true;
  int mtu = 1500;
  IpamRange range;
  std::string data_dir = kDefaultDataDir;
  Dns dns;
  std::optional<Result> prev_result;
  std::optional<std::vector<Attachment>> valid_attachments;  // GC only
  std::vector<PortMapping> port_mappings;  // runtimeConfig.portMappings (ADD, CHECK)

  // Invalid (or UnsupportedMediaType for malformed JSON) with the field named.
  static StatusOr<PluginConfig> Parse(const std::string& json);
  // dataDir/NAME.
  std::string IpamDir() const { return data_dir + "/" + name; }
  // dataDir/NAME/hostports: the hostPort records (hostport.h).
  std::string HostportDir() const { return IpamDir() + "/hostports"; }
};

}  // namespace netkube::cni
