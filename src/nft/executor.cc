#include "nft/executor.h"

#include <nftables/libnftables.h>

namespace netkube::nft {
namespace {

class Context {
 public:
  explicit Context(bool json) : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (!ctx_) return;
    nft_ctx_buffer_output(ctx_);
    nft_ctx_buffer_error(ctx_);
    if (json) nft_ctx_output_set_flags(ctx_, nft_ctx_output_get_flags(ctx_) | NFT_CTX_OUTPUT_JSON);
  }
  ~Context() {
    if (ctx_) nft_ctx_free(ctx_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  nft_ctx* get() { return ctx_; }

 private:
  nft_ctx* ctx_;
};

class LibnftablesExecutor : public Executor {
 public:
  Status Run(const std::string& script) override {
    Context ctx(false);
    if (!ctx.get()) return Status::Internal("nft: cannot create a libnftables context");
    if (nft_run_cmd_from_buffer(ctx.get(), script.c_str()) != 0) {
      const char* err = nft_ctx_get_error_buffer(ctx.get());
      return Status::Internal(std::string("nft: transaction failed: ") + (err ? err : "unknown error"));
    }
    return Status::OK();
  }

  StatusOr<std::string> ListTableJson(Family family, const std::string& name) override {
    Context ctx(true);
    if (!ctx.get()) return Status::Internal("nft: cannot create a libnftables context");
    std::string cmd = std::string("list table ") + FamilyName(family) + " " + name;
    if (nft_run_cmd_from_buffer(ctx.get(), cmd.c_str()) != 0) {
      std::string err = nft_ctx_get_error_buffer(ctx.get());
      if (err.find("No such file or directory") != std::string::npos) {
        return Status::NotFound("nft: table " + std::string(FamilyName(family)) + " " + name + " not found");
      }
      return Status::Internal("nft: list table failed: " + err);
    }
    return std::string(nft_ctx_get_output_buffer(ctx.get()));
  }
};

}  // namespace

std::unique_ptr<Executor> NewLibnftablesExecutor() { return std::make_unique<LibnftablesExecutor>(); }

}  // namespace netkube::nft
