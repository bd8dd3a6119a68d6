// CNI spec 1.1.0 types: the network configuration list, the runtime
// parameters (CNI_* environment variables), the ADD result, the error result
// and the VERSION result, with their JSON encodings.
//
// Plugin configurations inside a list are kept as JSON text: the runtime must
// pass unknown fields through unchanged, and each plugin parses its own.
//
// Thread-safety: plain values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace netkube::cni {

inline constexpr const char* kSpecVersion = "1.1.0";
// Versions netkube-cni and the invoker speak (results differ only in the
// per-IP "version" field below 1.0.0).
const std::vector<std::string>& SupportedVersions();
// -1, 0, 1 like strcmp, on dotted numeric versions ("0.4.0" < "1.0.0").
int CompareVersions(const std::string& a, const std::string& b);

// Well-known error codes (spec section 5, "Error").
enum ErrorCode : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodingFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kPluginNotAvailable = 50,
  kPluginNotAvailableLimitedConnectivity = 51,
  kInternal = 999,  // netkube's own: anything else (plugin-specific codes are >= 100)
};

struct Error {
  int code = kInternal;
  std::string msg;      // short
  std::string details;  // longer

  // {"cniVersion":..,"code":..,"msg":..,"details":..}
  std::string ToJson(const std::string& cni_version) const;
  static StatusOr<Error> Parse(const std::string& json);
  // Maps a Status onto a CNI error: BadRequest -> 4 (environment),
  // UnsupportedMediaType -> 6 (decoding), Invalid -> 7, Unavailable/Timeout/
  // Conflict -> 11, NotFound -> 3, anything else -> 999.
  static Error FromStatus(const Status& status);
  // The other way, for the invoker: 3 -> NotFound, 1/2/4/6/7 -> Invalid,
  // 11/50/51 -> Unavailable, others -> Internal. Message "plugin: msg: details (code N)".
  Status ToStatus(const std::string& plugin) const;
};

struct Interface {
  std::string name;
  std::string mac;
  std::optional<int> mtu;
  std::string sandbox;  // netns path; empty on the host
  std::string socket_path, pci_id;
  bool operator==(const Interface&) const = default;
};

struct IpConfig {
  std::string address;  // CIDR, "10.244.0.5/24"
  std::string gateway;
  std::optional<int> interface;  // index into Result::interfaces
  bool operator==(const IpConfig&) const = default;
};

struct RouteConfig {
  std::string dst;  // CIDR
  std::string gw;
  std::optional<int> mtu, advmss, priority, table, scope;
  bool operator==(const RouteConfig&) const = default;
};

struct Dns {
  std::vector<std::string> nameservers, search, options;
  std::string domain;
  bool empty() const { return nameservers.empty() && search.empty() && options.empty() && domain.empty(); }
  bool operator==(const Dns&) const = default;
};

struct Result {
  std::string cni_version = kSpecVersion;
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<RouteConfig> routes;
  Dns dns;

  // Encodes for `cni_version` (below 1.0.0, every IP carries "version":"4"|"6").
  std::string ToJson() const;
  static StatusOr<Result> Parse(const std::string& json);
  bool operator==(const Result&) const = default;
};

// A network configuration list (.conflist) or, for compatibility, a single
// network configuration (.conf) read as a list of one plugin.
struct NetworkConfigList {
  std::string cni_version;
  std::vector<std::string> cni_versions;
  std::string name;
  bool disable_check = false;
  bool disable_gc = false;
  std::vector<std::string> plugins;  // each plugin's JSON object, verbatim
  std::vector<std::string> plugin_types;

  static StatusOr<NetworkConfigList> Parse(const std::string& json);
  // The highest of cniVersion/cniVersions this side supports.
  std::string SelectedVersion() const;
};

// One (CNI_CONTAINERID, CNI_IFNAME) attachment; GC's valid-attachments entries.
struct Attachment {
  std::string container_id;
  std::string ifname;
  bool operator==(const Attachment&) const = default;
};

// The protocol parameters of one plugin execution (spec section 2).
struct RuntimeConf {
  std::string command;       // ADD, DEL, CHECK, STATUS, VERSION, GC
  std::string container_id;
  std::string netns;         // path, "/run/netns/NAME"
  std::string ifname;
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS "K=V;K2=V2"
  std::string path;          // CNI_PATH

  // Reads CNI_* through `getenv` and checks that the variables `command`
  // requires are present and well-formed. Error code 4 names the bad variables.
  static StatusOr<RuntimeConf> FromEnv(const std::function<const char*(const char*)>& getenv);
  // The environment assignments ("CNI_COMMAND=ADD", ...) for exec.
  std::vector<std::string> ToEnv() const;
};

// Parses "K=V;K2=V2" (Invalid on a pair without '=').
StatusOr<std::vector<std::pair<std::string, std::string>>> ParseCniArgs(const std::string& text);
// A container ID: alphanumeric first, then alphanumerics, '_', '.', '-'.
bool ValidContainerId(const std::string& id);
// Network names follow the same rule.
inline bool ValidNetworkName(const std::string& name) { return ValidContainerId(name); }

}  // namespace netkube::cni
