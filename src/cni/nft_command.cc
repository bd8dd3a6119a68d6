#include "cni/nft_command.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "cni/invoker.h"

namespace netkube::cni {
namespace {

std::string FindNft() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream ss(path);
    std::string d;
    while (std::getline(ss, d, ':')) {
      if (!d.empty()) dirs.push_back(d);
    }
  }
  dirs.push_back("/usr/sbin");
  dirs.push_back("/sbin");
  for (const auto& d : dirs) {
    std::string p = d + "/nft";
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class NftCommandExecutor : public nft::Executor {
 public:
  explicit NftCommandExecutor(std::string path) : path_(std::move(path)) {}

  Status Run(const std::string& script) override {
    auto out = Exec(script, {"-f", "-"});
    if (!out.ok()) return out.status();
    if (out->exit_code != 0) return Status::Internal("nft: transaction failed: " + Trimmed(out->err + out->out));
    return Status::OK();
  }

  StatusOr<std::string> ListTableJson(nft::Family family, const std::string& name) override {
    auto out = Exec("", {"-j", "list", "table", nft::FamilyName(family), name});
    if (!out.ok()) return out.status();
    if (out->exit_code != 0) {
      if (out->err.find("No such file or directory") != std::string::npos) {
        return Status::NotFound("nft: table " + std::string(nft::FamilyName(family)) + " " + name + " not found");
      }
      return Status::Internal("nft: list table failed: " + Trimmed(out->err + out->out));
    }
    return out->out;
  }

 private:
  StatusOr<Invoker::Output> Exec(const std::string& input, const std::vector<std::string>& args) {
    if (path_.empty()) path_ = FindNft();
    if (path_.empty()) return Status::NotFound("nft(8) not found on PATH, /usr/sbin or /sbin (install nftables)");
    return Invoker::Exec(path_, {}, input, args);
  }

  std::string path_;
};

}  // namespace

std::unique_ptr<nft::Executor> NewNftCommandExecutor(std::string nft_path) {
  return std::make_unique<NftCommandExecutor>(std::move(nft_path));
}

}  // namespace netkube::cni
