// Informer: a list+watch cache of one kind, as client-go's shared informer.
//
// Start() runs one thread that Lists the kind (optionally one namespace and
// label/field selectors), then Watches from the list's resourceVersion. When a
// watch stream ends, it watches again from the last resourceVersion it saw;
// when that fails or a stream reports an ERROR such as Gone (410 Expired), it
// lists again and reconciles the cache with the new list (deletes for objects
// that vanished, updates for changed ones). Event handlers run on
// that one thread, in event order; they must be quick (enqueue a key).
//
// The cache is read through the Lister, from any thread. Objects are immutable
// shared snapshots (std::shared_ptr<const Json>).
//
// Custom indexes: AddIndex(name, fn) before Start; fn maps an object to index
// values (for example the uids of its owners, or its spec.nodeName).
//
// Thread-safety: Lister and HasSynced are safe from any thread; AddHandler and
// AddIndex must be called before Start.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"

namespace netkube::client {

using ObjectPtr = std::shared_ptr<const Json>;

struct EventHandler {
  std::function<void(const ObjectPtr& obj)> on_add;
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> on_update;
  std::function<void(const ObjectPtr& obj)> on_delete;
};

using IndexFunc = std::function<std::vector<std::string>(const Json& obj)>;

// Built-in index names.
inline constexpr char kIndexOwnerUid[] = "owner-uid";  // uids in metadata.ownerReferences
inline constexpr char kIndexNodeName[] = "node-name";  // spec.nodeName

struct InformerOptions {
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  // When > 0, every cached object is delivered to on_update(obj, obj) this often.
  std::chrono::milliseconds resync{0};
  // Applied to every object before it is cached and handed to handlers, as
  // client-go's SetTransform: drops fields no consumer reads, to save memory.
  // Consumers of a transformed cache must never write a cached object back
  // whole (Update); they patch instead.
  std::function<void(Json&)> transform;
};

// Read access to an informer's cache.
class Lister {
 public:
  virtual ~Lister() = default;
  // nullptr when not cached.
  virtual ObjectPtr Get(std::string_view ns, std::string_view name) const = 0;
  // Objects of `ns` ("" = all) for which `pred` (when set) holds, sorted by key.
  virtual std::vector<ObjectPtr> List(std::string_view ns,
                                      const std::function<bool(const Json&)>& pred = nullptr) const = 0;
  // Objects whose index `index` contains `value`.
  virtual std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const = 0;
};

class Informer : public Lister {
 public:
  Informer(Client& client, const api::Kind& kind, InformerOptions options = {});
  ~Informer() override;  // Stops.
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void AddHandler(EventHandler handler);
  void AddIndex(std::string name, IndexFunc fn);

  void Start();
  // Stops the thread and waits for it; handlers are not called afterwards.
  void Stop();
  // Asks the thread to stop without waiting (Stop() then joins quickly).
  void RequestStop() { stop_ = true; }
  // True once the first list has been delivered to the cache and handlers.
  bool HasSynced() const { return synced_.load(); }
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  // The resourceVersion of the latest list or event applied to the cache.
  int64_t LastResourceVersion() const { return last_rv_.load(); }
  const api::Kind& kind() const { return kind_; }

  ObjectPtr Get(std::string_view ns, std::string_view name) const override;
  std::vector<ObjectPtr> List(std::string_view ns,
                              const std::function<bool(const Json&)>& pred = nullptr) const override;
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const override;

 private:
  void Run();
  // Lists and replaces the cache; returns the list's resourceVersion or "" on error.
  std::string ListAndReplace();
  void Apply(const std::string& type, Json object);
  void Upsert(const std::string& key, ObjectPtr obj);
  void Erase(const std::string& key);
  void Notify(const std::string& type, const ObjectPtr& old_obj, const ObjectPtr& new_obj);
  void Resync();
  bool Sleep(std::chrono::milliseconds d);

  Client& client_;
  const api::Kind& kind_;
  const InformerOptions options_;
  std::vector<EventHandler> handlers_;
  std::map<std::string, IndexFunc> index_fns_;

  mutable std::shared_mutex mu_;
  std::map<std::string, ObjectPtr> items_;  // key "ns/name"
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_;  // index -> value -> keys

  std::atomic<bool> synced_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> last_rv_{0};
  std::thread thread_;
};

}  // namespace netkube::client
