// stress/output_path.h: is an output path writable? Asked before the work.
//
// A run that finds a violation and then cannot write its --json file must
// not lose the violation to a late "cannot write" (issue 14): every output
// path is checked before the first round, and a bad one is bad input (exit
// 2) with its own message: a directory, a missing directory, a directory or
// file this process may not write, a FIFO with no reader.
#pragma once

#include <string>
#include <string_view>

namespace stress {

// "" when `path` (as given for `option`; relative paths are taken from where
// the user ran `bazel run`) can be written, else the message naming what is
// wrong, e.g. "--json /tmp: is a directory; give a file name".
std::string CheckOutputPath(std::string_view option, const std::string& path);

}  // namespace stress
