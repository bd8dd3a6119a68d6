#include "images/nginx.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace netkube::images {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNginx = kNginxBinary;

bool HasConfFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".conf") return true;
  }
  return false;
}

bool HasIpv6() {
  std::ifstream in("/proc/net/if_inet6");
  std::string line;
  return static_cast<bool>(std::getline(in, line));
}

// Removes DIR/netkube-nginx-<pid> directories whose process is gone.
void RemoveStaleDirs(const std::string& tmp) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(tmp, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("netkube-nginx-", 0) != 0) continue;
    std::string pid = name.substr(14);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::access(("/proc/" + pid).c_str(), F_OK) == 0) continue;
    fs::remove_all(e.path(), ec);
  }
}

}  // namespace

std::string NginxConfig(const NginxOptions& o) {
  const std::string port = std::to_string(o.port);
  std::string c;
  c += "# Written by netkube for one container; see src/images/nginx.h.\n";
  c += "worker_processes 1;\n";
  c += "pid " + o.dir + "/nginx.pid;\n";
  c += "error_log stderr notice;\n\n";
  c += "events {\n    worker_connections 1024;\n}\n\n";
  c += "http {\n";
  if (!o.mime_types.empty()) c += "    include " + o.mime_types + ";\n";
  c += "    default_type application/octet-stream;\n";
  c += "    log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '\n";
  c += "                    '$status $body_bytes_sent \"$http_referer\" '\n";
  c += "                    '\"$http_user_agent\" \"$http_x_forwarded_for\"';\n";
  c += "    access_log /dev/stdout main;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    c += std::string("    ") + t + "_temp_path " + o.dir + "/" + t + ";\n";
  }
  c += "    sendfile on;\n";
  c += "    keepalive_timeout 65;\n\n";
  if (!o.conf_d.empty()) {
    c += "    include " + o.conf_d + "/*.conf;\n";
  } else {
    c += "    server {\n";
    c += "        listen " + port + ";\n";
    if (o.ipv6) c += "        listen [::]:" + port + ";\n";
    c += "        server_name localhost;\n";
    c += "        location / {\n";
    c += "            root " + o.root + ";\n";
    c += "            index index.html index.htm index.nginx-debian.html;\n";
    c += "        }\n";
    c += "        error_page 500 502 503 504 /50x.html;\n";
    c += "    }\n";
  }
  c += "}\n";
  return c;
}

std::vector<std::string> NginxArgv(const std::string& binary, const NginxOptions& o,
                                   const std::vector<std::string>& args) {
  bool has_g = false, has_c = false, has_p = false;
  for (const auto& a : args) {
    has_g |= a == "-g";
    has_c |= a == "-c";
    has_p |= a == "-p";
  }
  std::vector<std::string> argv = {binary};
  if (!has_p) argv.insert(argv.end(), {"-p", o.dir});
  if (!has_c) argv.insert(argv.end(), {"-c", o.dir + "/nginx.conf"});
  if (!has_g) argv.insert(argv.end(), {"-g", "daemon off;"});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

int RunNginx(const std::vector<std::string>& args) {
  if (::access(kNginx, X_OK) != 0) {
    std::fprintf(stderr, "nginx: %s is not installed on this machine (apt-get install nginx)\n", kNginx);
    return 127;
  }
  const char* tmpdir = std::getenv("TMPDIR");
  std::string tmp = tmpdir && *tmpdir ? tmpdir : "/tmp";
  RemoveStaleDirs(tmp);

  NginxOptions o;
  o.dir = tmp + "/netkube-nginx-" + std::to_string(getpid());
  if (const char* p = std::getenv("NETKUBE_NGINX_PORT"); p && *p) {
    o.port = std::atoi(p);
    if (o.port <= 0 || o.port > 65535) {
      std::fprintf(stderr, "nginx: invalid NETKUBE_NGINX_PORT \"%s\"\n", p);
      return 2;
    }
  }
  o.ipv6 = HasIpv6();
  if (::access(o.root.c_str(), F_OK) != 0) o.root = "/var/www/html";
  if (::access(o.mime_types.c_str(), R_OK) != 0) o.mime_types.clear();
  if (HasConfFiles("/etc/nginx/conf.d")) o.conf_d = "/etc/nginx/conf.d";

  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) {
    std::fprintf(stderr, "nginx: mkdir %s: %s\n", o.dir.c_str(), ec.message().c_str());
    return 1;
  }
  ::chmod(o.dir.c_str(), 0755);
  {
    std::ofstream out(o.dir + "/nginx.conf");
    out << NginxConfig(o);
    if (!out) {
      std::fprintf(stderr, "nginx: cannot write %s/nginx.conf\n", o.dir.c_str());
      return 1;
    }
  }
  std::vector<std::string> argv = NginxArgv(kNginx, o, args);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::fflush(nullptr);
  ::execv(kNginx, cargv.data());
  std::fprintf(stderr, "nginx: exec %s: %s\n", kNginx, std::strerror(errno));
  return 127;
}

}  // namespace netkube::images
