// The `rewrite` plugin: changes the question of a query before the plugins
// after it see it, and puts the answer back in terms of the original
// question on the way out, as CoreDNS's rewrite plugin does.
//
//   rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO
//           [answer auto | answer name FROM TO | answer value FROM TO]...
//   rewrite [continue|stop] type FROM TO        (e.g. ANY HINFO)
//   rewrite [continue|stop] class FROM TO       (IN, CH, HS, ...)
//   rewrite [continue|stop] { name ... \n answer ... }   (the same, in a block)
//
// Names are matched in lower case with the trailing dot ("www.example.org.");
// FROM and TO of all but `regex` are made lower-case and fully qualified
// (`prefix foo bar` turns "foo.example.org." into "bar.example.org.").
// `regex` uses ECMAScript syntax (std::regex; Go's RE2 extensions such as
// (?i) are not understood) and TO may use {0}..{N} for the match and its
// groups. A rewritten name that is no valid domain name gets SERVFAIL.
//
// Several `rewrite` lines of a server block are tried in order; the first
// that matches ends the list unless it says `continue` (then the next ones
// see the rewritten question). With the server's chain, each line is its own
// plugin; a matching `stop` rule skips the `rewrite` plugins right after it.
//
// The reply: its question is always the original one again. `exact` rules
// (and any rule with `answer auto`) map the rewritten name back to the
// original one in the owner names and in the names inside CNAME, NS, PTR,
// DNAME, SRV, MX and SOA (MNAME) records, also for names below it; a `suffix`
// rule with `answer auto` swaps the suffix back. `answer name FROM TO`
// rewrites owner names matching the regular expression FROM to TO, `answer
// value FROM TO` the names inside records. Answer rules of several matching
// rules run last rule first, on the authority, answer and additional
// sections.
//
// The `edns0`, `ttl`, `cname` and `rcode` rules are not implemented: they are
// a setup error that says so.
//
// Thread-safety: Serve may be called from several threads; rules are
// immutable after setup.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

class RewritePlugin : public Plugin {
 public:
  struct Rule;  // rewrite.cc
  explicit RewritePlugin(std::vector<std::unique_ptr<Rule>> rules);
  ~RewritePlugin() override;

  std::string_view name() const override { return "rewrite"; }
  void Serve(RequestPtr req) override;

 private:
  std::vector<std::unique_ptr<Rule>> rules_;
};

}  // namespace netkube::dns
