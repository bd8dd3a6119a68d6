// SharedInformers: one Informer per kind (all namespaces, no selectors), shared
// by every controller of a process, as client-go's SharedInformerFactory.
//
// Controllers call For(kind) and add their handlers and indexes in their
// constructors; then the owner calls Start() and WaitForSync().
//
// Thread-safety: For/Start/Stop from the owner thread (before workers run);
// the returned Informers are safe to read from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/informer.h"

namespace netkube::client {

class SharedInformers {
 public:
  explicit SharedInformers(Client& client) : client_(client) {}
  ~SharedInformers() { Stop(); }

  // The informer of `kind`, created on first use.
  Informer& For(const api::Kind& kind);
  // Options for the informer of `kind`. REQUIRES: before For(kind) creates it.
  void SetOptions(const api::Kind& kind, InformerOptions options);
  // nullptr when no informer of that kind was requested.
  Informer* Find(const api::Kind& kind) const;
  std::vector<Informer*> All() const;

  void Start();
  void Stop();
  bool WaitForSync(std::chrono::milliseconds timeout) const;

 private:
  Client& client_;
  std::map<std::string, std::unique_ptr<Informer>> informers_;  // key prefix -> informer
  std::map<std::string, InformerOptions> options_;                // key prefix -> options
};

}  // namespace netkube::client
