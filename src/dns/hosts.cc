// The hosts plugin: the table, the answers and the file watch (hosts.h).
#include "dns/hosts.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <iomanip>

#include "dns/server_impl.h"
#include "util/duration.h"
#include "util/file.h"

namespace netkube::dns {

namespace {

bool InZones(const Name& n, const std::vector<Name>& zones) {
  for (const Name& z : zones) {
    if (n.IsSubdomainOf(z)) return true;
  }
  return false;
}

// "1.2.3.4" -> 4 bytes, "fd00::1" -> 16 bytes (an IPv4-mapped address gives
// its 4 bytes); "%zone" suffixes are dropped. "" when it is no address.
std::string ParseAddress(std::string_view text) {
  std::string s(text.substr(0, text.find('%')));
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(buf, kMapped, 12) == 0) return std::string(reinterpret_cast<char*>(buf + 12), 4);
    return std::string(reinterpret_cast<char*>(buf), 16);
  }
  return "";
}

// The key of the wildcard that would match `key` ("\1*" + its parent); ""
// for the root.
std::string WildcardKey(const std::string& key) {
  if (key.size() <= 1) return "";
  size_t first = static_cast<uint8_t>(key[0]);
  return std::string("\x01*", 2) + key.substr(1 + first);
}

template <typename Map>
const typename Map::mapped_type* Find(const Map& exact, const Map& wild, const std::string& key) {
  if (auto it = exact.find(key); it != exact.end()) return &it->second;
  std::string w = WildcardKey(key);
  if (w.empty()) return nullptr;
  if (auto it = wild.find(w); it != wild.end()) return &it->second;
  return nullptr;
}

Status HostsErr(const Token& at, const std::string& what) { return ParseErrorAt(at, "plugin/hosts: " + what); }

}  // namespace

HostsTable ParseHostsText(std::string_view text, const std::vector<Name>& zones, bool reverse) {
  HostsTable t;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> f;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t start = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i > start) f.push_back(line.substr(start, i - start));
    }
    if (f.size() < 2) continue;
    std::string addr = ParseAddress(f[0]);
    if (addr.empty()) continue;
    for (size_t i = 1; i < f.size(); ++i) {
      auto name = Name::Parse(f[i]);
      if (!name.ok() || !InZones(*name, zones)) continue;
      std::string key = name->key();
      bool wild = name->label_count() > 0 && name->label(0) == "*";
      if (addr.size() == 4) {
        std::array<uint8_t, 4> a;
        std::memcpy(a.data(), addr.data(), 4);
        (wild ? t.wild4 : t.v4)[key].push_back(a);
      } else {
        std::array<uint8_t, 16> a;
        std::memcpy(a.data(), addr.data(), 16);
        (wild ? t.wild6 : t.v6)[key].push_back(a);
      }
      ++t.entries;
      if (wild || !reverse) continue;
      // Lower-cased, as the names are normalized.
      auto lower = Name::FromWire(key);
      if (lower.ok()) {
        t.ptr[addr].push_back(std::move(*lower));
        ++t.entries;
      }
    }
  }
  return t;
}

std::string AddressFromReverse(const Name& name) {
  std::vector<std::string_view> labels = name.labels();
  auto lower = [](std::string_view s) {
    std::string o(s);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  if (labels.size() == 6 && lower(labels[4]) == "in-addr" && lower(labels[5]) == "arpa") {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) {
      std::string_view l = labels[3 - i];
      if (l.empty() || l.size() > 3 || (l.size() > 1 && l[0] == '0')) return "";
      int v = 0;
      for (char c : l) {
        if (c < '0' || c > '9') return "";
        v = v * 10 + (c - '0');
      }
      if (v > 255) return "";
      out[i] = static_cast<char>(v);
    }
    return out;
  }
  if (labels.size() == 34 && lower(labels[32]) == "ip6" && lower(labels[33]) == "arpa") {
    std::string out(16, '\0');
    for (int n = 0; n < 32; ++n) {
      std::string_view l = labels[31 - n];
      if (l.size() != 1 || !std::isxdigit(static_cast<unsigned char>(l[0]))) return "";
      int v = std::isdigit(static_cast<unsigned char>(l[0])) ? l[0] - '0' : std::tolower(l[0]) - 'a' + 10;
      out[n / 2] = static_cast<char>(out[n / 2] | (n % 2 == 0 ? v << 4 : v));
    }
    return out;
  }
  return "";
}

HostsPlugin::HostsPlugin(HostsOptions options) : options_(std::move(options)) {
  inline_table_ = ParseHostsText(options_.inline_text, options_.zones, options_.reverse);
  {
    std::lock_guard<std::mutex> l(mu_);
    data_ = std::make_shared<Data>(Data{HostsTable{}, inline_table_});
  }
  struct stat st;
  if (stat(options_.path.c_str(), &st) != 0) {
    ServerLog("WARNING", "plugin/hosts: File does not exist: " + options_.path);
  } else if (S_ISDIR(st.st_mode)) {
    ServerLog("WARNING", "plugin/hosts: Hosts file \"" + options_.path + "\" is a directory");
  }
  CheckFile();
  if (options_.reload.count() > 0) reloader_ = std::thread([this] { ReloadLoop(); });
}

HostsPlugin::~HostsPlugin() {
  {
    std::lock_guard<std::mutex> l(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (reloader_.joinable()) reloader_.join();
}

void HostsPlugin::ReloadLoop() {
  std::unique_lock<std::mutex> l(stop_mu_);
  while (!stop_cv_.wait_for(l, options_.reload, [this] { return stop_; })) {
    l.unlock();
    CheckFile();
    l.lock();
  }
}

bool HostsPlugin::CheckFile() {
  std::lock_guard<std::mutex> check(check_mu_);
  struct stat st;
  // A file that cannot be read keeps the entries last read from it.
  if (stat(options_.path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return false;
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (mtime == mtime_ns_ && st.st_size == size_) return false;
  auto next = std::make_shared<Data>();
  auto text = ReadFileToString(options_.path);
  next->file = ParseHostsText(text.ok() ? *text : std::string(), options_.zones, options_.reverse);
  next->inline_entries = inline_table_;
  mtime_ns_ = mtime;
  size_ = st.st_size;
  {
    std::lock_guard<std::mutex> l(mu_);
    data_ = std::move(next);
    reload_timestamp_ = static_cast<double>(mtime) / 1e9;
  }
  BumpDataGeneration();
  return true;
}

std::shared_ptr<const HostsPlugin::Data> HostsPlugin::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  return data_;
}

bool HostsPlugin::Falls(const Name& qname) const {
  if (!options_.fallthrough) return false;
  if (options_.fallthrough_zones.empty()) return true;
  return InZones(qname, options_.fallthrough_zones);
}

void HostsPlugin::Serve(RequestPtr req) {
  if (req->query.question.empty()) return Next(std::move(req));
  const Question& q = req->query.question[0];
  uint16_t qtype = q.qtype;
  if (qtype != type::PTR && !InZones(q.name, options_.zones)) return Next(std::move(req));

  uint64_t generation = DataGeneration();
  std::shared_ptr<const Data> data = Snapshot();
  const std::string& key = req->qkey();
  auto has4 = [&] {
    return Find(data->file.v4, data->file.wild4, key) || Find(data->inline_entries.v4, data->inline_entries.wild4, key);
  };
  auto has6 = [&] {
    return Find(data->file.v6, data->file.wild6, key) || Find(data->inline_entries.v6, data->inline_entries.wild6, key);
  };

  Message reply = Message::ReplyTo(req->query);
  reply.header.aa = true;
  const uint32_t ttl = options_.ttl;
  switch (qtype) {
    case type::PTR: {
      std::string addr = AddressFromReverse(q.name);
      std::vector<const std::vector<Name>*> lists;
      for (const HostsTable* t : {&data->file, &data->inline_entries}) {
        if (addr.empty()) break;
        if (auto it = t->ptr.find(addr); it != t->ptr.end()) lists.push_back(&it->second);
      }
      if (lists.empty()) return Next(std::move(req));
      for (const auto* l : lists) {
        for (const Name& n : *l) reply.answer.push_back(ResourceRecord::MakeName(q.name, type::PTR, ttl, n));
      }
      break;
    }
    case type::A:
      for (const HostsTable* t : {&data->file, &data->inline_entries}) {
        if (const auto* ips = Find(t->v4, t->wild4, key)) {
          for (const auto& ip : *ips) reply.answer.push_back(ResourceRecord::MakeA(q.name, ttl, ip));
        }
      }
      break;
    case type::AAAA:
      for (const HostsTable* t : {&data->file, &data->inline_entries}) {
        if (const auto* ips = Find(t->v6, t->wild6, key)) {
          for (const auto& ip : *ips) reply.answer.push_back(ResourceRecord::MakeAAAA(q.name, ttl, ip));
        }
      }
      break;
    default:
      if (options_.fallthrough_unsupported && Falls(q.name)) return Next(std::move(req));
      break;
  }
  if (reply.answer.empty() && !has4() && !has6()) {
    if (Falls(q.name)) return Next(std::move(req));
    req->data_generation = generation;
    return req->Fail(rcode::ServFail);
  }
  req->data_generation = generation;
  req->Reply(std::move(reply));
}

void HostsPlugin::RenderMetrics(std::ostream& out) const {
  size_t entries;
  double ts;
  {
    std::lock_guard<std::mutex> l(mu_);
    entries = data_->file.entries + data_->inline_entries.entries;
    ts = reload_timestamp_;
  }
  out << "# HELP coredns_hosts_entries The combined number of entries in hosts and Corefile.\n"
         "# TYPE coredns_hosts_entries gauge\n"
         "coredns_hosts_entries "
      << entries
      << "\n# HELP coredns_hosts_reload_timestamp_seconds The timestamp of the last reload of hosts file.\n"
         "# TYPE coredns_hosts_reload_timestamp_seconds gauge\n"
         "coredns_hosts_reload_timestamp_seconds "
      << std::fixed << std::setprecision(3) << ts << std::defaultfloat << "\n";
}

StatusOr<std::unique_ptr<Plugin>> SetupHosts(const Directive& d, const SetupContext& ctx) {
  HostsOptions o;
  o.zones = ctx.zones;
  if (!d.args.empty()) {
    o.path = d.args[0].text;
    if (!o.path.empty() && o.path[0] != '/' && !ctx.corefile_dir.empty()) o.path = ctx.corefile_dir + "/" + o.path;
    struct stat st;
    if (stat(o.path.c_str(), &st) != 0 && errno != ENOENT) {
      return HostsErr(d.args[0], "unable to access hosts file '" + o.path + "': " + std::strerror(errno));
    }
    if (d.args.size() > 1) {
      o.zones.clear();
      for (size_t i = 1; i < d.args.size(); ++i) {
        auto z = ParseZoneKey(d.args[i]);
        if (!z.ok()) return z.status();
        for (Name& n : z->zones) o.zones.push_back(std::move(n));
      }
    }
  }
  if (o.zones.empty()) o.zones.push_back(Name());
  std::vector<std::string> inline_lines;
  for (const Directive& sub : d.block) {
    const std::string& what = sub.name.text;
    if (what == "fallthrough") {
      o.fallthrough = true;
      for (const Token& z : sub.args) {
        auto zone = ParseZoneKey(z);
        if (!zone.ok()) return zone.status();
        for (Name& n : zone->zones) o.fallthrough_zones.push_back(std::move(n));
      }
    } else if (what == "fallthrough_unsupported") {
      if (!sub.args.empty()) return ArgErr(sub.name);
      o.fallthrough_unsupported = true;
    } else if (what == "no_reverse") {
      o.reverse = false;
    } else if (what == "ttl") {
      if (sub.args.empty()) return HostsErr(sub.name, "ttl needs a time in second");
      const std::string& v = sub.args[0].text;
      bool digits = !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos;
      if (!digits && !(v.size() > 1 && v[0] == '-' && v.find_first_not_of("0123456789", 1) == std::string::npos)) {
        return HostsErr(sub.args[0], "ttl needs a number of second");
      }
      long ttl = digits ? std::stol(v) : -1;
      if (ttl <= 0 || ttl > 65535) return HostsErr(sub.args[0], "ttl provided is invalid");
      o.ttl = static_cast<uint32_t>(ttl);
    } else if (what == "reload") {
      if (sub.args.size() != 1) return HostsErr(sub.name, "reload needs a duration (zero seconds to disable)");
      const std::string& v = sub.args[0].text;
      if (auto any = ParseGoDuration(v); any.ok() && any->count() < 0) {
        return HostsErr(sub.args[0], "invalid negative duration for reload '" + v + "'");
      }
      auto dur = ParseGoDurationMillis(v);
      if (!dur.ok()) return HostsErr(sub.args[0], "invalid duration for reload '" + v + "'");
      o.reload = *dur;
    } else if (!o.fallthrough) {
      std::string line = what;
      for (const Token& a : sub.args) line += " " + a.text;
      inline_lines.push_back(std::move(line));
    } else {
      return HostsErr(sub.name, "unknown property '" + what + "'");
    }
  }
  if (o.fallthrough_unsupported && !o.fallthrough) {
    return HostsErr(d.name, "fallthrough_unsupported requires fallthrough");
  }
  for (const std::string& l : inline_lines) o.inline_text += l + "\n";
  return std::unique_ptr<Plugin>(std::make_unique<HostsPlugin>(std::move(o)));
}

}  // namespace netkube::dns
