#include "dns/name.h"

#include <cstring>

namespace netkube::dns {
namespace {

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

Status BadName(std::string_view text, std::string_view why) {
  std::string m = "bad name \"";
  m.append(text);
  m += "\": ";
  m.append(why);
  return Status::Invalid(std::move(m));
}

// Characters dig escapes with a backslash inside a label.
inline bool IsSpecial(unsigned char c) {
  switch (c) {
    case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
      return true;
    default:
      return false;
  }
}

}  // namespace

void LowerWire(std::string& wire) {
  for (char& c : wire) c = Lower(c);
}

Name::Name() : wire_(1, '\0') {}

StatusOr<Name> Name::Parse(std::string_view text) {
  if (text.empty() || text == ".") return Name();
  std::string wire;
  wire.reserve(text.size() + 2);
  size_t label_start = 0;  // index of the current label's length byte
  wire.push_back('\0');
  bool label_open = true;  // a label has been started (possibly empty so far)
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      size_t len = wire.size() - label_start - 1;
      if (len == 0) return BadName(text, "empty label");
      wire[label_start] = static_cast<char>(len);
      label_start = wire.size();
      wire.push_back('\0');
      label_open = false;
      continue;
    }
    label_open = true;
    if (c == '\\') {
      if (i + 1 >= text.size()) return BadName(text, "bad escape");
      char d = text[i + 1];
      if (d >= '0' && d <= '9') {
        if (i + 3 >= text.size()) return BadName(text, "bad escape");
        int v = 0;
        for (size_t k = 1; k <= 3; ++k) {
          char e = text[i + k];
          if (e < '0' || e > '9') return BadName(text, "bad escape");
          v = v * 10 + (e - '0');
        }
        if (v > 255) return BadName(text, "bad escape");
        wire.push_back(static_cast<char>(v));
        i += 3;
      } else {
        wire.push_back(d);
        i += 1;
      }
    } else {
      wire.push_back(c);
    }
    if (wire.size() - label_start - 1 > kMaxLabel) return BadName(text, "label longer than 63 bytes");
    if (wire.size() + 1 > kMaxName) return BadName(text, "name longer than 255 bytes");
  }
  if (label_open) {
    size_t len = wire.size() - label_start - 1;
    wire[label_start] = static_cast<char>(len);
    wire.push_back('\0');
  }
  // else: the text ended with '.', and the last pushed byte is the root label.
  if (wire.size() > kMaxName) return BadName(text, "name longer than 255 bytes");
  return Name(std::move(wire));
}

StatusOr<Name> Name::FromWire(std::string_view wire) {
  size_t i = 0;
  if (wire.size() > kMaxName) return Status::Invalid("bad wire name: longer than 255 bytes");
  while (i < wire.size()) {
    unsigned char len = static_cast<unsigned char>(wire[i]);
    if (len == 0) {
      if (i + 1 != wire.size()) return Status::Invalid("bad wire name: bytes after the root label");
      return Name(std::string(wire));
    }
    if (len > kMaxLabel) return Status::Invalid("bad wire name: label longer than 63 bytes");
    i += 1 + len;
  }
  return Status::Invalid("bad wire name: no root label");
}

std::string Name::key() const {
  std::string k = wire_;
  LowerWire(k);
  return k;
}

std::string Name::ToString() const {
  if (IsRoot()) return ".";
  std::string out;
  out.reserve(wire_.size() + 4);
  size_t i = 0;
  while (i < wire_.size()) {
    size_t len = static_cast<unsigned char>(wire_[i]);
    if (len == 0) break;
    for (size_t k = i + 1; k <= i + len; ++k) {
      unsigned char c = static_cast<unsigned char>(wire_[k]);
      if (IsSpecial(c)) {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c <= 0x20 || c >= 0x7f) {
        char buf[4] = {'\\', static_cast<char>('0' + c / 100), static_cast<char>('0' + (c / 10) % 10),
                       static_cast<char>('0' + c % 10)};
        out.append(buf, 4);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('.');
    i += 1 + len;
  }
  return out;
}

int Name::label_count() const {
  int n = 0;
  size_t i = 0;
  while (i < wire_.size() && wire_[i] != 0) {
    ++n;
    i += 1 + static_cast<unsigned char>(wire_[i]);
  }
  return n;
}

std::vector<std::string_view> Name::labels() const {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < wire_.size() && wire_[i] != 0) {
    size_t len = static_cast<unsigned char>(wire_[i]);
    out.emplace_back(wire_.data() + i + 1, len);
    i += 1 + len;
  }
  return out;
}

std::string_view Name::label(int idx) const {
  size_t i = 0;
  while (i < wire_.size() && wire_[i] != 0) {
    size_t len = static_cast<unsigned char>(wire_[i]);
    if (idx == 0) return std::string_view(wire_.data() + i + 1, len);
    --idx;
    i += 1 + len;
  }
  return {};
}

Name Name::Parent(int n) const {
  size_t i = 0;
  while (n > 0 && i < wire_.size() && wire_[i] != 0) {
    i += 1 + static_cast<unsigned char>(wire_[i]);
    --n;
  }
  if (i == 0) return *this;
  return Name(wire_.substr(i));
}

StatusOr<Name> Name::Prepend(std::string_view label) const {
  if (label.empty()) return Status::Invalid("bad label: empty");
  if (label.size() > kMaxLabel) return Status::Invalid("bad label: longer than 63 bytes");
  if (wire_.size() + 1 + label.size() > kMaxName) return Status::Invalid("bad name: longer than 255 bytes");
  std::string w;
  w.reserve(wire_.size() + 1 + label.size());
  w.push_back(static_cast<char>(label.size()));
  w.append(label);
  w.append(wire_);
  return Name(std::move(w));
}

namespace {
bool EqualFold(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i] && Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}
}  // namespace

bool Name::IsSubdomainOf(const Name& zone) const {
  size_t zs = zone.wire_.size();
  if (wire_.size() < zs) return false;
  size_t skip = wire_.size() - zs;
  // `skip` must fall on a label boundary.
  size_t i = 0;
  while (i < skip) i += 1 + static_cast<unsigned char>(wire_[i]);
  if (i != skip) return false;
  return EqualFold(wire_.data() + skip, zone.wire_.data(), zs);
}

bool operator==(const Name& a, const Name& b) {
  return a.wire_.size() == b.wire_.size() && EqualFold(a.wire_.data(), b.wire_.data(), a.wire_.size());
}

}  // namespace netkube::dns
