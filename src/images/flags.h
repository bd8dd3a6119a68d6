// Command-line flags the way the upstream images' Go programs take them
// (pflag/cobra): --name=value, --name value, -name value, boolean --name or
// --name=false, "--" ends the flags; other words are positional.
//
// Thread-safety: a FlagSet is used by one thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::images {

// A Go duration ("1.5s", "100ms", "1m30s", "2h"; util/duration.h) or a plain
// number of seconds, in seconds. Invalid on anything else.
StatusOr<double> ParseDurationSeconds(std::string_view text);

class FlagSet {
 public:
  void String(const std::string& name, std::string* target) { Add(name, false, Setter(target)); }
  void Int(const std::string& name, int* target);
  void Bool(const std::string& name, bool* target);
  void Duration(const std::string& name, double* seconds);

  // Sets the flags found in `args` and returns the positional arguments.
  // Errors (kInvalid): unknown flag, missing or malformed value.
  StatusOr<std::vector<std::string>> Parse(const std::vector<std::string>& args);

 private:
  struct Flag {
    bool is_bool = false;
    std::function<Status(const std::string&)> set;
  };
  static std::function<Status(const std::string&)> Setter(std::string* target) {
    return [target](const std::string& v) {
      *target = v;
      return Status::OK();
    };
  }
  void Add(const std::string& name, bool is_bool, std::function<Status(const std::string&)> set) {
    flags_[name] = Flag{is_bool, std::move(set)};
  }
  std::map<std::string, Flag> flags_;
};

}  // namespace netkube::images
