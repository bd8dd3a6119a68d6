// Fuzzes the API server's request handling: routing, query parsing, content
// negotiation, body decoding and the registry, with an in-memory store. The
// input is split on newlines into method, path, query string, content type,
// accept header, and the rest as the body. The handler must answer every
// request (one response or one stream) and never crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "apiserver/admission.h"
#include "apiserver/bootstrap.h"
#include "apiserver/handler.h"
#include "apiserver/metrics.h"
#include "apiserver/registry.h"
#include "store/store.h"

namespace {

using namespace netkube;

class Writer : public apiserver::ResponseWriter {
 public:
  void Send(apiserver::Response) override { ++answers; }
  bool StartStream(int, std::string) override {
    ++answers;
    return true;
  }
  bool Write(std::string_view) override { return ++writes < 4; }
  bool Alive() const override { return writes < 4; }
  int answers = 0;
  int writes = 0;
};

struct World {
  std::unique_ptr<store::Store> store = store::OpenMemoryStore();
  apiserver::Admission admission{apiserver::AdmissionOptions{}};
  std::unique_ptr<apiserver::Registry> registry;
  apiserver::Metrics metrics;
  std::unique_ptr<apiserver::ApiHandler> handler;
  World() {
    (void)admission.Init();
    registry = std::make_unique<apiserver::Registry>(*store, admission, nullptr);
    (void)apiserver::Bootstrap(*registry, {"10.96.0.1", "172.18.0.2", 6443});
    handler = std::make_unique<apiserver::ApiHandler>(*registry, metrics, apiserver::HandlerOptions{});
  }
};

std::string_view NextLine(std::string_view* in) {
  size_t nl = in->find('\n');
  std::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  apiserver::Request req;
  req.method = std::string(NextLine(&in));
  req.path = std::string(NextLine(&in));
  std::string_view query = NextLine(&in);
  while (!query.empty()) {  // k=v&k=v
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    size_t eq = pair.find('=');
    req.query.emplace(std::string(pair.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
  }
  req.headers["content-type"] = std::string(NextLine(&in));
  req.headers["accept"] = std::string(NextLine(&in));
  req.body = std::string(in);
  req.client_cert = apiserver::ClientCert{"fuzzer", {"system:masters"}};
  // Long-lived watches would stall the fuzzer; they get a short timeout.
  req.query.erase("timeoutSeconds");
  req.query.emplace("timeoutSeconds", "1");
  Writer w;
  world.handler->Serve(req, w);
  if (w.answers != 1) __builtin_trap();
  return 0;
}
