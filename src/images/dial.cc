#include "images/dial.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "images/http.h"

namespace netkube::images {
namespace {

// strerror as Go prints it ("connection refused").
std::string GoError(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

int TimeoutMs(double seconds) { return seconds <= 0 ? -1 : static_cast<int>(std::ceil(seconds * 1000)); }

struct AddrList {
  addrinfo* head = nullptr;
  ~AddrList() {
    if (head) freeaddrinfo(head);
  }
};

int Resolve(const std::string& host, int port, int socktype, AddrList* out, std::string* message) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int rc = getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &out->head);
  if (rc != 0) {
    *message = "lookup " + h + ": " + (rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc));
    return -1;
  }
  return 0;
}

bool WaitFd(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  while (true) {
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

}  // namespace

const char* DialErrorPrefix(DialError e) {
  switch (e) {
    case DialError::kNone: return "";
    case DialError::kTimeout: return "TIMEOUT";
    case DialError::kDns: return "DNS";
    case DialError::kRefused: return "REFUSED";
    case DialError::kOther: return "OTHER";
    case DialError::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

int DialTcp(const std::string& host, int port, double timeout_seconds, DialError* error, std::string* message) {
  const std::string prefix = "dial tcp " + JoinHostPort(host, port) + ": ";
  AddrList addrs;
  if (Resolve(host, port, SOCK_STREAM, &addrs, message) != 0) {
    *error = DialError::kDns;
    *message = "dial tcp: " + *message;
    return -1;
  }
  *error = DialError::kOther;
  for (addrinfo* ai = addrs.head; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) continue;
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      if (!WaitFd(fd, POLLOUT, TimeoutMs(timeout_seconds))) {
        close(fd);
        *error = DialError::kTimeout;
        *message = prefix + "i/o timeout";
        continue;
      }
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err == 0) {
      int flags = fcntl(fd, F_GETFL);
      fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
      *error = DialError::kNone;
      message->clear();
      return fd;
    }
    close(fd);
    *error = err == ECONNREFUSED ? DialError::kRefused : (err == ETIMEDOUT ? DialError::kTimeout : DialError::kOther);
    *message = prefix + "connect: " + GoError(err);
  }
  if (message->empty()) *message = prefix + "no usable address";
  return -1;
}

StatusOr<std::string> HttpGet(const std::string& host, int port, const std::string& path, double timeout_seconds) {
  DialError err;
  std::string message;
  int fd = DialTcp(host, port, timeout_seconds, &err, &message);
  if (fd < 0) return Status::Unavailable("Get \"http://" + JoinHostPort(host, port) + path + "\": " + message);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + JoinHostPort(host, port) +
                    "\r\nUser-Agent: Go-http-client/1.1\r\nConnection: close\r\n\r\n";
  const int timeout_ms = TimeoutMs(timeout_seconds);
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return Status::Unavailable("write: " + std::string(std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  std::string resp;
  char buf[16384];
  while (true) {
    if (!WaitFd(fd, POLLIN, timeout_ms)) {
      close(fd);
      return Status::Timeout("Get \"http://" + JoinHostPort(host, port) + path +
                             "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto head_end = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
    return Status::Unavailable("malformed HTTP response from " + JoinHostPort(host, port));
  std::string head = resp.substr(0, head_end + 2);
  std::string body = resp.substr(head_end + 4);
  // Re-use the request parser for the headers of the response.
  HttpRequest parsed;
  size_t consumed;
  std::string as_request = "GET / HTTP/1.1" + head.substr(head.find("\r\n")) + "\r\n";
  if (ParseHttpRequest(as_request, &parsed, &consumed) == ParseResult::kComplete) {
    std::string te = parsed.Header("Transfer-Encoding");
    if (te.find("chunked") != std::string::npos) {
      std::string framed = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
      HttpRequest dechunked;
      if (ParseHttpRequest(framed, &dechunked, &consumed) == ParseResult::kComplete) body = dechunked.body;
    } else if (std::string cl = parsed.Header("Content-Length"); !cl.empty()) {
      size_t n = std::strtoul(cl.c_str(), nullptr, 10);
      if (body.size() > n) body.resize(n);
    }
  }
  return body;
}

StatusOr<std::string> UdpRequest(const std::string& host, int port, const std::string& payload, double timeout_seconds) {
  AddrList addrs;
  std::string message;
  if (Resolve(host, port, SOCK_DGRAM, &addrs, &message) != 0) return Status::Unavailable(message);
  addrinfo* ai = addrs.head;
  int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 || send(fd, payload.data(), payload.size(), 0) < 0) {
    int err = errno;
    close(fd);
    return Status::Unavailable("write udp " + JoinHostPort(host, port) + ": " + std::strerror(err));
  }
  char buf[65536];
  if (!WaitFd(fd, POLLIN, TimeoutMs(timeout_seconds))) {
    close(fd);
    return Status::Timeout("read udp " + JoinHostPort(host, port) + ": i/o timeout");
  }
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  int err = errno;
  close(fd);
  if (n < 0) return Status::Unavailable("read udp " + JoinHostPort(host, port) + ": " + std::strerror(err));
  return std::string(buf, static_cast<size_t>(n));
}

DialError UdpProbe(const std::string& host, int port, const std::string& payload, double timeout_seconds,
                   std::string* message) {
  AddrList addrs;
  if (Resolve(host, port, SOCK_DGRAM, &addrs, message) != 0) return DialError::kDns;
  addrinfo* ai = addrs.head;
  int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *message = "dial udp " + JoinHostPort(host, port) + ": socket: " + GoError(errno);
    return DialError::kOther;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    *message = "dial udp " + JoinHostPort(host, port) + ": connect: " + GoError(errno);
    close(fd);
    return DialError::kOther;
  }
  // Go names a connected UDP socket's errors "read udp LOCAL->REMOTE".
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  auto to_string = [](const sockaddr* sa) {
    char ip[INET6_ADDRSTRLEN] = "";
    int p = 0;
    if (sa->sa_family == AF_INET6) {
      auto* in = reinterpret_cast<const sockaddr_in6*>(sa);
      inet_ntop(AF_INET6, &in->sin6_addr, ip, sizeof(ip));
      p = ntohs(in->sin6_port);
    } else {
      auto* in = reinterpret_cast<const sockaddr_in*>(sa);
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
      p = ntohs(in->sin_port);
    }
    return JoinHostPort(ip, p);
  };
  const std::string pair = to_string(reinterpret_cast<sockaddr*>(&local)) + "->" + to_string(ai->ai_addr);
  auto fail = [&](const std::string& op, int err) {
    close(fd);
    *message = op + " udp " + pair + ": " + op + ": " + GoError(err);
    return err == ECONNREFUSED ? DialError::kRefused : DialError::kUnknown;
  };
  std::string line = payload + "\n";
  if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) < 0) return fail("write", errno);
  if (!WaitFd(fd, POLLIN, TimeoutMs(timeout_seconds))) {
    close(fd);
    *message = "read udp " + pair + ": i/o timeout";
    return DialError::kTimeout;
  }
  char buf[1024];
  ssize_t n;
  do {
    n = recv(fd, buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail("read", errno);
  close(fd);
  if (n == 0) {
    *message = "No data received from the server. Cannot guarantee the server received the request.";
    return DialError::kOther;
  }
  message->clear();
  return DialError::kNone;
}

}  // namespace netkube::images
