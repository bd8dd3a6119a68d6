// Outgoing connections for agnhost's connect and netexec /dial: TCP connect
// with a timeout and a classified error, a minimal HTTP GET, a UDP
// request/response. Blocking; each call uses its own socket.
//
// Thread-safety: functions may be called from several threads at once.
#pragma once

#include <string>

#include "util/status.h"

namespace netkube::images {

// How a connection attempt failed, in agnhost connect's words.
enum class DialError { kNone, kTimeout, kDns, kRefused, kOther, kUnknown };

// "UNKNOWN", "TIMEOUT", "DNS", "REFUSED", "OTHER" ("" for kNone).
const char* DialErrorPrefix(DialError e);

// Connects to host:port over TCP. timeout_seconds <= 0 means the kernel's
// default. On success returns the connected fd (caller closes it); on failure
// -1 with *error set and *message like Go's ("dial tcp 10.0.0.1:80: connect:
// connection refused").
int DialTcp(const std::string& host, int port, double timeout_seconds, DialError* error, std::string* message);

// GET http://host:port/path and returns the response body (any status).
StatusOr<std::string> HttpGet(const std::string& host, int port, const std::string& path, double timeout_seconds);

// Sends `payload` in one datagram to host:port and returns the first reply.
StatusOr<std::string> UdpRequest(const std::string& host, int port, const std::string& payload, double timeout_seconds);

// agnhost connect --protocol=udp: sends `payload` + "\n" to host:port and
// waits for any reply. kNone on a non-empty reply; otherwise *message is the
// whole stderr line after the prefix, as upstream prints it: kDns ("lookup
// ..."), kTimeout ("read udp LOCAL->REMOTE: i/o timeout"), kRefused ("read udp
// LOCAL->REMOTE: read: connection refused", an ICMP port unreachable), kUnknown
// (other read/write errors), kOther (an empty reply, socket errors). timeout_seconds <= 0 waits forever.
DialError UdpProbe(const std::string& host, int port, const std::string& payload, double timeout_seconds,
                   std::string* message);

// "host:port", with brackets for IPv6 literals.
std::string JoinHostPort(const std::string& host, int port);

}  // namespace netkube::images
