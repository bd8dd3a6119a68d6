// Controller: the worker loop of a reconciling controller.
//
// A subclass implements Sync(key) (idempotent: read caches, compute desired,
// apply through the Client) and enqueues keys from informer event handlers.
// Run(n) starts n workers that take keys from the queue and call Sync; an
// error requeues the key with per-key exponential backoff (5 ms .. 1000 s), a
// success forgets its failures. The work queue guarantees that one key is
// never synced by two workers at once.
//
// Thread-safety: Sync runs on worker threads; Run/Stop from one owner thread.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "client/informer.h"
#include "client/workqueue.h"
#include "util/status.h"

namespace netkube::client {

class Controller {
 public:
  explicit Controller(std::string name) : name_(std::move(name)) {}
  virtual ~Controller();  // REQUIRES: Stop() was called (or Run never was).
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  virtual Status Sync(const std::string& key) = 0;

  void Run(int workers);
  // Shuts the queue down and joins the workers.
  void Stop();
  // Takes one key (waiting up to `timeout`), syncs it and handles the result;
  // false when nothing was ready. For tests that drive the loop by hand.
  bool ProcessNext(std::chrono::milliseconds timeout);

  WorkQueue& queue() { return queue_; }
  const std::string& name() const { return name_; }

 protected:
  // An informer handler that adds the object's key (ns/name) to the queue on
  // add, update and delete.
  EventHandler EnqueueKeys();

  WorkQueue queue_;

 private:
  void Handle(const std::string& key);

  const std::string name_;
  std::vector<std::thread> workers_;
};

}  // namespace netkube::client
