// agnhost connect: one TCP connection attempt or one UDP request, the failure
// classified on stderr as upstream prints it: TCP "TIMEOUT" / "REFUSED" alone,
// "DNS: ..." / "OTHER: ..."; UDP "TIMEOUT: ..." / "REFUSED: ..." / "UNKNOWN:
// ..." / "OTHER: ..." (with Go's error text). Exit code 1 on any failure.
#include <unistd.h>

#include <cstdio>

#include "images/agnhost_internal.h"
#include "images/dial.h"
#include "images/flags.h"

namespace netkube::images {

int RunConnect(const std::vector<std::string>& args) {
  double timeout = 0;
  std::string protocol = "tcp", udp_data = "hostname", sctp_data = "hostname";
  FlagSet f;
  f.Duration("timeout", &timeout);
  f.String("protocol", &protocol);
  f.String("udp-data", &udp_data);
  f.String("sctp-data", &sctp_data);
  auto pos = f.Parse(args);
  if (!pos.ok()) {
    std::fprintf(stderr, "UNKNOWN: %s\n", pos.status().message().c_str());
    return 1;
  }
  if (pos->size() != 1) {
    std::fprintf(stderr, "UNKNOWN: usage: connect [--timeout=<duration>] [--protocol=<protocol>] <host>:<port>\n");
    return 1;
  }
  if (protocol == "sctp") {
    std::fprintf(stderr, "UNKNOWN: protocol sctp is not supported by netkube's agnhost\n");
    return 1;
  }
  if (protocol != "tcp" && protocol != "udp" && !protocol.empty()) {
    std::fprintf(stderr, "Unsupported protocol\n%s", protocol.c_str());  // upstream's Fprint, verbatim
    return 1;
  }
  const std::string& dest = (*pos)[0];
  auto colon = dest.rfind(':');
  if (colon == std::string::npos || colon + 1 == dest.size()) {
    std::fprintf(stderr, "UNKNOWN: address %s: missing port in address\n", dest.c_str());
    return 1;
  }
  std::string host = dest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(dest.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) {
    std::fprintf(stderr, "UNKNOWN: address %s: invalid port\n", dest.c_str());
    return 1;
  }
  DialError error;
  std::string message;
  if (protocol == "udp") {
    error = UdpProbe(host, static_cast<int>(port), udp_data, timeout, &message);
    if (error == DialError::kNone) return 0;
    std::fprintf(stderr, "%s: %s\n", DialErrorPrefix(error), message.c_str());
    return 1;
  }
  int fd = DialTcp(host, static_cast<int>(port), timeout, &error, &message);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  if (error == DialError::kTimeout || error == DialError::kRefused) {
    std::fprintf(stderr, "%s\n", DialErrorPrefix(error));
  } else {
    std::fprintf(stderr, "%s: %s\n", DialErrorPrefix(error), message.c_str());
  }
  return 1;
}

}  // namespace netkube::images
