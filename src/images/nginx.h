// nginx: the `nginx` image runs Debian's /usr/sbin/nginx with a config of its
// own per container, so many pods can run nginx side by side:
//   DIR = $TMPDIR/netkube-nginx-<pid> (or /tmp/...): nginx.conf, the pid file
//   and the temp paths; error log to stderr, access log to stdout (kubectl
//   logs); listen on :80 and [::]:80 (env NETKUBE_NGINX_PORT changes the port);
//   root /usr/share/nginx/html (else /var/www/html); when /etc/nginx/conf.d
//   holds *.conf files (a ConfigMap mounted there), they replace the default
//   server, as in the upstream image.
// Then it execs `/usr/sbin/nginx -p DIR -c DIR/nginx.conf [-g 'daemon off;'] ARGS`
// (ARGS: the container's arguments after "nginx", e.g. -g 'daemon off;').
// Directories of nginx processes that are gone are removed at start.
#pragma once

#include <string>
#include <vector>

namespace netkube::images {

// The machine's nginx the program execs.
inline constexpr const char* kNginxBinary = "/usr/sbin/nginx";

struct NginxOptions {
  std::string dir;                 // per-container directory
  int port = 80;
  bool ipv6 = true;                // also listen on [::]:port
  std::string root = "/usr/share/nginx/html";
  std::string mime_types = "/etc/nginx/mime.types";  // "" = none
  std::string conf_d;              // include conf_d/*.conf instead of the default server ("" = default server)
};

// nginx.conf for `options`. Pure.
std::string NginxConfig(const NginxOptions& options);

// argv for exec: /usr/sbin/nginx -p DIR -c CONF, then -g 'daemon off;' unless
// `args` has a -g, then `args`; a user -c or -p replaces ours. Pure.
std::vector<std::string> NginxArgv(const std::string& binary, const NginxOptions& options,
                                   const std::vector<std::string>& args);

// `netkube image nginx [ARGS]`: writes the config and execs nginx. Returns
// only on error (the exit code).
int RunNginx(const std::vector<std::string>& args);

}  // namespace netkube::images
