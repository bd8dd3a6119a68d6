// LocalClient: the client::Client of components running inside `netkube
// server` (the controllers). It calls the Registry directly — the same code
// path HTTP requests take after decoding — so it behaves exactly as the API.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include "apiserver/registry.h"
#include "client/client.h"

namespace netkube::apiserver {

class LocalClient : public client::Client {
 public:
  explicit LocalClient(Registry& registry) : registry_(registry) {}

  StatusOr<client::Json> Get(const api::Kind& kind, std::string_view ns, std::string_view name) override;
  StatusOr<client::Json> List(const api::Kind& kind, std::string_view ns, const client::ListOptions& options) override;
  StatusOr<client::Json> Create(const api::Kind& kind, std::string_view ns, const client::Json& object) override;
  StatusOr<client::Json> Update(const api::Kind& kind, std::string_view ns, const client::Json& object,
                                std::string_view subresource) override;
  StatusOr<client::Json> Patch(const api::Kind& kind, std::string_view ns, std::string_view name,
                               client::PatchType type, const client::Json& patch,
                               std::string_view subresource) override;
  StatusOr<client::Json> Delete(const api::Kind& kind, std::string_view ns, std::string_view name,
                                const client::DeleteOptions& options) override;
  StatusOr<client::Json> CreateSubresource(const api::Kind& kind, std::string_view ns, std::string_view name,
                                           std::string_view subresource, const client::Json& body) override;
  StatusOr<std::unique_ptr<client::WatchStream>> Watch(const api::Kind& kind, std::string_view ns,
                                                       const client::ListOptions& options) override;

 private:
  StatusOr<ListParams> Params(const api::Kind& kind, const client::ListOptions& options);
  Registry& registry_;
};

}  // namespace netkube::apiserver
