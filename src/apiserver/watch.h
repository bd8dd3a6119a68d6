// Watch streams: GET ...?watch=true answered as a chunked stream of JSON
// events, one per line: {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}.
//
// resourceVersion "" or "0": synthetic ADDED events for the current state,
// then changes. A resourceVersion N: every change after N; when N is older than
// the retained history, one ERROR event with a 410 Expired Status ("too old
// resource version"), so informers relist. Selectors are applied to both the old
// and the new state, so objects leaving the selection are DELETED and objects
// entering it ADDED. Bookmarks (allowWatchBookmarks) carry the current revision.
// timeoutSeconds ends the stream.
#pragma once

#include <string>

#include "apiserver/http_server.h"
#include "apiserver/metrics.h"
#include "apiserver/registry.h"

namespace netkube::apiserver {

struct WatchParams {
  ListParams list;
  std::string resource_version;
  bool bookmarks = false;
  bool send_initial_events = false;
  int timeout_seconds = 0;  // 0 = server default (30–60 min)
  bool table = false;
  std::string include_object;
};

void ServeWatch(Registry& registry, Metrics& metrics, const api::Kind& kind, const std::string& ns,
                const WatchParams& params, ResponseWriter& w);

}  // namespace netkube::apiserver
