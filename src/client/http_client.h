// HttpClient: client::Client over HTTPS/1.1, for components that run outside
// the API server process (node agents, cluster DNS, the ingress controller).
// It speaks the wire contract of kube-apiserver, so it works against
// `netkube server` and against any Kubernetes API server.
//
// Requests use kube-apiserver's URL layout:
//   /api/v1/namespaces/NS/pods/NAME/status
//   /apis/apps/v1/namespaces/NS/deployments?labelSelector=app%3Dweb&limit=500
//   /api/v1/pods?watch=true&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=420
// with JSON bodies; Patch sends application/json-patch+json,
// application/merge-patch+json or application/strategic-merge-patch+json;
// Delete sends a DeleteOptions body when any option is set.
//
// Namespaces: for a namespaced kind, an empty `ns` means all namespaces in List
// and Watch; in Create and Update the object's metadata.namespace, else the
// config's namespace; in Get, Patch, Delete and CreateSubresource the config's
// namespace.
//
// Errors: an error response (a metav1.Status) becomes a Status with the same
// Reason, message, details and causes; transport failures are
// ServiceUnavailable (or Timeout) with a message naming the server and cause.
//
// Authentication: the config's client certificate and/or bearer token. A
// token file is re-read every `token_reload_interval` (projected service
// account tokens rotate); when it cannot be read the last token is kept.
//
// Watch: each stream has its own connection and reader thread; events are
// parsed from the newline-delimited JSON body. An ERROR event (e.g. 410
// Expired for a compacted resourceVersion) is delivered, then the stream ends.
// The server is asked to end the stream after `watch_timeout`; callers simply
// watch again from the last resourceVersion, as informers do.
//
// Thread-safety: HttpClient is safe for concurrent use. A WatchStream's Next is
// called from one thread; Close may be called from any thread and unblocks Next.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "client/client.h"
#include "client/kubeconfig.h"

namespace netkube::client {

class HttpTransport;

struct HttpClientOptions {
  size_t max_idle_connections = 4;                   // keep-alive connections kept open
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{60000};  // one whole non-watch request
  // timeoutSeconds sent with each watch; 0 = a random 5 to 10 minutes, as
  // client-go's reflector does, so many clients do not re-watch in step.
  std::chrono::seconds watch_timeout{0};
  std::chrono::seconds token_reload_interval{60};
};

class HttpClient : public Client {
 public:
  // BadRequest when the config cannot be used (bad URL, certificates, key).
  // No connection is made yet.
  static StatusOr<std::unique_ptr<HttpClient>> New(RestConfig config, HttpClientOptions options = {});
  // LoadKubeconfig + New.
  static StatusOr<std::unique_ptr<HttpClient>> FromKubeconfig(const std::string& path, const std::string& context = "");
  ~HttpClient() override;

  StatusOr<Json> Get(const api::Kind& kind, std::string_view ns, std::string_view name) override;
  StatusOr<Json> List(const api::Kind& kind, std::string_view ns, const ListOptions& options) override;
  StatusOr<Json> Create(const api::Kind& kind, std::string_view ns, const Json& object) override;
  StatusOr<Json> Update(const api::Kind& kind, std::string_view ns, const Json& object,
                        std::string_view subresource = "") override;
  StatusOr<Json> Patch(const api::Kind& kind, std::string_view ns, std::string_view name, PatchType type,
                       const Json& patch, std::string_view subresource = "") override;
  StatusOr<Json> Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                        const DeleteOptions& options = {}) override;
  StatusOr<Json> CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                   std::string_view subresource, const Json& body) override;
  StatusOr<std::unique_ptr<WatchStream>> Watch(const api::Kind& kind, std::string_view ns,
                                               const ListOptions& options) override;

  // A request outside the typed interface, e.g. Raw("GET", "/version").
  // `path` may carry a query. Any HTTP code is returned as is; the Status is
  // an error only when no response was received.
  struct RawResponse {
    int code = 0;
    std::string content_type;
    std::string body;
  };
  StatusOr<RawResponse> Raw(std::string_view method, std::string_view path, std::string_view body = "",
                            std::string_view content_type = "application/json");

  const RestConfig& config() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The pieces of the wire contract, exposed for tests.

// "/api/v1/namespaces/NS/pods/NAME/SUB"; `ns` is ignored for cluster-scoped
// kinds and omitted when empty; `name` and `subresource` are omitted when empty.
std::string ResourcePath(const api::Kind& kind, std::string_view ns, std::string_view name = "",
                         std::string_view subresource = "");
// "?labelSelector=...&watch=true..." ("" when there is nothing to send).
// `timeout_seconds` 0 is not sent.
std::string ListQuery(const ListOptions& options, bool watch, int64_t timeout_seconds);
// Percent-encodes everything outside RFC 3986's unreserved characters.
std::string PercentEncode(std::string_view s);
// The Status an error response stands for: a metav1.Status body keeps its
// reason, message, details and causes; other bodies map by HTTP code.
Status StatusFromResponse(int code, std::string_view body);
// The DeleteOptions JSON body; null when no option is set.
Json DeleteOptionsBody(const DeleteOptions& options);
// Parses one line of a watch stream ({"type": ..., "object": ...}).
Status ParseWatchEvent(std::string_view line, WatchEvent* event);

}  // namespace netkube::client
