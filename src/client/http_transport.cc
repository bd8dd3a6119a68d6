#include "client/http_transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <mutex>
#include <vector>

namespace netkube::client {

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxErrorBody = 1 << 20;

bool IsIpAddress(const std::string& s) {
  error_code ec;
  asio::ip::make_address(s, ec);
  return !ec;
}

// Drains OpenSSL's error queue into one line.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

// "end of stream", "Connection refused", "timeout" ... for messages.
Status IoError(const std::string& what, const error_code& ec) {
  if (ec == beast::error::timeout) return Status::Timeout(what + ": timed out");
  if (ec == asio::error::operation_aborted) return Status::Unavailable(what + ": cancelled");
  return Status::Unavailable(what + ": " + ec.message());
}

// A connection that was reused may have been closed by the server while idle.
bool IsClosedByPeer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

http::request<http::string_body> BuildRequest(const HttpRequest& r, const std::string& host_header) {
  http::request<http::string_body> req;
  http::verb verb = http::string_to_verb(r.method);
  if (verb == http::verb::unknown) {
    req.method_string(r.method);
  } else {
    req.method(verb);
  }
  req.target(r.target);
  req.version(11);
  req.set(http::field::host, host_header);
  req.set(http::field::user_agent, "netkube");
  req.set(http::field::accept, "application/json");
  for (const auto& [name, value] : r.headers) req.set(name, value);
  if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
  req.body() = r.body;
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

// One TLS connection with an io_context of its own. Operations are started
// asynchronously and then run to completion on the calling thread, so that
// each can have a deadline and Cancel() can stop one from another thread.
class Connection {
 public:
  explicit Connection(ssl::context& ctx) : stream_(ioc_, ctx) {}

  Status Connect(const TransportOptions& o, const std::string& authority) {
    std::vector<tcp::endpoint> endpoints;
    error_code parse_ec;
    asio::ip::address ip_host = asio::ip::make_address(o.host, parse_ec);
    if (!parse_ec) {
      endpoints.emplace_back(ip_host, static_cast<unsigned short>(o.port));
    } else if (Status s = Resolve(o, &endpoints); !s.ok()) {
      return s;
    }
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_after(o.connect_timeout);
    lowest.async_connect(endpoints, [this](const error_code& ec, const tcp::endpoint&) { ec_ = ec; });
    if (error_code ec = Wait()) return IoError("connecting to " + authority, ec);
    error_code ignored;
    lowest.socket().set_option(tcp::no_delay(true), ignored);
    lowest.socket().set_option(asio::socket_base::keep_alive(true), ignored);
    int idle = 30;
    ::setsockopt(lowest.socket().native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));

    SSL* ssl = stream_.native_handle();
    const std::string& name = o.tls_server_name.empty() ? o.host : o.tls_server_name;
    bool ip = IsIpAddress(name);
    if (!ip) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!o.insecure_skip_tls_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                  : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      if (ok != 1) return Status::BadRequest("cannot verify TLS server name \"" + name + "\": " + OpenSslErrors());
    }
    stream_.async_handshake(ssl::stream_base::client, [this](const error_code& ec) { ec_ = ec; });
    if (error_code ec = Wait()) {
      long verify = SSL_get_verify_result(ssl);
      std::string what = "TLS handshake with " + authority;
      if (verify != X509_V_OK) {
        return Status::Unavailable(what + ": certificate verify failed: " + X509_verify_cert_error_string(verify) +
                                   " (server name \"" + name + "\")");
      }
      ERR_clear_error();
      return IoError(what, ec);
    }
    lowest.expires_never();
    return Status::OK();
  }

  // Resolves a host name (IP literals need no resolver, whose thread this spares).
  Status Resolve(const TransportOptions& o, std::vector<tcp::endpoint>* out) {
    tcp::resolver resolver(ioc_);
    bool resolved = false;
    resolver.async_resolve(o.host, std::to_string(o.port),
                           [&](const error_code& ec, const tcp::resolver::results_type& results) {
                             ec_ = ec;
                             for (const auto& r : results) out->push_back(r.endpoint());
                             resolved = true;
                           });
    ioc_.restart();
    ioc_.run_for(o.connect_timeout);
    if (!resolved) {
      resolver.cancel();
      ioc_.restart();
      ioc_.run();
      return Status::Timeout("resolving " + o.host + ": timed out");
    }
    if (ec_) return Status::Unavailable("resolving " + o.host + ": " + ec_.message());
    if (out->empty()) return Status::Unavailable("resolving " + o.host + ": no addresses");
    return Status::OK();
  }

  // Writes `req` and reads the whole response into `parser`. Returns the I/O
  // error, if any.
  error_code Exchange(const http::request<http::string_body>& req, http::response_parser<http::string_body>& parser,
                      std::chrono::milliseconds timeout) {
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_after(timeout);
    http::async_write(stream_, req, [this](const error_code& ec, size_t) { ec_ = ec; });
    if (error_code ec = Wait()) return ec;
    http::async_read(stream_, buffer_, parser, [this](const error_code& ec, size_t) { ec_ = ec; });
    error_code ec = Wait();
    lowest.expires_never();
    return ec;
  }

  // Writes `req` and reads the response header into stream_parser_.
  error_code StartStream(const http::request<http::string_body>& req, std::chrono::milliseconds timeout) {
    stream_parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_after(timeout);
    http::async_write(stream_, req, [this](const error_code& ec, size_t) { ec_ = ec; });
    if (error_code ec = Wait()) return ec;
    http::async_read_header(stream_, buffer_, stream_parser_, [this](const error_code& ec, size_t) { ec_ = ec; });
    error_code ec = Wait();
    lowest.expires_never();
    return ec;
  }

  // Reads the next piece of a streamed body (see ResponseStream::Read).
  error_code ReadSome(std::string* out, bool* done, std::chrono::milliseconds timeout) {
    auto& lowest = beast::get_lowest_layer(stream_);
    char buf[16384];
    while (!stream_parser_.is_done()) {
      stream_parser_.get().body().data = buf;
      stream_parser_.get().body().size = sizeof(buf);
      lowest.expires_after(timeout);
      http::async_read_some(stream_, buffer_, stream_parser_, [this](const error_code& ec, size_t) { ec_ = ec; });
      error_code ec = Wait();
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return ec;
      size_t n = sizeof(buf) - stream_parser_.get().body().size;
      if (n > 0) {
        out->append(buf, n);
        break;
      }
    }
    *done = stream_parser_.is_done();
    return {};
  }

  const http::response_parser<http::buffer_body>& stream_parser() const { return stream_parser_; }

  // Thread-safe: stops the operation running now and every later one.
  void Cancel() {
    cancelled_.store(true);
    ioc_.stop();
  }

 private:
  // Runs the io_context until the operation started before completes.
  error_code Wait() {
    ioc_.restart();
    if (cancelled_.load()) return asio::error::operation_aborted;
    ioc_.run();
    if (cancelled_.load()) return asio::error::operation_aborted;
    return ec_;
  }

  asio::io_context ioc_;  // declared first: destroyed after the stream
  ssl::stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> stream_parser_;
  error_code ec_;
  std::atomic<bool> cancelled_{false};
};

class StreamImpl : public ResponseStream {
 public:
  StreamImpl(std::unique_ptr<Connection> conn, std::string authority, std::chrono::milliseconds idle_timeout,
             std::chrono::milliseconds request_timeout)
      : conn_(std::move(conn)),
        authority_(std::move(authority)),
        idle_timeout_(idle_timeout),
        request_timeout_(request_timeout) {
    const auto& msg = conn_->stream_parser().get();
    code_ = msg.result_int();
    content_type_ = std::string(msg[http::field::content_type]);
  }

  int code() const override { return code_; }
  const std::string& content_type() const override { return content_type_; }

  Status Read(std::string* out, bool* done) override {
    *done = false;
    if (error_code ec = conn_->ReadSome(out, done, idle_timeout_)) return IoError("reading from " + authority_, ec);
    return Status::OK();
  }

  StatusOr<std::string> ReadAll() override {
    std::string body;
    bool done = false;
    while (!done && body.size() < kMaxErrorBody) {
      if (error_code ec = conn_->ReadSome(&body, &done, request_timeout_)) {
        return IoError("reading from " + authority_, ec);
      }
    }
    return body;
  }

  void Cancel() override { conn_->Cancel(); }

 private:
  std::unique_ptr<Connection> conn_;
  std::string authority_;
  std::chrono::milliseconds idle_timeout_, request_timeout_;
  int code_ = 0;
  std::string content_type_;
};

}  // namespace

struct HttpTransport::Impl {
  TransportOptions options;
  ssl::context ctx{ssl::context::tls_client};
  std::string authority;  // "127.0.0.1:6443", "[::1]:6443"
  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mu

  StatusOr<std::unique_ptr<Connection>> Dial() {
    auto conn = std::make_unique<Connection>(ctx);
    if (Status s = conn->Connect(options, authority); !s.ok()) return s;
    return conn;
  }
  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard<std::mutex> lock(mu);
    if (idle.empty()) return nullptr;
    auto conn = std::move(idle.back());
    idle.pop_back();
    return conn;
  }
  void PutIdle(std::unique_ptr<Connection> conn) {
    std::lock_guard<std::mutex> lock(mu);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(conn));
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

StatusOr<std::unique_ptr<HttpTransport>> HttpTransport::Create(TransportOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const TransportOptions& o = impl->options;
  if (o.host.empty()) return Status::BadRequest("no API server host");
  impl->authority =
      (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(impl->ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (o.insecure_skip_tls_verify) {
    impl->ctx.set_verify_mode(ssl::verify_none);
  } else {
    impl->ctx.set_verify_mode(ssl::verify_peer);
    if (o.ca_pem.empty()) {
      impl->ctx.set_default_verify_paths(ec);
    } else {
      impl->ctx.add_certificate_authority(asio::buffer(o.ca_pem), ec);
    }
    if (ec) return Status::BadRequest("loading the CA certificate: " + ec.message());
  }
  if (!o.client_cert_pem.empty()) {
    impl->ctx.use_certificate_chain(asio::buffer(o.client_cert_pem), ec);
    if (ec) return Status::BadRequest("loading the client certificate: " + ec.message());
    impl->ctx.use_private_key(asio::buffer(o.client_key_pem), ssl::context::pem, ec);
    if (ec) return Status::BadRequest("loading the client key: " + ec.message());
  }
  ERR_clear_error();
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

std::string HttpTransport::Authority() const { return impl_->authority; }

StatusOr<HttpResponse> HttpTransport::RoundTrip(const HttpRequest& request) {
  Impl& s = *impl_;
  const http::request<http::string_body> req = BuildRequest(request, s.authority);
  const std::string what = request.method + " https://" + s.authority + request.target;
  for (;;) {
    // Idle connections first; each one the server closed meanwhile is dropped.
    std::unique_ptr<Connection> conn = s.TakeIdle();
    bool reused = conn != nullptr;
    if (!conn) {
      auto dialed = s.Dial();
      if (!dialed.ok()) return dialed.status();
      conn = std::move(*dialed);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    error_code ec = conn->Exchange(req, parser, s.options.request_timeout);
    if (ec) {
      if (reused && !parser.got_some() && IsClosedByPeer(ec)) continue;
      return IoError(what, ec);
    }
    const auto& msg = parser.get();
    HttpResponse out;
    out.code = msg.result_int();
    out.content_type = std::string(msg[http::field::content_type]);
    out.body = msg.body();
    if (msg.keep_alive()) s.PutIdle(std::move(conn));
    return out;
  }
}

StatusOr<std::unique_ptr<ResponseStream>> HttpTransport::OpenStream(const HttpRequest& request,
                                                                    std::chrono::milliseconds idle_timeout) {
  Impl& s = *impl_;
  auto conn = s.Dial();
  if (!conn.ok()) return conn.status();
  const http::request<http::string_body> req = BuildRequest(request, s.authority);
  if (error_code ec = (*conn)->StartStream(req, s.options.request_timeout)) {
    return IoError(request.method + " https://" + s.authority + request.target, ec);
  }
  return std::unique_ptr<ResponseStream>(
      new StreamImpl(std::move(*conn), s.authority, idle_timeout, s.options.request_timeout));
}

}  // namespace netkube::client
