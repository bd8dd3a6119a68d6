// The `log` plugin: CoreDNS's query log (plugin/log/README.md).
//
//   log [NAMES...] [FORMAT] {
//       class success|denial|error|all ...
//   }
//
// One line per reply to a query whose name is in one of NAMES (default
// "."), written to stdout as "[INFO] " + FORMAT with its placeholders
// filled. The default format is CoreDNS's Common Log Format (one line):
//   {remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}"
//   {rcode} {>rflags} {rsize} {duration}
// and `{common}` / `{combined}` (the same plus ` "{>opcode}"`) may be used
// inside FORMAT. Placeholders: {type} {name} {class} {proto} {size} {remote}
// {port} {local} {>id} {>opcode} {>do} {>bufsize} {rcode} {rsize}
// {duration} {>rflags} {/log/class} {/log/type}; other {/LABEL} print "-",
// and unknown {X} stay as written. The first rule whose name matches
// decides; `class` limits it to success (NOERROR with data, delegations),
// denial (NXDOMAIN, NODATA) or error (the rest) replies; the default is all.
//
// Differences from CoreDNS: a single argument containing '{' is a FORMAT for
// ".", not a name. {size} is the query's serialized size.
//
// It is a ResponseFilter: FilterWire reads the header of the reply about to
// be written (and walks the records only when the class is needed), so
// wire-path replies (cache hits) are logged without a parse.
//
// Thread-safety: Serve may be called from several threads; each line is
// one write(2).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/corefile.h"
#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

inline constexpr std::string_view kCommonLogFormat =
    "{remote}:{port} - {>id} \"{type} {class} {name} {proto} {size} {>do} {>bufsize}\" {rcode} {>rflags} {rsize} "
    "{duration}";

struct LogRule {
  Name scope;  // the root = every name
  std::string format;
  // Which reply classes are logged; all true = `all`.
  bool success = true, denial = true, error = true;
};

// Parses the `log` directive into rules (one per NAME).
StatusOr<std::vector<LogRule>> ParseLogRules(const Directive& d);

class LogPlugin : public Plugin {
 public:
  // `sink` receives each whole line, "\n" included (default: stdout).
  using Sink = std::function<void(std::string_view line)>;
  explicit LogPlugin(std::vector<LogRule> rules, Sink sink = nullptr);
  ~LogPlugin() override;

  std::string_view name() const override { return "log"; }
  void Serve(RequestPtr req) override;

  // One compiled rule; public for the filter in log.cc.
  struct Compiled;

 private:
  std::vector<std::unique_ptr<Compiled>> rules_;
  Sink sink_;
};

}  // namespace netkube::dns
