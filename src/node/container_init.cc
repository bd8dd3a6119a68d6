// netkube container-init: enters the pod's namespaces, builds the container's
// filesystem view and execs the container's program (see container_spec.h).
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "node/container_spec.h"
#include "util/file.h"

namespace netkube::node {
namespace {

// Open on SPEC_FILE.error before anything else, so a failure after
// pivot_root can still be reported to the agent.
int g_error_fd = -1;

int Fail(const std::string& what) {
  std::fprintf(stderr, "netkube: %s\n", what.c_str());
  std::fflush(stderr);
  if (g_error_fd >= 0) (void)!write(g_error_fd, what.data(), what.size());
  return 128;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool EnterNamespace(const std::string& path, int nstype, std::string* err) {
  if (path.empty()) return true;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = Errno("open namespace " + path);
    return false;
  }
  int rc = setns(fd, nstype);
  close(fd);
  if (rc != 0) {
    *err = Errno("enter namespace " + path);
    return false;
  }
  return true;
}

// Makes the mount point for `source` at `target`: a directory, or an empty
// file when the source is not a directory.
bool MakeMountPoint(const std::string& source, const std::string& target, bool dir) {
  struct stat st;
  if (!source.empty() && stat(source.c_str(), &st) == 0) dir = S_ISDIR(st.st_mode);
  if (dir) return MakeDirs(target).ok();  // errno stays mkdir's for the caller
  size_t slash = target.rfind('/');
  if (slash != std::string::npos && slash > 0 && !MakeDirs(target.substr(0, slash)).ok()) return false;
  int fd = open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return errno == EISDIR;
  close(fd);
  return true;
}

bool BindMount(const std::string& source, const std::string& target, bool read_only, bool recursive,
               std::string* err) {
  unsigned long flags = MS_BIND | (recursive ? MS_REC : 0);
  if (mount(source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0) {
    *err = Errno("bind mount " + source + " on " + target);
    return false;
  }
  if (read_only &&
      mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | (recursive ? MS_REC : 0), nullptr) !=
          0) {
    *err = Errno("make " + target + " read-only");
    return false;
  }
  return true;
}

// Writes the image's program files into the overlay at `root` (see
// container_spec.h): an executable script per path, replacing whatever the
// lower layer has there (the copy lands in the private upper layer).
bool WritePrograms(const std::string& root, const std::vector<images::ProgramFile>& programs, std::string* err) {
  for (const images::ProgramFile& p : programs) {
    if (p.path.empty() || p.path.front() != '/' || p.argv.empty()) continue;
    std::string target = ResolveInRoot(root, p.path);
    size_t slash = target.rfind('/');
    if (slash != std::string::npos && slash > 0 && !MakeDirs(target.substr(0, slash)).ok()) {
      *err = Errno("create the directory of program " + p.path);
      return false;
    }
    std::string script = ProgramScript(p.argv);
    int fd = open(target.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0755);
    if (fd < 0) {
      *err = Errno("create program " + p.path);
      return false;
    }
    bool ok = write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size()) && fchmod(fd, 0755) == 0;
    if (!ok) *err = Errno("write program " + p.path);
    close(fd);
    if (!ok) return false;
  }
  return true;
}

// The machine's private places are not the container's: fresh, empty /root
// and /home (no .bashrc, ssh keys or tool set-ups of the machine's users, and
// not netkube's default state under /root/.netkube: every cluster's
// certificates and volumes), and empty /etc/shadow and /etc/gshadow (emptied
// in the overlay's private layer; the machine's files are untouched). The
// directory of the running binary stays reachable where it is, read-only,
// when it was under one of them: container programs run it.
bool MaskPrivatePlaces(const std::string& root, std::string* err) {
  for (const auto& [dir, mode] : {std::pair{"/root", "mode=0700"}, std::pair{"/home", "mode=0755"}}) {
    struct stat st {};
    if (stat((root + dir).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (mount("tmpfs", (root + dir).c_str(), "tmpfs", MS_NOSUID | MS_NODEV, mode) != 0) {
      *err = Errno(std::string("mount tmpfs on ") + dir);
      return false;
    }
  }
  for (const char* f : {"/etc/shadow", "/etc/gshadow"}) {
    int fd = open((root + f).c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) close(fd);
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return true;
  std::string dir(exe, static_cast<size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));
  if (dir.rfind("/root/", 0) != 0 && dir.rfind("/home/", 0) != 0) return true;
  if (!MakeDirs(root + dir).ok()) {
    *err = Errno("create " + dir + " in the container");
    return false;
  }
  return BindMount(dir, root + dir, true, false, err);
}

// Builds the container's root under spec.fs_dir and pivots into it.
bool BuildRoot(const ContainerSpec& spec, std::string* err) {
  const std::string& fs = spec.fs_dir;
  if (mount("tmpfs", fs.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
    *err = Errno("mount tmpfs on " + fs);
    return false;
  }
  std::string upper = fs + "/upper", work = fs + "/work", root = fs + "/root";
  for (const std::string& d : {upper, work, root}) mkdir(d.c_str(), 0755);
  std::string opts = "lowerdir=/,upperdir=" + upper + ",workdir=" + work;
  if (mount("overlay", root.c_str(), "overlay", 0, opts.c_str()) != 0) {
    *err = Errno("mount the overlay root on " + root);
    return false;
  }
  if (!WritePrograms(root, spec.programs, err)) return false;
  for (const char* d : {"/proc", "/sys", "/dev"}) {
    if (!BindMount(d, root + d, false, true, err)) return false;
  }
  // Fresh /run and /tmp of the container's own: nothing it creates there (or
  // under mount points made there) reaches the machine.
  for (const char* d : {"/run", "/tmp"}) {
    if (mount("tmpfs", (root + d).c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
      *err = Errno(std::string("mount tmpfs on ") + d);
      return false;
    }
  }
  if (!MaskPrivatePlaces(root, err)) return false;
  for (const Mount& m : spec.mounts) {
    std::string target = ResolveInRoot(root, m.target);
    if (!MakeMountPoint(m.source, target, m.tmpfs)) {
      *err = Errno("create mount point " + m.target);
      return false;
    }
    if (m.tmpfs) {
      if (mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | (m.read_only ? MS_RDONLY : 0), nullptr) != 0) {
        *err = Errno("mount tmpfs on " + m.target);
        return false;
      }
    } else if (!BindMount(m.source, target, m.read_only, true, err)) {
      return false;
    }
  }
  if (chdir(root.c_str()) != 0) {
    *err = Errno("chdir " + root);
    return false;
  }
  // pivot_root(".", "."): the old root ends up stacked on the new one and is
  // detached right away, so nothing of the agent's view stays reachable.
  if (syscall(SYS_pivot_root, ".", ".") != 0) {
    *err = Errno("pivot_root");
    return false;
  }
  if (umount2(".", MNT_DETACH) != 0) {
    *err = Errno("detach the old root");
    return false;
  }
  return true;
}

}  // namespace

std::string ResolveInRoot(const std::string& root, const std::string& path) {
  std::vector<std::string> todo;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) todo.push_back(part);
  }
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string c = todo.back();
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string cur = root;
    for (const std::string& d : done) cur += "/" + d;
    cur += "/" + c;
    char buf[4096];
    ssize_t n = readlink(cur.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0 || ++links > 40) {
      done.push_back(c);
      continue;
    }
    std::string target(buf, static_cast<size_t>(n));
    if (!target.empty() && target[0] == '/') done.clear();
    std::vector<std::string> parts;
    std::stringstream ts(target);
    while (std::getline(ts, part, '/')) {
      if (!part.empty()) parts.push_back(part);
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
  }
  std::string out = root;
  for (const std::string& d : done) out += "/" + d;
  return out;
}

int ContainerInitMain(const std::string& spec_file) {
  g_error_fd = open((spec_file + ".error").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::ifstream in(spec_file);
  if (!in) return Fail("cannot read container spec " + spec_file);
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = ContainerSpec::Parse(buf.str());
  if (!parsed.ok()) return Fail(parsed.status().message());
  const ContainerSpec& spec = *parsed;
  std::string err;
  setsid();
  // A TTY container (its console's terminal on stdin) gets it as its
  // controlling terminal, so an interactive shell has job control.
  if (isatty(STDIN_FILENO)) ioctl(STDIN_FILENO, TIOCSCTTY, 0);
  if (!EnterNamespace(spec.netns_path, CLONE_NEWNET, &err)) return Fail(err);
  if (!EnterNamespace(spec.uts_path, CLONE_NEWUTS, &err)) return Fail(err);
  if (spec.isolate_fs) {
    if (unshare(CLONE_NEWNS) != 0) return Fail(Errno("unshare the mount namespace"));
    // Slave: mounts the machine makes later still propagate in, none of ours out.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return Fail(Errno("make / a slave mount"));
    if (!BuildRoot(spec, &err)) return Fail(err);
  }
  std::string cwd = spec.working_dir.empty() ? "/" : spec.working_dir;
  if (chdir(cwd.c_str()) != 0) {
    return Fail(Errno("chdir to working directory " + cwd));
  }
  std::vector<char*> argv, envp;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // PATH lookup uses the container's PATH, as a container runtime does.
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& e : spec.env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  const std::string& prog = spec.argv[0];
  if (prog.find('/') != std::string::npos) {
    execve(prog.c_str(), argv.data(), envp.data());
    return Fail(Errno("exec " + prog));
  }
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string full = (dir.empty() ? "." : dir) + "/" + prog;
    if (access(full.c_str(), X_OK) == 0) {
      execve(full.c_str(), argv.data(), envp.data());
      return Fail(Errno("exec " + full));
    }
  }
  return Fail("exec: \"" + prog + "\": executable file not found in $PATH");
}

}  // namespace netkube::node
