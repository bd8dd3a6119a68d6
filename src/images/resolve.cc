#include "images/resolve.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "images/nginx.h"
#include "images/reference.h"

namespace netkube::images {
namespace {

bool DefaultIsExecutable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "/proc/self/exe";
  return std::string(buf, n);
}

std::string EnvValue(const std::vector<std::string>& env, std::string_view name) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=')
      return it->substr(name.size() + 1);
  }
  return "";
}

// The executable `name` names, looked up as execvp would with `path`.
std::string LookPath(const std::string& name, const std::string& path, const std::string& working_dir,
                     const std::function<bool(const std::string&)>& is_executable) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) {
    std::string full = name.front() == '/' ? name : (working_dir == "/" ? "" : working_dir) + "/" + name;
    return is_executable(full) ? full : "";
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = working_dir;
    std::string full = (dir == "/" ? "" : dir) + "/" + name;
    if (is_executable(full)) return full;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

bool IsAppletPath(const std::string& argv0) {
  if (argv0.find('/') == std::string::npos) return true;
  for (std::string_view dir : {"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/"}) {
    if (argv0.size() > dir.size() && argv0.compare(0, dir.size(), dir) == 0 &&
        argv0.find('/', dir.size()) == std::string::npos)
      return true;
  }
  return false;
}

std::string Basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The netkube binary for full subcommands, and the one for `image PROGRAM`
// (netkube-image when it sits beside netkube).
std::pair<std::string, std::string> Binaries(const ResolveOptions& options,
                                             const std::function<bool(const std::string&)>& is_executable) {
  const std::string full = options.netkube_binary.empty() ? SelfExe() : options.netkube_binary;
  std::string small = full;
  if (auto slash = full.rfind('/'); slash != std::string::npos) {
    std::string candidate = full.substr(0, slash) + "/netkube-image";
    if (is_executable(candidate)) small = candidate;
  }
  return {full, small};
}

// argv prefix of catalog program `program` ("agnhost", "netkube dns").
std::vector<std::string> ProgramArgv(const std::string& program, const std::string& full, const std::string& small) {
  constexpr std::string_view kSubcommand = "netkube ";
  if (program.rfind(kSubcommand, 0) == 0) return {full, program.substr(kSubcommand.size())};
  return {small, "image", program};
}

}  // namespace

std::vector<ProgramFile> ProgramFiles(const Catalog& catalog, std::string_view image, const ResolveOptions& options) {
  std::vector<ProgramFile> files;
  const ImageConfig* config = catalog.Find(image);
  if (config == nullptr) return files;
  const auto is_executable = options.is_executable ? options.is_executable : DefaultIsExecutable;
  const auto [full, small] = Binaries(options, is_executable);
  for (const auto& [path, program] : config->programs) {
    if (path.empty() || path.front() != '/') continue;
    if (program == "nginx" && path == kNginxBinary) continue;
    if (is_executable(path)) continue;
    files.push_back({path, ProgramArgv(program, full, small)});
  }
  return files;
}

std::string NotInCatalogMessage(std::string_view image) {
  std::string i(image);
  return "image \"" + i + "\" is not in netkube's image catalog (netkube runs no image it does not know): " +
         "give the container a command to run a program of this machine, or add the image to the catalog " +
         "(an \"images:\" entry in the file given to `netkube up --config FILE`)";
}

StatusOr<Process> Resolve(const Catalog& catalog, std::string_view image, const std::vector<std::string>& command,
                          const std::vector<std::string>& args, const ResolveOptions& options) {
  auto ref = ParseReference(image);
  if (!ref.ok()) return ref.status();
  const auto is_executable = options.is_executable ? options.is_executable : DefaultIsExecutable;
  const auto [full_netkube, netkube] = Binaries(options, is_executable);

  const ImageConfig* config = catalog.Find(image);
  if (config == nullptr && command.empty()) return Status::NotFound(NotInCatalogMessage(image));
  static const ImageConfig kUnknown;
  const ImageConfig& c = config != nullptr ? *config : kUnknown;

  Process p;
  p.env = c.env;
  if (EnvValue(p.env, "PATH").empty()) p.env.insert(p.env.begin(), "PATH=" + std::string(kDefaultPath));
  p.working_dir = c.working_dir.empty() ? "/" : c.working_dir;
  const std::string path = EnvValue(p.env, "PATH");

  // Docker: command replaces ENTRYPOINT and drops CMD; args replace CMD.
  std::vector<std::string> argv;
  if (!command.empty()) {
    argv = command;
    argv.insert(argv.end(), args.begin(), args.end());
  } else {
    argv = c.entrypoint;
    const auto& tail = args.empty() ? c.cmd : args;
    argv.insert(argv.end(), tail.begin(), tail.end());
    // The image's entrypoint script runs its arguments as a command only when
    // the first is one; otherwise they are the program's arguments.
    if (!c.options_program.empty() && c.entrypoint.empty()) {
      bool is_command = !argv.empty() && !argv[0].empty() && argv[0].front() != '-' &&
                        (c.programs.count(argv[0]) > 0 || !LookPath(argv[0], path, p.working_dir, is_executable).empty());
      if (!is_command) argv.insert(argv.begin(), c.options_program);
    }
  }
  if (argv.empty() || argv[0].empty()) {
    return Status::BadRequest("no command specified: image \"" + std::string(image) +
                              "\" has no entrypoint or cmd; give the container a command");
  }

  // argv[0] within the image.
  if (auto it = c.programs.find(argv[0]); it != c.programs.end()) {
    // "netkube dns": a subcommand of the full binary (servers that need the
    // API client, which netkube-image leaves out).
    std::vector<std::string> full = ProgramArgv(it->second, full_netkube, netkube);
    full.insert(full.end(), argv.begin() + 1, argv.end());
    p.argv = std::move(full);
    return p;
  }
  if (c.applets == "busybox" && IsAppletPath(argv[0])) {
    std::vector<std::string> full = {netkube, "image", "busybox", Basename(argv[0])};
    full.insert(full.end(), argv.begin() + 1, argv.end());
    p.argv = std::move(full);
    return p;
  }
  std::string exe = LookPath(argv[0], path, p.working_dir, is_executable);
  if (exe.empty()) {
    // runc's message, which kubelet shows in the container's state.
    if (argv[0].find('/') == std::string::npos) {
      return Status::BadRequest("exec: \"" + argv[0] + "\": executable file not found in $PATH");
    }
    return Status::BadRequest("exec: \"" + argv[0] + "\": stat " + argv[0] + ": no such file or directory");
  }
  argv[0] = exe;
  p.argv = std::move(argv);
  return p;
}

}  // namespace netkube::images
