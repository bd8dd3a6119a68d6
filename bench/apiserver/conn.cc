#include "conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <limits>

namespace netkube::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct Conn::Impl {
  std::string host;
  std::string port;
  bool use_tls = false;
  TlsConfig tls_config;
  asio::io_context ioc;
  std::unique_ptr<ssl::context> ctx;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  std::atomic<int> fd{-1};
  std::atomic<bool> aborted{false};
  bool connected = false;

  void Close() {
    fd = -1;
    tls.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }

  bool MakeContext(std::string* err) {
    if (ctx) return true;
    ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    beast::error_code ec;
    ctx->load_verify_file(tls_config.ca_file, ec);
    if (!ec && !tls_config.cert_file.empty()) ctx->use_certificate_chain_file(tls_config.cert_file, ec);
    if (!ec && !tls_config.key_file.empty()) ctx->use_private_key_file(tls_config.key_file, ssl::context::pem, ec);
    if (ec) {
      *err = "tls files: " + ec.message();
      ctx.reset();
      return false;
    }
    ctx->set_verify_mode(ssl::verify_peer);
    return true;
  }

  bool Connect(std::string* err) {
    Close();
    if (aborted) {
      *err = "aborted";
      return false;
    }
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
      *err = "resolve: " + ec.message();
      return false;
    }
    if (use_tls) {
      if (!MakeContext(err)) return false;
      tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *ctx);
      beast::get_lowest_layer(*tls).socket().connect(*endpoints.begin(), ec);
      if (!ec) {
        beast::get_lowest_layer(*tls).socket().set_option(tcp::no_delay(true));
        fd = beast::get_lowest_layer(*tls).socket().native_handle();
        tls->handshake(ssl::stream_base::client, ec);
      }
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
      plain->socket().connect(*endpoints.begin(), ec);
      if (!ec) {
        plain->socket().set_option(tcp::no_delay(true));
        fd = plain->socket().native_handle();
      }
    }
    if (ec) {
      *err = "connect " + host + ":" + port + ": " + ec.message();
      Close();
      return false;
    }
    connected = true;
    return true;
  }

  template <class Stream, class Req>
  bool RoundTrip(Stream& s, Req& req, HttpResult* out, beast::error_code& ec, bool* keep_alive) {
    http::write(s, req, ec);
    if (ec) return false;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read(s, buffer, parser, ec);
    if (ec) return false;
    out->status = parser.get().result_int();
    *keep_alive = parser.get().keep_alive();
    out->body = std::move(parser.get().body());
    return true;
  }

  template <class Stream>
  bool StreamOn(Stream& s, http::request<http::empty_body>& req, const std::function<void(int)>& on_headers,
                const std::function<bool(std::string_view)>& on_line, std::string* err) {
    beast::error_code ec;
    http::write(s, req, ec);
    if (ec) {
      *err = "write: " + ec.message();
      return false;
    }
    http::response_parser<http::empty_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read_header(s, buffer, parser, ec);
    if (ec) {
      *err = "read header: " + ec.message();
      return false;
    }
    on_headers(parser.get().result_int());
    std::string pending;
    bool stop = false;
    auto on_chunk = [&](std::uint64_t, beast::string_view data, beast::error_code& cec) -> std::size_t {
      pending.append(data.data(), data.size());
      size_t start = 0;
      for (size_t nl; !stop && (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        if (!on_line(std::string_view(pending).substr(start, nl - start))) stop = true;
      }
      pending.erase(0, start);
      if (stop) cec = http::error::end_of_stream;
      return data.size();
    };
    parser.on_chunk_body(on_chunk);
    while (!parser.is_done() && !stop) {
      http::read(s, buffer, parser, ec);
      if (ec) break;
    }
    if (stop || aborted) return true;
    if (ec && ec != http::error::end_of_stream) {
      *err = "stream: " + ec.message();
      return false;
    }
    return true;
  }
};

namespace {

void AddHeaders(std::string_view headers, http::fields& f) {
  while (!headers.empty()) {
    size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    f.set(std::string(line.substr(0, colon)), std::string(value));
  }
}

}  // namespace

Conn::Conn(std::string host, std::string port, const TlsConfig* tls) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = std::move(port);
  impl_->use_tls = tls != nullptr;
  if (tls) impl_->tls_config = *tls;
}

Conn::~Conn() = default;

bool Conn::Connect(std::string* err) {
  try {
    return impl_->Connect(err);
  } catch (const std::exception& e) {
    *err = e.what();
    return false;
  }
}

bool Conn::Do(std::string_view method, std::string_view target, std::string_view content_type,
              std::string_view body, std::string_view accept, HttpResult* out, std::string* err,
              std::string_view headers) {
  try {
    http::request<http::string_body> req;
    req.method_string(beast::string_view(method.data(), method.size()));
    req.target(beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(http::field::host, impl_->host);
    req.set(http::field::user_agent, "netkube-loadgen");
    req.set(http::field::accept, accept.empty() ? "application/json" : std::string(accept));
    if (!content_type.empty()) req.set(http::field::content_type, std::string(content_type));
    AddHeaders(headers, req.base());
    req.body() = std::string(body);
    req.prepare_payload();
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = impl_->connected;
      if (!impl_->connected && !impl_->Connect(err)) return false;
      beast::error_code ec;
      bool keep_alive = true;
      bool ok = impl_->use_tls ? impl_->RoundTrip(*impl_->tls, req, out, ec, &keep_alive)
                               : impl_->RoundTrip(*impl_->plain, req, out, ec, &keep_alive);
      if (ok) {
        if (!keep_alive) impl_->Close();
        return true;
      }
      impl_->Close();
      *err = std::string(method) + " " + std::string(target) + ": " + ec.message();
      if (!reused || impl_->aborted) return false;
    }
    return false;
  } catch (const std::exception& e) {
    impl_->Close();
    *err = e.what();
    return false;
  }
}

bool Conn::Stream(std::string_view target, const std::function<void(int)>& on_headers,
                  const std::function<bool(std::string_view)>& on_line, std::string* err,
                  std::string_view headers) {
  try {
    if (!impl_->connected && !impl_->Connect(err)) return false;
    http::request<http::empty_body> req{http::verb::get, beast::string_view(target.data(), target.size()), 11};
    req.set(http::field::host, impl_->host);
    req.set(http::field::user_agent, "netkube-loadgen");
    req.set(http::field::accept, "application/json");
    AddHeaders(headers, req.base());
    bool ok = impl_->use_tls ? impl_->StreamOn(*impl_->tls, req, on_headers, on_line, err)
                             : impl_->StreamOn(*impl_->plain, req, on_headers, on_line, err);
    impl_->Close();
    return ok;
  } catch (const std::exception& e) {
    impl_->Close();
    *err = e.what();
    return false;
  }
}

void Conn::Abort() {
  impl_->aborted = true;
  int fd = impl_->fd.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace netkube::bench
