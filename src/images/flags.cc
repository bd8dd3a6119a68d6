#include "images/flags.h"

#include <cctype>
#include <cstdlib>

#include "util/duration.h"

namespace netkube::images {

StatusOr<double> ParseDurationSeconds(std::string_view text) {
  // Plain seconds ("5", "2.5") as well as Go durations.
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos &&
      text.find_first_of("0123456789") != std::string_view::npos) {
    return std::strtod(std::string(text).c_str(), nullptr);
  }
  auto d = netkube::ParseGoDuration(text);
  if (!d.ok()) return d.status();
  return std::chrono::duration<double>(*d).count();
}

void FlagSet::Int(const std::string& name, int* target) {
  Add(name, false, [name, target](const std::string& v) {
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0') return Status::Invalid("invalid argument \"" + v + "\" for \"--" + name + "\" flag");
    *target = static_cast<int>(n);
    return Status::OK();
  });
}

void FlagSet::Bool(const std::string& name, bool* target) {
  Add(name, true, [name, target](const std::string& v) {
    if (v == "true" || v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "True") {
      *target = true;
    } else if (v == "false" || v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "False") {
      *target = false;
    } else {
      return Status::Invalid("invalid argument \"" + v + "\" for \"--" + name + "\" flag");
    }
    return Status::OK();
  });
}

void FlagSet::Duration(const std::string& name, double* seconds) {
  Add(name, false, [name, seconds](const std::string& v) {
    auto d = ParseDurationSeconds(v);
    if (!d.ok()) return Status::Invalid("invalid argument \"" + v + "\" for \"--" + name + "\" flag");
    *seconds = *d;
    return Status::OK();
  });
}

StatusOr<std::vector<std::string>> FlagSet::Parse(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::string name = body, value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) return Status::Invalid("unknown flag: --" + name);
    if (!has_value) {
      if (it->second.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::Invalid("flag needs an argument: --" + name);
      }
    }
    if (Status s = it->second.set(value); !s.ok()) return s;
  }
  return positional;
}

}  // namespace netkube::images
