// netkube-cni: the CNI plugin binary. Reads CNI_* from the environment and
// the network configuration from stdin, runs the command (cni/plugin.h), and
// prints the result, or an error object, on stdout (spec section 2).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "cni/plugin.h"
#include "cni/plugin_config.h"
#include "cni/types.h"

namespace netkube::cni {
namespace {

int Fail(const Error& e, const std::string& version) {
  std::cout << e.ToJson(version) << "\n";
  std::cerr << "netkube-cni: " << e.msg << (e.details.empty() ? "" : ": " + e.details) << "\n";
  return 1;
}

bool Supported(const std::string& version) {
  for (const auto& v : SupportedVersions()) {
    if (v == version) return true;
  }
  return false;
}

int Main() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  const char* command = std::getenv("CNI_COMMAND");
  if (command != nullptr && std::string(command) == "VERSION") {
    nlohmann::json in = nlohmann::json::parse(input, nullptr, false);
    std::string version = kSpecVersion;
    if (in.is_object() && in.contains("cniVersion") && in["cniVersion"].is_string()) {
      version = in["cniVersion"].get<std::string>();
    }
    std::cout << nlohmann::json{{"cniVersion", version}, {"supportedVersions", SupportedVersions()}}.dump() << "\n";
    return 0;
  }
  auto rc = RuntimeConf::FromEnv([](const char* k) { return std::getenv(k); });
  if (!rc.ok()) return Fail(Error::FromStatus(rc.status()), kSpecVersion);
  auto config = PluginConfig::Parse(input);
  if (!config.ok()) return Fail(Error::FromStatus(config.status()), kSpecVersion);
  const std::string& version = config->cni_version;
  if (!Supported(version)) {
    return Fail({kIncompatibleVersion, "incompatible CNI versions", "config is \"" + version + "\""}, kSpecVersion);
  }
  const std::string& c = rc->command;
  if (c == "ADD") {
    auto result = CmdAdd(*rc, *config);
    if (!result.ok()) return Fail(Error::FromStatus(result.status()), version);
    std::cout << result->ToJson() << "\n";
    return 0;
  }
  Status s;
  if (c == "DEL") {
    s = CmdDel(*rc, *config);
  } else if (c == "CHECK") {
    s = CmdCheck(*rc, *config);
  } else if (c == "STATUS") {
    s = CmdStatus(*config);
    if (!s.ok()) return Fail({kPluginNotAvailable, "plugin not available", s.message()}, version);
  } else if (c == "GC") {
    s = CmdGc(*config);
  }
  if (!s.ok()) return Fail(Error::FromStatus(s), version);
  return 0;
}

}  // namespace
}  // namespace netkube::cni

// NETKUBE_CNI_TIMING=1 prints the time spent inside the plugin (from main to
// exit, so without process start-up) on stderr, for bench/cni_bench.sh.
int main() {
  auto start = std::chrono::steady_clock::now();
  int rc = netkube::cni::Main();
  if (const char* t = std::getenv("NETKUBE_CNI_TIMING"); t != nullptr && t[0] == '1') {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    std::cerr << "netkube-cni-timing-us " << us.count() << "\n";
  }
  return rc;
}
