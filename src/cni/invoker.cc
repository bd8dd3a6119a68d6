#include "cni/invoker.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

extern char** environ;

namespace netkube::cni {

using nlohmann::json;

namespace {

// write(2) that returns EPIPE instead of killing the process with SIGPIPE
// when the plugin exits without reading its stdin. The signal a pipe write
// raises is directed at the writing thread, so blocking it here and draining
// it afterwards touches no other thread.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t len) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t w = write(fd, data, len);
  int err = errno;
  // A write cut short by the reader going away returns the bytes written so
  // far yet still raises SIGPIPE: drain whatever is pending.
  sigset_t pending;
  if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return w;
}

}  // namespace

StatusOr<NetworkConfigList> LoadNetworkConfig(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Status::NotFound("CNI config dir " + dir + ": " + std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    auto ends = [&](const std::string& suffix) {
      return n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends(".conflist") || ends(".conf") || ends(".json")) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::ifstream in(dir + "/" + n);
    std::stringstream text;
    text << in.rdbuf();
    auto list = NetworkConfigList::Parse(text.str());
    if (list.ok()) return list;
  }
  return Status::NotFound("no valid CNI network configuration in " + dir);
}

Invoker::Invoker(std::vector<std::string> plugin_dirs) : dirs_(std::move(plugin_dirs)) {
  for (const auto& d : dirs_) path_ += (path_.empty() ? "" : ":") + d;
}

StatusOr<std::string> Invoker::FindPlugin(const std::string& type) const {
  if (type.empty() || type.find('/') != std::string::npos) return Status::Invalid("invalid plugin type \"" + type + "\"");
  for (const auto& d : dirs_) {
    std::string p = d + "/" + type;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return Status::NotFound("failed to find plugin \"" + type + "\" in path [" + path_ + "]");
}

StatusOr<Invoker::Output> Invoker::Exec(const std::string& path, const std::vector<std::string>& env,
                                        const std::string& input, const std::vector<std::string>& args) {
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "CNI_", 4) != 0) envs.emplace_back(*e);
  }
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Status::Internal("pipe");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    return Status::Internal("pipe");
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    return Status::Internal("pipe");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<std::string> arg_strings = {path};
  arg_strings.insert(arg_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : arg_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]), close(out[0]), close(err[0]);
    return Status::Internal("exec " + path + ": " + std::strerror(rc));
  }
  // Feed stdin while draining stdout/stderr, so no side can block the other.
  Output result;
  size_t written = 0;
  int fds[3] = {out[0], err[0], in[1]};
  std::string* sinks[2] = {&result.out, &result.err};
  if (input.empty()) {
    close(fds[2]);
    fds[2] = -1;
  }
  while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
    pollfd p[3];
    for (int i = 0; i < 3; ++i) p[i] = {fds[i], static_cast<short>(i == 2 ? POLLOUT : POLLIN), 0};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t r = read(fds[i], buf, sizeof buf);
      if (r > 0) {
        sinks[i]->append(buf, static_cast<size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        close(fds[i]);
        fds[i] = -1;
      }
    }
    if (fds[2] >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = WriteNoSigpipe(fds[2], input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EINTR && errno != EAGAIN) written = input.size();  // the plugin stopped reading
      if (written >= input.size()) {
        close(fds[2]);
        fds[2] = -1;
      }
    }
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return result;
}

StatusOr<std::string> Invoker::RequestConfig(const NetworkConfigList& list, size_t plugin, const std::string& command,
                                             const std::string& prev_result, const std::string& capability_args,
                                             const std::vector<Attachment>* valid_attachments) {
  if (plugin >= list.plugins.size()) return Status::Invalid("no such plugin");
  json conf = json::parse(list.plugins[plugin], nullptr, false);
  if (conf.is_discarded() || !conf.is_object()) return Status::Invalid("plugin configuration is not an object");
  conf["cniVersion"] = list.SelectedVersion();
  conf["name"] = list.name;
  json caps = conf.contains("capabilities") ? conf["capabilities"] : json::object();
  conf.erase("capabilities");
  for (auto it = conf.begin(); it != conf.end();) {
    if (it.key().rfind("cni.dev/", 0) == 0) {
      it = conf.erase(it);
    } else {
      ++it;
    }
  }
  bool attach = command == "ADD" || command == "DEL" || command == "CHECK";
  if (attach) {
    json runtime = json::object();
    if (!capability_args.empty() && caps.is_object()) {
      json args = json::parse(capability_args, nullptr, false);
      if (args.is_object()) {
        for (auto& [k, v] : args.items()) {
          if (caps.contains(k) && caps[k] == true) runtime[k] = v;
        }
      }
    }
    conf.erase("runtimeConfig");
    if (!runtime.empty()) conf["runtimeConfig"] = runtime;
    conf.erase("prevResult");
    if (!prev_result.empty()) {
      json prev = json::parse(prev_result, nullptr, false);
      if (prev.is_discarded()) return Status::Invalid("prevResult is not JSON");
      conf["prevResult"] = prev;
    }
  }
  if (command == "GC") {
    json valid = json::array();
    if (valid_attachments != nullptr) {
      for (const auto& a : *valid_attachments) valid.push_back({{"containerID", a.container_id}, {"ifname", a.ifname}});
    }
    conf["cni.dev/valid-attachments"] = valid;
  }
  return conf.dump();
}

StatusOr<std::string> Invoker::Run(const NetworkConfigList& list, size_t plugin, const std::string& command,
                                   const AttachmentParams* params, const std::string& prev_result,
                                   const std::vector<Attachment>* valid) const {
  const std::string& type = list.plugin_types[plugin];
  auto path = FindPlugin(type);
  if (!path.ok()) return path.status();
  auto input = RequestConfig(list, plugin, command, prev_result, params ? params->capability_args : "", valid);
  if (!input.ok()) return input.status();
  RuntimeConf rc;
  rc.command = command;
  rc.path = path_;
  if (params != nullptr) {
    rc.container_id = params->container_id;
    rc.netns = params->netns;
    rc.ifname = params->ifname;
    rc.args = params->args;
  }
  std::vector<std::string> env = rc.ToEnv();
  if (params == nullptr) {
    // No attachment: only CNI_COMMAND and CNI_PATH.
    env = {"CNI_COMMAND=" + command, "CNI_PATH=" + path_};
  }
  auto out = Exec(*path, env, *input);
  if (!out.ok()) return out.status();
  if (out->exit_code != 0) {
    auto err = Error::Parse(out->out);
    if (!err.ok()) err = Error::Parse(out->err);
    if (err.ok()) return err->ToStatus(type);
    return Status::Internal(type + ": exit " + std::to_string(out->exit_code) + ": " + out->err + out->out);
  }
  return out->out;
}

StatusOr<Result> Invoker::Add(const NetworkConfigList& list, const AttachmentParams& params) const {
  std::string prev;
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    auto out = Run(list, i, "ADD", &params, prev, nullptr);
    if (!out.ok()) return out.status();
    prev = *out;
  }
  auto result = Result::Parse(prev);
  if (!result.ok()) return Status::Internal("the last plugin's result: " + result.status().message());
  return result;
}

Status Invoker::Del(const NetworkConfigList& list, const AttachmentParams& params, const Result* prev) const {
  std::string prev_json = prev ? prev->ToJson() : "";
  for (size_t i = list.plugins.size(); i-- > 0;) {
    auto out = Run(list, i, "DEL", &params, prev_json, nullptr);
    if (!out.ok()) return out.status();
  }
  return Status::OK();
}

Status Invoker::Check(const NetworkConfigList& list, const AttachmentParams& params, const Result& prev) const {
  if (list.disable_check) return Status::OK();
  std::string prev_json = prev.ToJson();
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    auto out = Run(list, i, "CHECK", &params, prev_json, nullptr);
    if (!out.ok()) return out.status();
  }
  return Status::OK();
}

Status Invoker::Gc(const NetworkConfigList& list, const std::vector<Attachment>& valid) const {
  if (list.disable_gc) return Status::OK();
  Status first;
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    auto out = Run(list, i, "GC", nullptr, "", &valid);
    if (!out.ok() && first.ok()) first = out.status();
  }
  return first;
}

Status Invoker::PluginStatus(const NetworkConfigList& list) const {
  for (size_t i = 0; i < list.plugins.size(); ++i) {
    auto out = Run(list, i, "STATUS", nullptr, "", nullptr);
    if (!out.ok()) return out.status();
  }
  return Status::OK();
}

StatusOr<std::vector<std::string>> Invoker::Versions(const std::string& type) const {
  auto path = FindPlugin(type);
  if (!path.ok()) return path.status();
  auto out = Exec(*path, {"CNI_COMMAND=VERSION", "CNI_PATH=" + path_},
                  json{{"cniVersion", kSpecVersion}}.dump());
  if (!out.ok()) return out.status();
  json j = json::parse(out->out, nullptr, false);
  if (out->exit_code != 0 || !j.is_object() || !j.contains("supportedVersions")) {
    return Status::Internal(type + ": VERSION failed: " + out->out + out->err);
  }
  std::vector<std::string> versions;
  for (const auto& v : j["supportedVersions"]) {
    if (v.is_string()) versions.push_back(v.get<std::string>());
  }
  return versions;
}

}  // namespace netkube::cni
