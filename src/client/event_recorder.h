// EventRecorder: writes core/v1 Events about objects, as client-go's recorder
// does, so `kubectl describe` and `kubectl get events` show them.
//
// An Event is named "<object name>.<hex nanoseconds>", lives in the object's
// namespace ("default" for cluster-scoped objects), and carries involvedObject,
// reason, message, type (Normal/Warning), source.component, first/lastTimestamp
// and count. Repeats of the same (object uid, type, reason, message) within
// this recorder patch count and lastTimestamp of the existing Event instead.
// Failures are logged, never returned: events are best effort.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "client/client.h"

namespace netkube::client {

class EventRecorder {
 public:
  EventRecorder(Client& client, std::string component) : client_(client), component_(std::move(component)) {}

  void Normal(const Json& object, std::string_view reason, std::string_view message) {
    Record(object, "Normal", reason, message);
  }
  void Warning(const Json& object, std::string_view reason, std::string_view message) {
    Record(object, "Warning", reason, message);
  }
  void Record(const Json& object, std::string_view type, std::string_view reason, std::string_view message);

 private:
  struct Seen {
    std::string ns, name;
    int64_t count = 0;
  };
  Client& client_;
  const std::string component_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;  // uid|type|reason|message -> event
};

}  // namespace netkube::client
