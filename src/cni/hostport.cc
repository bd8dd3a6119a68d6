#include "cni/hostport.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "cni/types.h"
#include "util/file.h"

namespace netkube::cni {

using nlohmann::json;

namespace {

constexpr const char* kSuffix = ".json";

Status Errno(const std::string& what) { return Status::Internal(what + ": " + std::strerror(errno)); }

// An exclusive flock on a file, released on destruction (or process exit).
class FileLock {
 public:
  static StatusOr<std::unique_ptr<FileLock>> Acquire(const std::string& path) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Errno("open " + path);
    while (flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        Status s = Errno("lock " + path);
        close(fd);
        return s;
      }
    }
    return std::unique_ptr<FileLock>(new FileLock(fd));
  }
  ~FileLock() { close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

bool HasRecord(const std::vector<HostportEntry>& records, const std::string& container_id) {
  return std::any_of(records.begin(), records.end(),
                     [&](const HostportEntry& e) { return e.container_id == container_id; });
}

}  // namespace

std::string HostportEntryToJson(const HostportEntry& e) {
  return json{{"containerID", e.container_id},
              {"podIP", e.pod_ip},
              {"portMappings", json::parse(PortMappingsToJson(e.mappings))}}
      .dump();
}

StatusOr<HostportEntry> ParseHostportEntry(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::BadRequest("hostport record: not a JSON object");
  HostportEntry e;
  auto text_of = [&j](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  e.container_id = text_of("containerID");
  e.pod_ip = text_of("podIP");
  auto pm = j.find("portMappings");
  auto mappings = ParsePortMappings(pm != j.end() ? pm->dump() : "[]");
  if (!mappings.ok()) return Status::BadRequest("hostport record: " + mappings.status().message());
  e.mappings = std::move(*mappings);
  if (!ValidContainerId(e.container_id)) return Status::BadRequest("hostport record: invalid containerID");
  return e;
}

Hostports::Hostports(std::string dir, std::unique_ptr<nft::Executor> executor)
    : dir_(std::move(dir)), executor_(executor.get()), applier_(std::move(executor)) {}

std::string Hostports::RecordPath(const std::string& container_id) const {
  return dir_ + "/" + container_id + kSuffix;
}

StatusOr<std::vector<HostportEntry>> Hostports::LoadRecords() const {
  std::vector<HostportEntry> out;
  DIR* d = opendir(dir_.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return Errno("list " + dir_);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > std::strlen(kSuffix) && n.compare(n.size() - std::strlen(kSuffix), std::string::npos, kSuffix) == 0) {
      names.push_back(n);
    }
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    auto text = ReadFileToString(dir_ + "/" + n);
    if (!text.ok()) continue;  // removed meanwhile (cannot happen under the lock)
    auto entry = ParseHostportEntry(*text);
    // An unreadable record is a bug or disk damage: left out (and so removed
    // from the kernel), not fatal for every other container.
    if (entry.ok()) out.push_back(std::move(*entry));
  }
  return out;
}

Status Hostports::Apply(const std::vector<HostportEntry>& before, const std::vector<HostportEntry>& after) {
  skipped_.clear();
  if (after.empty()) return applier_.Remove(nft::Family::kIp, kHostportTable);
  applier_.Assume(CompileHostportTable(before, nullptr));
  return applier_.Heal(CompileHostportTable(after, &skipped_));
}

Status Hostports::Add(const HostportEntry& entry) {
  if (!ValidContainerId(entry.container_id)) return Status::Invalid("invalid container ID \"" + entry.container_id + "\"");
  if (Status s = MakeDirs(dir_); !s.ok()) return s;
  auto lock = FileLock::Acquire(dir_ + "/lock");
  if (!lock.ok()) return lock.status();
  auto before = LoadRecords();
  if (!before.ok()) return before.status();
  if (Status s = FindConflict(entry, *before); !s.ok()) return s;
  std::vector<HostportEntry> after;
  for (const HostportEntry& e : *before) {
    if (e.container_id != entry.container_id) after.push_back(e);
  }
  after.push_back(entry);
  if (Status s = Apply(*before, after); !s.ok()) return s;
  return WriteFileAtomic(RecordPath(entry.container_id), HostportEntryToJson(entry), 0644, /*sync=*/true);
}

Status Hostports::Del(const std::string& container_id) {
  // No record, nothing programmed: the common case (a pod without hostPorts)
  // costs one stat and no lock.
  if (!ValidContainerId(container_id) || access(RecordPath(container_id).c_str(), F_OK) != 0) return Status::OK();
  auto lock = FileLock::Acquire(dir_ + "/lock");
  if (!lock.ok()) return lock.status();
  auto before = LoadRecords();
  if (!before.ok()) return before.status();
  std::vector<HostportEntry> after;
  for (const HostportEntry& e : *before) {
    if (e.container_id != container_id) after.push_back(e);
  }
  if (Status s = Apply(*before, after); !s.ok()) return s;
  if (unlink(RecordPath(container_id).c_str()) != 0 && errno != ENOENT) return Errno("remove " + RecordPath(container_id));
  return Status::OK();
}

Status Hostports::Check(const HostportEntry& entry) {
  auto text = ValidContainerId(entry.container_id) ? ReadFileToString(RecordPath(entry.container_id))
                                                    : StatusOr<std::string>(Status::NotFound("no record"));
  if (!text.ok()) {
    if (entry.mappings.empty()) return Status::OK();
    return Status::NotFound("no hostPort mappings are recorded for container " + entry.container_id);
  }
  auto recorded = ParseHostportEntry(*text);
  if (!recorded.ok()) return recorded.status();
  if (recorded->pod_ip != entry.pod_ip || recorded->mappings != entry.mappings) {
    return Status::Conflict("the hostPort mappings recorded for container " + entry.container_id +
                            " differ from runtimeConfig.portMappings");
  }
  auto lock = FileLock::Acquire(dir_ + "/lock");
  if (!lock.ok()) return lock.status();
  auto records = LoadRecords();
  if (!records.ok()) return records.status();
  auto listing = executor_->ListTableJson(nft::Family::kIp, kHostportTable);
  if (!listing.ok()) return listing.status();
  return VerifyContainer(*listing, CompileHostportTable(*records, nullptr), entry.container_id);
}

Status Hostports::Gc(const std::vector<std::string>& keep) {
  if (access(dir_.c_str(), F_OK) != 0) return Status::OK();
  auto lock = FileLock::Acquire(dir_ + "/lock");
  if (!lock.ok()) return lock.status();
  auto before = LoadRecords();
  if (!before.ok()) return before.status();
  std::vector<HostportEntry> after;
  std::vector<std::string> gone;
  for (const HostportEntry& e : *before) {
    if (std::find(keep.begin(), keep.end(), e.container_id) != keep.end()) {
      after.push_back(e);
    } else {
      gone.push_back(e.container_id);
    }
  }
  if (gone.empty()) return Status::OK();
  if (Status s = Apply(*before, after); !s.ok()) return s;
  Status first;
  for (const auto& id : gone) {
    if (unlink(RecordPath(id).c_str()) != 0 && errno != ENOENT && first.ok()) first = Errno("remove " + RecordPath(id));
  }
  return first;
}

}  // namespace netkube::cni
