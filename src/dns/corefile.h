// The Corefile: CoreDNS's configuration syntax, parsed into server blocks of
// directives. This file knows the syntax only; each plugin parses its own
// directive (see setup.h).
//
// Syntax (as CoreDNS/Caddy read it):
//   - a server block is one or more keys ("cluster.local:53", ".", "dns://.:1053",
//     "10.in-addr.arpa", "example.org:5300 example.net") then `{ ... }`;
//     several keys may be separated by spaces or commas;
//   - inside, one directive per line: a name, arguments, and optionally its own
//     `{ ... }` block whose lines are directives again (any depth);
//   - `#` starts a comment outside quotes; "double quotes" and `backticks`
//     group words; a `\` escapes a blank, quote, backtick or `#` (other `\X`
//     stay as written, so regular expressions keep theirs); a line ending in
//     `\` continues; `{}` is an empty block;
//   - `{$VAR}` and `{%VAR%}` are replaced by the environment variable (empty
//     when unset) inside each token, as CoreDNS does (a value never splits
//     into several tokens);
//   - `(name) { ... }` defines a snippet, `import name` pastes it, `import
//     PATTERN` pastes files (glob, relative to the Corefile's directory);
//     import cycles and more than 10 levels are errors.
// Errors: kInvalid with "FILE:LINE - Error during parsing: WHAT", the text
// CoreDNS prints (e.g. "Unexpected '}' because no matching opening brace").
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "util/status.h"

namespace netkube::dns {

struct Token {
  std::string text;
  std::string file;
  int line = 0;
};

struct Directive {
  Token name;                      // e.g. "kubernetes", "pods", "forward"
  std::vector<Token> args;         // the rest of the line
  std::vector<Directive> block;    // the lines of its { ... } block
  bool has_block = false;          // true even for an empty {}
};

struct ServerBlock {
  std::vector<Token> keys;          // as written: "cluster.local:53", ".:53"
  std::vector<Directive> directives;
};

struct CorefileOptions {
  std::string file = "Corefile";   // for messages and relative imports
  // Environment lookup (default getenv); nullopt = unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Reads an imported file (default: from disk).
  std::function<StatusOr<std::string>(const std::string& path)> read_file;
  // Expands an import glob (default: glob(3)); sorted paths.
  std::function<std::vector<std::string>(const std::string& pattern)> glob;
};

StatusOr<std::vector<ServerBlock>> ParseCorefile(std::string_view text, const CorefileOptions& options = {});

// A server block key: "dns://cluster.local:53" -> {"dns", cluster.local., 53}.
// The default port is `default_port` (53). Only the dns:// scheme (or none)
// is served; others are errors ("unsupported scheme"). A CIDR key such as
// "10.0.0.0/8" becomes its reverse zones as CoreDNS does (one per /8, /16 or
// /24 boundary).
struct ZoneAddress {
  std::string scheme = "dns";
  std::vector<Name> zones;
  int port = 53;
};
StatusOr<ZoneAddress> ParseZoneKey(const Token& key, int default_port = 53);

// "FILE:LINE - Error during parsing: WHAT" for `at`.
Status ParseErrorAt(const Token& at, std::string_view what);
// The common one: "Wrong argument count or unexpected line ending after 'NAME'".
Status ArgErr(const Token& at);

}  // namespace netkube::dns
