#include "node/container_spec.h"

#include <nlohmann/json.hpp>

namespace netkube::node {

using Json = nlohmann::json;

std::string ContainerSpec::ToJson() const {
  Json mounts_json = Json::array();
  for (const Mount& m : mounts) {
    mounts_json.push_back({{"source", m.source}, {"target", m.target}, {"readOnly", m.read_only}, {"tmpfs", m.tmpfs}});
  }
  Json programs_json = Json::array();
  for (const images::ProgramFile& p : programs) programs_json.push_back({{"path", p.path}, {"argv", p.argv}});
  Json j = {{"argv", argv},         {"env", env},       {"workingDir", working_dir}, {"netns", netns_path},
            {"uts", uts_path},      {"fsDir", fs_dir},  {"mounts", mounts_json},    {"isolateFs", isolate_fs},
            {"programs", programs_json}};
  return j.dump();
}

StatusOr<ContainerSpec> ContainerSpec::Parse(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::BadRequest("container spec: not a JSON object");
  ContainerSpec s;
  try {
    s.argv = j.value("argv", std::vector<std::string>{});
    s.env = j.value("env", std::vector<std::string>{});
    s.working_dir = j.value("workingDir", "");
    s.netns_path = j.value("netns", "");
    s.uts_path = j.value("uts", "");
    s.fs_dir = j.value("fsDir", "");
    s.isolate_fs = j.value("isolateFs", true);
    for (const Json& m : j.value("mounts", Json::array())) {
      s.mounts.push_back({m.value("source", ""), m.value("target", ""), m.value("readOnly", false),
                          m.value("tmpfs", false)});
    }
    for (const Json& p : j.value("programs", Json::array())) {
      s.programs.push_back({p.value("path", ""), p.value("argv", std::vector<std::string>{})});
    }
  } catch (const Json::exception& e) {
    return Status::BadRequest(std::string("container spec: ") + e.what());
  }
  if (s.argv.empty()) return Status::BadRequest("container spec: no command");
  return s;
}

std::string ProgramScript(const std::vector<std::string>& argv) {
  std::string script = "#!/bin/sh\nexec";
  for (const std::string& a : argv) {
    script += " '";
    for (char c : a) script += c == '\'' ? std::string("'\\''") : std::string(1, c);
    script += "'";
  }
  return script + " \"$@\"\n";
}

}  // namespace netkube::node
