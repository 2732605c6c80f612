// stress/output_path.cc: output paths checked before the run, by the
// shared check (mmu_core/catalog/files.h), relative paths taken from where
// the user ran `bazel run`.
#include "stress/output_path.h"

#include "mmu_core/catalog/files.h"
#include "stress/options.h"

namespace stress {

std::string CheckOutputPath(std::string_view option, const std::string& path) {
  return mmu::CheckOutputPath(option, path, UserPath(path));
}

}  // namespace stress
