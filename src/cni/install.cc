#include "cni/install.h"

#include "util/file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "netlink/ip.h"

namespace netkube::cni {
namespace {

using nlohmann::json;

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) return v.substr(1, v.size() - 2);
  return v;
}

bool ValidCidr(const std::string& cidr) { return netlink::Ipv4Prefix::Parse(cidr).ok(); }

// Writes `content` to `path` through a temporary file in the same directory
// and rename(2), unless the file already has exactly that content.
Status WriteAtomically(const std::string& path, std::string_view content, mode_t mode) {
  auto old = ReadFileToString(path);
  struct stat st;
  if (old.ok() && *old == content && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 07777) == mode) {
    return Status::OK();
  }
  return WriteFileAtomic(path, content, static_cast<int>(mode), /*sync=*/true);
}

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  auto slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

void Log(const std::string& msg) {
  char ts[32];
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::fprintf(stderr, "%s cni-install: %s\n", ts, msg.c_str());
}

}  // namespace

StatusOr<SubnetEnv> ParseSubnetEnv(std::string_view text) {
  SubnetEnv env;
  std::stringstream ss{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(ss, line)) {
    ++n;
    std::string t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (t.rfind("export ", 0) == 0) t = Trim(t.substr(7));
    auto eq = t.find('=');
    if (eq == std::string::npos) return Status::Invalid("subnet.env:" + std::to_string(n) + ": not NAME=value");
    std::string key = Trim(t.substr(0, eq));
    std::string value = Unquote(Trim(t.substr(eq + 1)));
    auto bad = [&](const std::string& what) {
      return Status::Invalid("subnet.env:" + std::to_string(n) + ": " + key + ": " + what + " \"" + value + "\"");
    };
    if (key == "NETKUBE_NETWORK") {
      if (!ValidCidr(value)) return bad("invalid CIDR");
      env.network = value;
    } else if (key == "NETKUBE_SUBNET") {
      if (!ValidCidr(value)) return bad("invalid CIDR");
      env.subnet = value;
    } else if (key == "NETKUBE_MTU") {
      char* end = nullptr;
      long mtu = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || mtu < 576 || mtu > 65535) return bad("invalid MTU");
      env.mtu = static_cast<int>(mtu);
    } else if (key == "NETKUBE_NODE_IP") {
      env.node_ip = value;
    } else if (key == "NETKUBE_CNI_DATA_DIR") {
      if (value.empty() || value.front() != '/') return bad("must be an absolute path");
      env.cni_data_dir = value;
    }
  }
  if (env.subnet.empty()) return Status::Invalid("subnet.env: NETKUBE_SUBNET is missing");
  return env;
}

StatusOr<std::string> BuildConflist(const InstallOptions& options, const SubnetEnv& subnet) {
  if (options.mode != "bridge" && options.mode != "routed")
    return Status::Invalid("--mode: must be \"bridge\" or \"routed\", not \"" + options.mode + "\"");
  json list = json::object();
  list["name"] = options.network_name;
  json plugins = json::array();
  if (options.plugin == "netkube") {
    list["cniVersion"] = "1.1.0";
    // portMappings: the runtime passes the pods' hostPorts in runtimeConfig
    // and netkube-cni programs them itself (hostport.h), so no portmap.
    json p = {{"type", "netkube-cni"},
              {"mode", options.mode},
              {"mtu", subnet.mtu},
              {"capabilities", {{"portMappings", true}}}};
    if (options.mode == "bridge") {
      p["bridge"] = "cni0";
      p["hairpinMode"] = true;
    }
    json ipam = {{"subnet", subnet.subnet}};
    if (!subnet.cni_data_dir.empty()) ipam["dataDir"] = subnet.cni_data_dir;
    p["ipam"] = ipam;
    plugins.push_back(p);
  } else if (options.plugin == "reference") {
    if (options.mode != "bridge") return Status::Invalid("--plugin reference supports only --mode bridge");
    list["cniVersion"] = "1.0.0";
    json ipam = {{"type", "host-local"},
                 {"ranges", json::array({json::array({json{{"subnet", subnet.subnet}}})})},
                 {"routes", json::array({json{{"dst", "0.0.0.0/0"}}})}};
    if (!subnet.cni_data_dir.empty()) ipam["dataDir"] = subnet.cni_data_dir;
    plugins.push_back(json{{"type", "bridge"},
                           {"bridge", "cni0"},
                           {"isGateway", true},
                           {"hairpinMode", true},
                           {"ipMasq", false},
                           {"mtu", subnet.mtu},
                           {"ipam", ipam}});
    plugins.push_back(json{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}});
  } else {
    return Status::Invalid("--plugin: must be \"netkube\" or \"reference\", not \"" + options.plugin + "\"");
  }
  list["plugins"] = plugins;
  return list.dump(2) + "\n";
}

Status InstallOnce(const InstallOptions& options) {
  auto text = ReadFileToString(options.subnet_file);
  if (!text.ok()) return Status::Unavailable("waiting for " + options.subnet_file + " (written by the node agent)");
  auto subnet = ParseSubnetEnv(*text);
  if (!subnet.ok()) return Status::Invalid(options.subnet_file + ": " + subnet.status().message());
  auto conflist = BuildConflist(options, *subnet);
  if (!conflist.ok()) return conflist.status();

  if (options.plugin == "netkube") {
    std::string source = options.plugin_source.empty() ? SelfDir() + "/netkube-cni" : options.plugin_source;
    auto binary = ReadFileToString(source);
    if (!binary.ok()) return Status::NotFound("netkube-cni not found at " + source + " (build it beside netkube)");
    if (Status s = MakeDirs(options.bin_dir); !s.ok()) return s;
    if (Status s = WriteAtomically(options.bin_dir + "/netkube-cni", *binary, 0755); !s.ok()) return s;
  }
  if (Status s = MakeDirs(options.conf_dir); !s.ok()) return s;
  return WriteAtomically(options.conf_dir + "/" + options.conf_name, *conflist, 0644);
}

int RunCniInstall(const std::vector<std::string>& args) {
  InstallOptions o;
  bool once = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    auto next = [&](std::string* out) {
      if (has_value) {
        *out = value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--plugin") {
      ok = next(&o.plugin);
    } else if (a == "--mode") {
      ok = next(&o.mode);
    } else if (a == "--conf-dir") {
      ok = next(&o.conf_dir);
    } else if (a == "--conf-name") {
      ok = next(&o.conf_name);
    } else if (a == "--bin-dir") {
      ok = next(&o.bin_dir);
    } else if (a == "--subnet-file") {
      ok = next(&o.subnet_file);
    } else if (a == "--plugin-source") {
      ok = next(&o.plugin_source);
    } else if (a == "--name") {
      ok = next(&o.network_name);
    } else if (a == "--once") {
      once = true;
    } else if (a == "-h" || a == "--help") {
      std::printf(
          "usage: cni-install [--plugin netkube|reference] [--mode bridge|routed] [--conf-dir DIR]\n"
          "                   [--bin-dir DIR] [--subnet-file FILE] [--name NETWORK] [--once]\n");
      return 0;
    } else {
      std::fprintf(stderr, "cni-install: unknown argument \"%s\"\n", args[i].c_str());
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "cni-install: %s needs a value\n", a.c_str());
      return 2;
    }
  }
  if (auto check = BuildConflist(o, SubnetEnv{.subnet = "10.0.0.0/24"}); !check.ok()) {
    std::fprintf(stderr, "cni-install: %s\n", check.status().message().c_str());
    return 2;
  }

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  std::string last;
  bool installed = false;
  while (true) {
    Status s = InstallOnce(o);
    std::string msg = s.ok() ? "" : s.message();
    if (s.ok() && !installed) {
      Log("installed " + o.conf_dir + "/" + o.conf_name + " (plugin " + o.plugin + ", mode " + o.mode + ")");
      installed = true;
    } else if (!s.ok() && msg != last) {
      Log(msg);
    }
    last = msg;
    if (once) return s.ok() ? 0 : 1;
    // Poll fast while waiting for the agent, slowly once installed.
    int seconds = s.ok() ? o.resync_seconds : 1;
    timespec ts{seconds, 0};
    int sig = sigtimedwait(&stop, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      Log("stopping; the CNI configuration stays in place");
      return 0;
    }
  }
}

}  // namespace netkube::cni
