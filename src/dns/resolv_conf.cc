#include "dns/resolv_conf.h"

#include "util/file.h"

namespace netkube::dns {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// The whitespace-separated words of `line` up to a comment.
std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size() || line[i] == '#' || line[i] == ';') break;
    size_t j = i;
    while (j < line.size() && !IsSpace(line[j]) && line[j] != '#' && line[j] != ';') ++j;
    words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

}  // namespace

std::vector<std::string> ParseResolvConfNameservers(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    std::vector<std::string_view> words = Words(line);
    if (words.size() >= 2 && words[0] == "nameserver") out.emplace_back(words[1]);
  }
  return out;
}

StatusOr<std::vector<std::string>> ReadResolvConfNameservers(const std::string& path) {
  StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return ParseResolvConfNameservers(*text);
}

}  // namespace netkube::dns
