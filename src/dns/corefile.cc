// The Corefile parser: a lexer into tokens that remember their logical line,
// then a recursive parser over that token list. Imports are spliced into the
// list while parsing, the way the Corefile's own reader does it, so an
// imported snippet or file may hold whole server blocks or directive lines.
//
// Escapes outside quotes: `\` before a blank, a quote, a backtick or `#`
// makes it literal and `\` at the end of a line continues the line; any other
// `\X` is kept as written, so regular expressions such as `(.*)\.example\.org`
// reach the plugins unchanged (as they do in CoreDNS). Inside "double quotes"
// only `\"` is an escape; inside `backticks` nothing is.
//
// Environment references are replaced in each token after tokenizing (as
// CoreDNS does), so a value never changes the structure of the file.
#include "dns/corefile.h"

#include <glob.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace netkube::dns {

namespace {

constexpr int kMaxImportDepth = 10;
constexpr int kMaxExpansions = 10000;
constexpr size_t kMaxTokens = 1000000;
constexpr int kMaxNesting = 100;

// One frame of the chain of imports a token came through (cycle detection).
struct ImportFrame {
  std::string name;
  std::shared_ptr<const ImportFrame> parent;
  int depth = 0;
};

struct Tok {
  std::string text;
  std::string file;
  int line = 0;
  uint64_t start_id = 0;  // logical line where the token starts
  uint64_t end_id = 0;    // ... and where it ends (quoted text may span lines)
  bool literal = false;   // quoted or escaped: never a brace or a keyword
  std::shared_ptr<const ImportFrame> origin;

  bool Is(std::string_view s) const { return !literal && text == s; }
  Token ToToken(std::string text_out) const { return Token{std::move(text_out), file, line}; }
};

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

Status ErrAt(const Tok& t, std::string_view what) { return ParseErrorAt(Token{t.text, t.file, t.line}, what); }

// Splits `text` into tokens. `next_id` numbers logical lines across all the
// files of one parse.
StatusOr<std::vector<Tok>> Lex(std::string_view text, const std::string& file, uint64_t& next_id) {
  std::vector<Tok> out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // byte order mark
  int line = 1;
  uint64_t id = ++next_id;
  Tok cur;
  bool in_token = false, comment = false;
  auto start = [&](bool literal) {
    cur = Tok{};
    cur.file = file;
    cur.line = line;
    cur.start_id = id;
    cur.literal = literal;
    in_token = true;
  };
  auto finish = [&] {
    if (!in_token) return;
    cur.end_id = id;
    out.push_back(std::move(cur));
    in_token = false;
  };
  auto newline = [&] {
    ++line;
    id = ++next_id;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (comment) {
      if (c == '\n') {
        comment = false;
        finish();
        newline();
      }
      continue;
    }
    if (IsBlank(c)) {
      finish();
      if (c == '\n') newline();
      continue;
    }
    if (c == '#') {
      comment = true;  // the text so far stays a token
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      char n = text[i + 1];
      if (n == '\n' || (n == '\r' && i + 2 < text.size() && text[i + 2] == '\n')) {
        finish();  // continuation: same logical line, next physical line
        i += (n == '\r') ? 2 : 1;
        ++line;
        continue;
      }
      if (n == ' ' || n == '\t' || n == '"' || n == '`' || n == '#') {
        if (!in_token) start(true);
        cur.literal = true;
        cur.text.push_back(n);
        ++i;
        continue;
      }
    }
    if (!in_token && (c == '"' || c == '`')) {
      start(true);
      Tok quoted_start = cur;
      size_t j = i + 1;
      bool closed = false;
      for (; j < text.size(); ++j) {
        char q = text[j];
        if (c == '"' && q == '\\' && j + 1 < text.size() && text[j + 1] == '"') {
          cur.text.push_back('"');
          ++j;
          continue;
        }
        if (q == c) {
          closed = true;
          break;
        }
        if (q == '\n') newline();
        cur.text.push_back(q);
      }
      if (!closed) return ErrAt(quoted_start, "Unexpected EOF (unterminated quoted string)");
      i = j;
      finish();
      continue;
    }
    if (!in_token) start(false);
    cur.text.push_back(c);
  }
  finish();
  return out;
}

// Replaces {$VAR} and {%VAR%} in one pass (values are not expanded again).
std::string ExpandEnv(const std::string& s, const CorefileOptions& opts) {
  if (s.find('{') == std::string::npos) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '{' && i + 1 < s.size() && (s[i + 1] == '$' || s[i + 1] == '%')) {
      bool win = s[i + 1] == '%';
      std::string_view close = win ? "%}" : "}";
      size_t end = s.find(close, i + 2);
      if (end != std::string::npos && end > i + 2) {
        std::string name = s.substr(i + 2, end - i - 2);
        std::optional<std::string> v;
        if (opts.getenv) {
          v = opts.getenv(name);
        } else if (const char* e = std::getenv(name.c_str())) {
          v = std::string(e);
        }
        if (v) out += *v;
        i = end + close.size();
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

StatusOr<std::string> ReadFromDisk(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::NotFound("no such file or directory");
  if (S_ISDIR(st.st_mode)) return Status::Invalid("is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> GlobFromDisk(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return out;
}

class Parser {
 public:
  Parser(std::vector<Tok> toks, const CorefileOptions& opts, uint64_t next_id)
      : t_(std::move(toks)), opts_(opts), next_id_(next_id) {}

  StatusOr<std::vector<ServerBlock>> ParseAll() {
    std::vector<ServerBlock> blocks;
    while (i_ < t_.size()) {
      if (t_[i_].Is("import") && LineStart(i_)) {
        NK_RETURN_IF_ERROR(Import());
        continue;
      }
      ServerBlock block;
      NK_RETURN_IF_ERROR(Keys(block));
      if (block.keys.size() == 1 && block.keys[0].text.size() >= 2 && block.keys[0].text.front() == '(' &&
          block.keys[0].text.back() == ')') {
        NK_RETURN_IF_ERROR(Snippet(block.keys[0]));
        continue;
      }
      if (i_ >= t_.size()) {
        if (!block.keys.empty()) blocks.push_back(std::move(block));
        break;
      }
      if (t_[i_].Is("{}")) {
        ++i_;
      } else if (t_[i_].Is("{")) {
        ++i_;
        NK_RETURN_IF_ERROR(Lines(block.directives, true, 0));
      } else {
        // A single server block may leave out its braces.
        NK_RETURN_IF_ERROR(Lines(block.directives, false, 0));
      }
      if (!block.keys.empty()) blocks.push_back(std::move(block));
    }
    return blocks;
  }

 private:
  bool LineStart(size_t i) const { return i == 0 || t_[i - 1].end_id != t_[i].start_id; }
  bool SameLine(size_t i) const { return i > 0 && i < t_.size() && t_[i - 1].end_id == t_[i].start_id; }
  const Tok& Last() const { return t_.back(); }
  std::string Env(const Tok& t) const { return ExpandEnv(t.text, opts_); }

  // Server block keys, up to the `{` (not consumed) or the end of the line.
  Status Keys(ServerBlock& block) {
    bool expecting = false;
    while (true) {
      const Tok& t = t_[i_];
      if (t.Is("import") && LineStart(i_) && !block.keys.empty() && expecting) {
        NK_RETURN_IF_ERROR(Import());
        if (i_ >= t_.size()) return ErrAt(Last(), "Unexpected EOF");
        continue;
      }
      if (t.Is("{") || t.Is("{}")) {
        if (expecting) return ErrAt(t, "Expected another address but had '{' - check for extra comma");
        if (block.keys.empty()) return ErrAt(t, "Unexpected token '{', expecting a server block key");
        return Status::OK();
      }
      if (t.Is("}")) return ErrAt(t, "Unexpected '}' because no matching opening brace");
      std::string text = Env(t);
      // Several keys may share a token, separated by commas.
      size_t pos = 0;
      while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!part.empty()) block.keys.push_back(t.ToToken(part));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      if (!text.empty()) expecting = text.back() == ',';
      ++i_;
      if (i_ >= t_.size()) {
        if (expecting) return ErrAt(Last(), "Unexpected EOF");
        return Status::OK();
      }
      if (!expecting && LineStart(i_) && !t_[i_].Is("{") && !t_[i_].Is("{}")) return Status::OK();
    }
  }

  // `(name) { ... }`: keeps the tokens between the braces for `import name`.
  Status Snippet(const Token& key) {
    std::string name = key.text.substr(1, key.text.size() - 2);
    if (snippets_.count(name)) {
      return ParseErrorAt(key, "redeclaration of previously declared snippet " + name);
    }
    if (i_ >= t_.size()) return ParseErrorAt(key, "Unexpected EOF");
    if (t_[i_].Is("{}")) {
      ++i_;
      snippets_.emplace(name, std::vector<Tok>{});
      return Status::OK();
    }
    if (!t_[i_].Is("{")) return ErrAt(t_[i_], "Syntax error: Unexpected token '" + t_[i_].text + "', expecting '{'");
    ++i_;
    int depth = 1;
    std::vector<Tok> body;
    while (i_ < t_.size()) {
      const Tok& t = t_[i_++];
      if (t.Is("{")) ++depth;
      if (t.Is("}") && --depth == 0) {
        snippets_.emplace(name, std::move(body));
        return Status::OK();
      }
      body.push_back(t);
    }
    return ErrAt(Last(), "Unexpected EOF");
  }

  // The lines of a block (or of a brace-less server block) into `out`.
  Status Lines(std::vector<Directive>& out, bool closing, int nesting) {
    if (nesting > kMaxNesting) return ErrAt(t_[i_ - 1], "blocks nested too deep");
    while (i_ < t_.size()) {
      const Tok& t = t_[i_];
      if (t.Is("}")) {
        if (!closing) return ErrAt(t, "Unexpected '}' because no matching opening brace");
        ++i_;
        return Status::OK();
      }
      if (t.Is("{")) return ErrAt(t, "Unexpected token '{', expecting a directive");
      if (t.Is("import")) {
        NK_RETURN_IF_ERROR(Import());
        continue;
      }
      Directive d;
      d.name = t.ToToken(Env(t));
      ++i_;
      while (SameLine(i_)) {
        const Tok& a = t_[i_];
        if (a.Is("}")) break;
        if (a.Is("{}")) {  // an empty block written without a blank
          d.has_block = true;
          ++i_;
          break;
        }
        if (a.Is("{")) {
          d.has_block = true;
          ++i_;
          NK_RETURN_IF_ERROR(Lines(d.block, true, nesting + 1));
          break;
        }
        d.args.push_back(a.ToToken(Env(a)));
        ++i_;
      }
      out.push_back(std::move(d));
    }
    if (closing) return ErrAt(Last(), "Unexpected EOF");
    return Status::OK();
  }

  // `import NAME|PATTERN` at i_: replaces those two tokens by the snippet's
  // or the files' tokens.
  Status Import() {
    const Tok imp = t_[i_];
    if (!SameLine(i_ + 1)) return ErrAt(imp, "Wrong argument count or unexpected line ending after 'import'");
    const Tok arg = t_[i_ + 1];
    std::string pattern = Env(arg);
    if (pattern.empty()) return ErrAt(arg, "Import requires a non-empty filepath");
    if (SameLine(i_ + 2)) return ErrAt(arg, "Import takes only one argument (glob pattern or file)");
    if (++expansions_ > kMaxExpansions) return ErrAt(arg, "too many imports (more than 10000 expansions)");

    int depth = imp.origin ? imp.origin->depth : 0;
    if (depth >= kMaxImportDepth) {
      return ErrAt(arg, "import depth exceeds " + std::to_string(kMaxImportDepth) + " levels");
    }
    std::vector<Tok> imported;
    std::string frame_name;
    auto it = snippets_.find(pattern);
    if (it != snippets_.end()) {
      frame_name = "snippet " + pattern;
      NK_RETURN_IF_ERROR(CheckCycle(imp, arg, frame_name));
      std::unordered_map<uint64_t, uint64_t> renumber;  // each paste gets lines of its own
      for (const Tok& s : it->second) {
        Tok c = s;
        auto [a, fresh_a] = renumber.try_emplace(s.start_id, 0);
        if (fresh_a) a->second = ++next_id_;
        c.start_id = a->second;
        auto [b, fresh_b] = renumber.try_emplace(s.end_id, 0);
        if (fresh_b) b->second = ++next_id_;
        c.end_id = b->second;
        imported.push_back(std::move(c));
      }
    } else {
      std::string path = pattern;
      if (path.front() != '/') path = DirName(imp.file) + "/" + pattern;
      size_t stars = 0, qmarks = 0;
      for (char c : path) {
        stars += c == '*';
        qmarks += c == '?';
      }
      bool wild = stars > 0 || qmarks > 0 || path.find('[') != std::string::npos;
      if (stars > 1 || qmarks > 1 ||
          (path.find('[') != std::string::npos && path.find(']') != std::string::npos)) {
        return ErrAt(arg, "Glob pattern may only contain one wildcard (*), but has others: " + path);
      }
      std::vector<std::string> matches = opts_.glob ? opts_.glob(path) : GlobFromDisk(path);
      if (matches.empty() && !wild) return ErrAt(arg, "File to import not found: " + pattern);
      for (const std::string& file : matches) {
        NK_RETURN_IF_ERROR(CheckCycle(imp, arg, file));
        StatusOr<std::string> content = opts_.read_file ? opts_.read_file(file) : ReadFromDisk(file);
        if (!content.ok()) return ErrAt(arg, "Could not import " + file + ": " + content.status().message());
        StatusOr<std::vector<Tok>> toks = Lex(*content, file, next_id_);
        if (!toks.ok()) return toks.status();
        auto frame = std::make_shared<ImportFrame>(ImportFrame{file, imp.origin, depth + 1});
        for (Tok& tk : *toks) tk.origin = frame;
        imported.insert(imported.end(), std::make_move_iterator(toks->begin()),
                        std::make_move_iterator(toks->end()));
        if (imported.size() + t_.size() > kMaxTokens) return ErrAt(arg, "imports expand to too many tokens");
      }
    }
    if (!frame_name.empty()) {
      auto frame = std::make_shared<ImportFrame>(ImportFrame{frame_name, imp.origin, depth + 1});
      for (Tok& tk : imported) tk.origin = frame;
    }
    if (imported.size() + t_.size() > kMaxTokens) return ErrAt(arg, "imports expand to too many tokens");
    t_.erase(t_.begin() + i_, t_.begin() + i_ + 2);
    t_.insert(t_.begin() + i_, std::make_move_iterator(imported.begin()), std::make_move_iterator(imported.end()));
    return Status::OK();
  }

  Status CheckCycle(const Tok& imp, const Tok& arg, const std::string& name) const {
    std::string chain = name;
    for (const ImportFrame* f = imp.origin.get(); f; f = f->parent.get()) {
      chain = f->name + " -> " + chain;
      if (f->name == name) return ErrAt(arg, "import cycle: " + chain);
    }
    return Status::OK();
  }

  std::vector<Tok> t_;
  size_t i_ = 0;
  const CorefileOptions& opts_;
  uint64_t next_id_;
  int expansions_ = 0;
  std::unordered_map<std::string, std::vector<Tok>> snippets_;
};

}  // namespace

StatusOr<std::vector<ServerBlock>> ParseCorefile(std::string_view text, const CorefileOptions& options) {
  uint64_t next_id = 0;
  StatusOr<std::vector<Tok>> toks = Lex(text, options.file, next_id);
  if (!toks.ok()) return toks.status();
  Parser p(std::move(*toks), options, next_id);
  return p.ParseAll();
}

Status ParseErrorAt(const Token& at, std::string_view what) {
  return Status::Invalid(at.file + ":" + std::to_string(at.line) + " - Error during parsing: " + std::string(what));
}

Status ArgErr(const Token& at) {
  if (at.text == "{") return ParseErrorAt(at, "Unexpected token '{', expecting argument");
  return ParseErrorAt(at, "Wrong argument count or unexpected line ending after '" + at.text + "'");
}

}  // namespace netkube::dns
