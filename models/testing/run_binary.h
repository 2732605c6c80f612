// models/testing/run_binary.h: run a model binary from a test, read its output.
//
// Tests here drive the model binaries the way their users do (ci/models.sh,
// stress/'s kill matrix, the replay round trip): through the command line,
// the exit code, the JSON results and the counterexample file.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace mmu::models::testing {

// $TEST_SRCDIR/<workspace>/<path>: a data dependency of the test.
inline std::string Runfile(const std::string& path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir != nullptr ? srcdir : ".") + "/" + (workspace != nullptr ? workspace : "shadow_mmu") + "/" +
         path;
}

// A scratch file under $TEST_TMPDIR.
inline std::string TempFile(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` (a shell command line) and returns its exit code and output.
// `env` is prepended as VAR=value assignments ("" for none).
inline Ran Run(const std::string& command, const std::string& env = "") {
  static int counter = 0;
  const std::string out = TempFile("run_" + std::to_string(counter++) + ".out");
  const std::string line = (env.empty() ? "" : "env " + env + " ") + command + " >" + out + " 2>&1";
  const int status = std::system(line.c_str());
  Ran r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.output = ReadFile(out);
  return r;
}

inline nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(ReadFile(path)); }

}  // namespace mmu::models::testing
