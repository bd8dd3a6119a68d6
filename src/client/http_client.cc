#include "client/http_client.h"

#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "client/http_transport.h"
#include "util/log.h"

namespace netkube::client {

namespace {

using Clock = std::chrono::steady_clock;

// Events a watch may hold that Next() has not taken yet; past this the reader
// waits (and the server's socket buffer fills), rather than growing without bound.
constexpr size_t kMaxQueuedEvents = 4096;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Reason ReasonFromString(std::string_view s) {
  static const std::pair<std::string_view, Reason> kReasons[] = {
      {"BadRequest", Reason::kBadRequest},
      {"Unauthorized", Reason::kUnauthorized},
      {"Forbidden", Reason::kForbidden},
      {"NotFound", Reason::kNotFound},
      {"MethodNotAllowed", Reason::kMethodNotAllowed},
      {"NotAcceptable", Reason::kNotAcceptable},
      {"AlreadyExists", Reason::kAlreadyExists},
      {"Conflict", Reason::kConflict},
      {"Gone", Reason::kGone},
      {"Expired", Reason::kGone},
      {"RequestEntityTooLarge", Reason::kRequestEntityTooLarge},
      {"UnsupportedMediaType", Reason::kUnsupportedMediaType},
      {"Invalid", Reason::kInvalid},
      {"TooManyRequests", Reason::kTooManyRequests},
      {"InternalError", Reason::kInternalError},
      {"ServiceUnavailable", Reason::kServiceUnavailable},
      {"Timeout", Reason::kTimeout},
  };
  for (const auto& [name, reason] : kReasons)
    if (name == s) return reason;
  return Reason::kOk;
}

Reason ReasonFromCode(int code) {
  switch (code) {
    case 400:
      return Reason::kBadRequest;
    case 401:
      return Reason::kUnauthorized;
    case 403:
      return Reason::kForbidden;
    case 404:
      return Reason::kNotFound;
    case 405:
      return Reason::kMethodNotAllowed;
    case 406:
      return Reason::kNotAcceptable;
    case 409:
      return Reason::kConflict;
    case 410:
      return Reason::kGone;
    case 413:
      return Reason::kRequestEntityTooLarge;
    case 415:
      return Reason::kUnsupportedMediaType;
    case 422:
      return Reason::kInvalid;
    case 429:
      return Reason::kTooManyRequests;
    case 503:
      return Reason::kServiceUnavailable;
    case 504:
      return Reason::kTimeout;
    default:
      return Reason::kInternalError;
  }
}

std::string JsonString(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The bearer token, from the config or re-read from its file.
class TokenSource {
 public:
  TokenSource(std::string token, std::string file, std::chrono::seconds interval)
      : token_(std::move(token)), file_(std::move(file)), interval_(interval), next_read_(Clock::now()) {}

  std::string Token() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!file_.empty() && Clock::now() >= next_read_) {
      next_read_ = Clock::now() + interval_;
      std::ifstream in(file_);
      std::stringstream ss;
      if (in) ss << in.rdbuf();
      std::string t = Trim(ss.str());
      if (!in || t.empty()) {
        LOG_WARN << "reading token file " << file_ << " failed; keeping the previous token";
      } else {
        token_ = std::move(t);
      }
    }
    return token_;
  }

 private:
  std::mutex mu_;
  std::string token_;
  const std::string file_;
  const std::chrono::seconds interval_;
  Clock::time_point next_read_;
};

// A watch: one streamed response, read by its own thread into a queue.
class HttpWatch : public WatchStream {
 public:
  explicit HttpWatch(std::unique_ptr<ResponseStream> stream) : stream_(std::move(stream)) {
    reader_ = std::thread([this] { ReadLoop(); });
  }
  ~HttpWatch() override { Close(); }

  bool Next(WatchEvent* event, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return closed_ || ended_ || !queue_.empty(); });
    if (closed_) return false;
    if (queue_.empty()) {
      if (ended_) return false;
      event->type.clear();
      event->object = Json();
      return true;
    }
    *event = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();  // room for the reader
    return true;
  }

  void Close() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
    stream_->Cancel();
    std::lock_guard<std::mutex> lock(join_mu_);
    if (reader_.joinable()) reader_.join();
  }

 private:
  void ReadLoop() {
    std::string buf;
    size_t scanned = 0;
    for (;;) {
      bool done = false;
      Status s = stream_->Read(&buf, &done);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!closed_) LOG_V(2) << "watch stream ended: " << s.ToString();
        break;
      }
      size_t start = 0;
      for (size_t nl; (nl = buf.find('\n', scanned)) != std::string::npos; scanned = start = nl + 1) {
        std::string_view line(buf.data() + start, nl - start);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        WatchEvent ev;
        if (Status ps = ParseWatchEvent(line, &ev); !ps.ok()) {
          LOG_WARN << "watch stream: " << ps.message();
          Finish();
          return;
        }
        bool last = ev.type == "ERROR";
        if (!Push(std::move(ev)) || last) {
          Finish();
          return;
        }
      }
      buf.erase(0, start);
      scanned = buf.size();
      if (done) break;
    }
    Finish();
  }

  // Queues one event; false when the watch was closed meanwhile.
  bool Push(WatchEvent ev) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return closed_ || queue_.size() < kMaxQueuedEvents; });
    if (closed_) return false;
    queue_.push_back(std::move(ev));
    cv_.notify_all();
    return true;
  }

  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<ResponseStream> stream_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;  // guarded by mu_
  bool ended_ = false;            // guarded by mu_: the reader is done
  bool closed_ = false;           // guarded by mu_: Close() was called
  std::mutex join_mu_;
  std::thread reader_;
};

}  // namespace

// ---- the wire contract ----

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char ch : s) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
        ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

std::string ResourcePath(const api::Kind& kind, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string p = kind.group.empty() ? "/api/" + kind.version : "/apis/" + kind.group + "/" + kind.version;
  if (kind.namespaced && !ns.empty()) p += "/namespaces/" + PercentEncode(ns);
  p += "/" + kind.plural;
  if (!name.empty()) {
    p += "/" + PercentEncode(name);
    if (!subresource.empty()) p += "/" + PercentEncode(subresource);
  }
  return p;
}

std::string ListQuery(const ListOptions& o, bool watch, int64_t timeout_seconds) {
  std::string q;
  auto add = [&q](const char* key, std::string_view value) {
    q += q.empty() ? '?' : '&';
    q += key;
    q += '=';
    q += PercentEncode(value);
  };
  if (!o.label_selector.empty()) add("labelSelector", o.label_selector);
  if (!o.field_selector.empty()) add("fieldSelector", o.field_selector);
  if (!o.resource_version.empty()) add("resourceVersion", o.resource_version);
  if (watch) {
    add("watch", "true");
    if (o.allow_bookmarks) add("allowWatchBookmarks", "true");
    if (timeout_seconds > 0) add("timeoutSeconds", std::to_string(timeout_seconds));
  } else {
    if (o.limit > 0) add("limit", std::to_string(o.limit));
    if (!o.continue_token.empty()) add("continue", o.continue_token);
  }
  return q;
}

Status StatusFromResponse(int code, std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  // A watch that fails before streaming may answer with an ERROR event.
  if (j.is_object() && JsonString(j, "type") == "ERROR" && j.contains("object") && j["object"].is_object()) {
    Json inner = j["object"];
    j = std::move(inner);
  }
  if (!j.is_object() || JsonString(j, "kind") != "Status") {
    std::string text = Trim(std::string(body.substr(0, 1024)));
    if (text.empty()) text = "the server responded with HTTP " + std::to_string(code);
    return Status(ReasonFromCode(code), text);
  }
  Reason reason = ReasonFromString(JsonString(j, "reason"));
  if (reason == Reason::kOk) {
    int c = j.contains("code") && j["code"].is_number_integer() ? j["code"].get<int>() : code;
    reason = ReasonFromCode(c);
  }
  std::string message = JsonString(j, "message");
  if (message.empty()) message = "the server responded with HTTP " + std::to_string(code);
  Status s(reason, std::move(message));
  if (j.contains("details") && j["details"].is_object()) {
    const Json& d = j["details"];
    s.WithDetails(JsonString(d, "kind"), JsonString(d, "group"), JsonString(d, "name"));
    if (d.contains("causes") && d["causes"].is_array()) {
      for (const Json& c : d["causes"]) {
        if (!c.is_object()) continue;
        s.AddCause({JsonString(c, "reason"), JsonString(c, "message"), JsonString(c, "field")});
      }
    }
  }
  return s;
}

Json DeleteOptionsBody(const DeleteOptions& o) {
  Json body = Json::object();
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  if (o.grace_period_seconds >= 0) body["gracePeriodSeconds"] = o.grace_period_seconds;
  Json pre = Json::object();
  if (!o.precondition_uid.empty()) pre["uid"] = o.precondition_uid;
  if (!o.precondition_resource_version.empty()) pre["resourceVersion"] = o.precondition_resource_version;
  if (!pre.empty()) body["preconditions"] = pre;
  if (body.empty()) return Json();
  body["kind"] = "DeleteOptions";
  body["apiVersion"] = "v1";
  return body;
}

Status ParseWatchEvent(std::string_view line, WatchEvent* event) {
  Json j = Json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("object")) {
    return Status::Internal("malformed watch event: " + std::string(line.substr(0, 200)));
  }
  event->type = j["type"].get<std::string>();
  event->object = std::move(j["object"]);
  return Status::OK();
}

// ---- HttpClient ----

struct HttpClient::Impl {
  RestConfig config;
  HttpClientOptions options;
  std::string base_path;
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<TokenSource> token;
  std::mutex rng_mu;
  std::mt19937 rng{std::random_device{}()};

  std::vector<std::pair<std::string, std::string>> AuthHeaders() {
    std::vector<std::pair<std::string, std::string>> h;
    std::string t = token->Token();
    if (!t.empty()) h.emplace_back("Authorization", "Bearer " + t);
    return h;
  }

  HttpRequest Request(std::string_view method, std::string target, std::string body = "",
                      std::string content_type = "") {
    HttpRequest r;
    r.method = std::string(method);
    r.target = base_path + target;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    r.headers = AuthHeaders();
    return r;
  }

  // Sends a request whose success answer is a JSON object.
  StatusOr<Json> Call(std::string_view method, std::string target, const Json* body = nullptr,
                      std::string content_type = "application/json") {
    HttpRequest req = body ? Request(method, std::move(target), Dump(*body), std::move(content_type))
                           : Request(method, std::move(target));
    auto res = transport->RoundTrip(req);
    if (!res.ok()) return res.status();
    if (res->code < 200 || res->code > 299) return StatusFromResponse(res->code, res->body);
    Json j = Json::parse(res->body, nullptr, false);
    if (j.is_discarded()) {
      return Status::Internal(req.method + " " + req.target + ": the response is not JSON (" + res->content_type + ")");
    }
    return j;
  }

  std::string NamespaceFor(const api::Kind& kind, std::string_view ns, const Json* object = nullptr) const {
    if (!kind.namespaced) return "";
    if (!ns.empty()) return std::string(ns);
    if (object && object->is_object() && object->contains("metadata") && (*object)["metadata"].is_object()) {
      std::string from_object = JsonString((*object)["metadata"], "namespace");
      if (!from_object.empty()) return from_object;
    }
    return config.ns;
  }

  int64_t WatchTimeoutSeconds() {
    if (options.watch_timeout.count() > 0) return options.watch_timeout.count();
    std::lock_guard<std::mutex> lock(rng_mu);
    return std::uniform_int_distribution<int64_t>(300, 600)(rng);
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

StatusOr<std::unique_ptr<HttpClient>> HttpClient::New(RestConfig config, HttpClientOptions options) {
  auto url = ParseServerUrl(config.server);
  if (!url.ok()) return url.status();
  TransportOptions to;
  to.host = url->host;
  to.port = url->port;
  to.ca_pem = config.ca_pem;
  to.insecure_skip_tls_verify = config.insecure_skip_tls_verify;
  to.tls_server_name = config.tls_server_name;
  to.client_cert_pem = config.client_cert_pem;
  to.client_key_pem = config.client_key_pem;
  to.max_idle_connections = options.max_idle_connections;
  to.connect_timeout = options.connect_timeout;
  to.request_timeout = options.request_timeout;
  auto transport = HttpTransport::Create(std::move(to));
  if (!transport.ok()) return transport.status();
  auto impl = std::make_unique<Impl>();
  impl->base_path = url->base_path;
  impl->transport = std::move(*transport);
  impl->token =
      std::make_unique<TokenSource>(config.bearer_token, config.bearer_token_file, options.token_reload_interval);
  impl->config = std::move(config);
  impl->options = options;
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

StatusOr<std::unique_ptr<HttpClient>> HttpClient::FromKubeconfig(const std::string& path, const std::string& context) {
  auto config = LoadKubeconfig(path, context);
  if (!config.ok()) return config.status();
  return New(std::move(*config));
}

const RestConfig& HttpClient::config() const { return impl_->config; }

StatusOr<Json> HttpClient::Get(const api::Kind& kind, std::string_view ns, std::string_view name) {
  if (name.empty()) return Status::BadRequest("resource name may not be empty");
  return impl_->Call("GET", ResourcePath(kind, impl_->NamespaceFor(kind, ns), name));
}

StatusOr<Json> HttpClient::List(const api::Kind& kind, std::string_view ns, const ListOptions& options) {
  return impl_->Call("GET", ResourcePath(kind, ns) + ListQuery(options, false, 0));
}

StatusOr<Json> HttpClient::Create(const api::Kind& kind, std::string_view ns, const Json& object) {
  return impl_->Call("POST", ResourcePath(kind, impl_->NamespaceFor(kind, ns, &object)), &object);
}

StatusOr<Json> HttpClient::Update(const api::Kind& kind, std::string_view ns, const Json& object,
                                  std::string_view subresource) {
  std::string name;
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object())
    name = JsonString(object["metadata"], "name");
  if (name.empty()) return Status::BadRequest("resource name may not be empty");
  return impl_->Call("PUT", ResourcePath(kind, impl_->NamespaceFor(kind, ns, &object), name, subresource), &object);
}

StatusOr<Json> HttpClient::Patch(const api::Kind& kind, std::string_view ns, std::string_view name, PatchType type,
                                 const Json& patch, std::string_view subresource) {
  if (name.empty()) return Status::BadRequest("resource name may not be empty");
  const char* content_type = type == PatchType::kJson    ? "application/json-patch+json"
                             : type == PatchType::kMerge ? "application/merge-patch+json"
                                                         : "application/strategic-merge-patch+json";
  return impl_->Call("PATCH", ResourcePath(kind, impl_->NamespaceFor(kind, ns), name, subresource), &patch,
                     content_type);
}

StatusOr<Json> HttpClient::Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                                  const DeleteOptions& options) {
  if (name.empty()) return Status::BadRequest("resource name may not be empty");
  Json body = DeleteOptionsBody(options);
  return impl_->Call("DELETE", ResourcePath(kind, impl_->NamespaceFor(kind, ns), name),
                     body.is_null() ? nullptr : &body);
}

StatusOr<Json> HttpClient::CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                             std::string_view subresource, const Json& body) {
  if (name.empty()) return Status::BadRequest("resource name may not be empty");
  return impl_->Call("POST", ResourcePath(kind, impl_->NamespaceFor(kind, ns), name, subresource), &body);
}

StatusOr<std::unique_ptr<WatchStream>> HttpClient::Watch(const api::Kind& kind, std::string_view ns,
                                                         const ListOptions& options) {
  int64_t timeout = impl_->WatchTimeoutSeconds();
  HttpRequest req = impl_->Request("GET", ResourcePath(kind, ns) + ListQuery(options, true, timeout));
  // Without bookmarks a quiet stream may send nothing until the server ends it.
  auto idle = std::chrono::seconds(timeout + 60);
  auto stream = impl_->transport->OpenStream(req, idle);
  if (!stream.ok()) return stream.status();
  if ((*stream)->code() != 200) {
    auto body = (*stream)->ReadAll();
    return StatusFromResponse((*stream)->code(), body.ok() ? *body : "");
  }
  return std::unique_ptr<WatchStream>(new HttpWatch(std::move(*stream)));
}

StatusOr<HttpClient::RawResponse> HttpClient::Raw(std::string_view method, std::string_view path, std::string_view body,
                                                  std::string_view content_type) {
  HttpRequest req =
      impl_->Request(method, std::string(path), std::string(body), body.empty() ? "" : std::string(content_type));
  auto res = impl_->transport->RoundTrip(req);
  if (!res.ok()) return res.status();
  return RawResponse{res->code, std::move(res->content_type), std::move(res->body)};
}

}  // namespace netkube::client
