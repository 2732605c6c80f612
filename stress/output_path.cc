// stress/output_path.cc: output paths checked before the run.
#include "stress/output_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "stress/options.h"

namespace stress {

std::string CheckOutputPath(std::string_view option, const std::string& path) {
  if (path.empty()) return fmt::format("{} needs a file name", option);
  const std::string p = UserPath(path);
  struct stat st {};
  if (stat(p.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return fmt::format("{} {}: is a directory; give a file name", option, path);
    // Open without truncating or creating (and without blocking on a FIFO):
    // the file is written only after the run.
    const int fd = open(p.c_str(), O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENXIO && S_ISFIFO(st.st_mode)) return fmt::format("{} {}: is a FIFO with no reader", option, path);
      return fmt::format("{} {}: cannot write it: {}", option, path, std::strerror(errno));
    }
    close(fd);
    return "";
  }
  const int stat_errno = errno;
  // A new file: its directory must exist and take new files.
  const std::size_t slash = p.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
  const std::size_t given_slash = path.rfind('/');
  const std::string dir_given = given_slash == std::string::npos ? "."
                                : given_slash == 0               ? "/"
                                                                 : path.substr(0, given_slash);
  if (stat_errno == ENOTDIR) return fmt::format("{} {}: {} is not a directory", option, path, dir_given);
  if (stat_errno != ENOENT) return fmt::format("{} {}: {}", option, path, std::strerror(stat_errno));
  struct stat d {};
  if (stat(dir.c_str(), &d) != 0) {
    return errno == ENOENT ? fmt::format("{} {}: the directory {} does not exist", option, path, dir_given)
                           : fmt::format("{} {}: {}: {}", option, path, dir_given, std::strerror(errno));
  }
  if (!S_ISDIR(d.st_mode)) return fmt::format("{} {}: {} is not a directory", option, path, dir_given);
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return fmt::format("{} {}: cannot create a file in {}: {}", option, path, dir_given, std::strerror(errno));
  }
  return "";
}

}  // namespace stress
