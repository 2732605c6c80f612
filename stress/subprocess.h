// stress/subprocess.h: run a tool and capture what it prints, with a deadline.
//
// The kill matrix and the test drivers run the model and stress binaries as
// child processes: a crash, a sanitizer abort or a hang in one of them is a
// result to report, not the end of the caller. The child gets its own
// process group, so a deadline kills it and anything it started.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace stress {

struct ChildResult {
  int exit_code = -1;     // valid when !signaled && !timed_out
  bool signaled = false;  // killed by a signal (term_signal)
  int term_signal = 0;
  bool timed_out = false;
  bool spawn_failed = false;
  std::string output;  // stdout and stderr, interleaved
  std::string out;     // stdout alone (a tool's --json on stdout)
  double seconds = 0;
  std::string Describe() const;  // "exit 1", "killed by signal 11", "timed out after 30 s"
};

// argv[0] is the program path. `env` entries are added to (or replace in)
// this process's environment.
ChildResult RunChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                     double timeout_seconds);

}  // namespace stress
