// Client: the one way netkube components read and write the cluster, through
// the Kubernetes API. Objects are JSON trees in their versioned form
// (apiVersion, kind, metadata, spec, status).
//
// Implementations: the API server's in-process client (apiserver/local_client.h,
// used by the controllers inside `netkube server`), an HTTPS client for node
// agents (later), and FakeClient for tests (fake_client.h).
//
// Errors are Statuses with Kubernetes reasons (NotFound, AlreadyExists,
// Conflict, Invalid, Gone, ...), exactly as the API server answers them.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/kinds.h"
#include "util/status.h"

namespace netkube::client {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector;    // query syntax, e.g. "app=web"
  std::string field_selector;    // e.g. "spec.nodeName=node1"
  int64_t limit = 0;             // 0 = no limit
  std::string continue_token;
  std::string resource_version;  // for Watch: start after this revision ("" = now)
  bool allow_bookmarks = false;
};

struct DeleteOptions {
  std::string propagation_policy;         // "", "Orphan", "Background", "Foreground"
  int64_t grace_period_seconds = -1;      // -1 = the object's default
  std::string precondition_uid;           // "" = none
  std::string precondition_resource_version;
};

enum class PatchType { kJson, kMerge, kStrategicMerge };

struct WatchEvent {
  std::string type;  // "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"
  Json object;       // the object (a Status for ERROR)
};

class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // Waits up to `timeout` for the next event. Returns false when the stream has
  // ended (closed, or an ERROR such as Gone was delivered before); on timeout
  // returns true with `*event` of type "" (nothing happened).
  virtual bool Next(WatchEvent* event, std::chrono::milliseconds timeout) = 0;
  virtual void Close() = 0;
};

class Client {
 public:
  virtual ~Client() = default;

  // `ns` is the namespace for namespaced kinds ("" = all namespaces for List
  // and Watch) and ignored for cluster-scoped kinds.
  virtual StatusOr<Json> Get(const api::Kind& kind, std::string_view ns, std::string_view name) = 0;
  // Returns the List object ({"kind": "PodList", "metadata": {"resourceVersion"}, "items": [...]}).
  virtual StatusOr<Json> List(const api::Kind& kind, std::string_view ns, const ListOptions& options) = 0;
  virtual StatusOr<Json> Create(const api::Kind& kind, std::string_view ns, const Json& object) = 0;
  // Replaces the object (optimistic concurrency on metadata.resourceVersion).
  // `subresource` "" for the object itself, or "status", "scale", ...
  virtual StatusOr<Json> Update(const api::Kind& kind, std::string_view ns, const Json& object,
                                std::string_view subresource = "") = 0;
  virtual StatusOr<Json> Patch(const api::Kind& kind, std::string_view ns, std::string_view name,
                               PatchType type, const Json& patch, std::string_view subresource = "") = 0;
  // Returns the object as it is after the call (with deletionTimestamp when
  // deletion is graceful or blocked by finalizers) or the deleted object.
  virtual StatusOr<Json> Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                                const DeleteOptions& options = {}) = 0;
  // Creates a subresource object, e.g. pods/binding, pods/eviction.
  virtual StatusOr<Json> CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                           std::string_view subresource, const Json& body) = 0;
  virtual StatusOr<std::unique_ptr<WatchStream>> Watch(const api::Kind& kind, std::string_view ns,
                                                       const ListOptions& options) = 0;
};

// Convenience lookups of the built-in kinds: client::KindOf("apps", "Deployment").
const api::Kind& KindOf(std::string_view group, std::string_view kind);

}  // namespace netkube::client
