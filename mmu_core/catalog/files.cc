// mmu_core/catalog/files.cc: input files and output paths, checked first.
#include "mmu_core/catalog/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace mmu {
namespace {

std::string Errno(int e) { return std::strerror(e); }

std::string DirOf(const std::string& p) {
  const std::size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

// The length of the valid UTF-8 sequence of a printable character at s[i],
// or 0.
std::size_t Utf8Printable(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned cp = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;  // overlong
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;                                             // surrogates
  if (cp >= 0x80 && cp < 0xa0) return 0;                                                  // C1 controls
  return n;
}

}  // namespace

std::optional<std::string> ReadInputFile(const std::string& path, std::size_t limit, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<std::string> {
    *error = std::move(message);
    return std::nullopt;
  };
  if (path.empty()) return fail("no file name");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    if (e == ENOENT) {
      struct stat l {};
      if (::lstat(path.c_str(), &l) == 0 && S_ISLNK(l.st_mode)) return fail("is a dangling symbolic link");
      return fail("no such file");
    }
    if (e == ENOTDIR) return fail("no such file (a component of the path is not a directory)");
    if (e == EACCES) return fail("cannot reach the file: permission denied");
    return fail("cannot open the file: " + Errno(e));
  }
  if (S_ISDIR(st.st_mode)) return fail("is a directory, not a file");
  if (S_ISFIFO(st.st_mode)) return fail("is a FIFO, not a regular file (a file is read whole before it is used)");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return fail("is a device, not a regular file");
  if (S_ISSOCK(st.st_mode)) return fail("is a socket, not a regular file");
  if (!S_ISREG(st.st_mode)) return fail("is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    return fail("is " + std::to_string(st.st_size) + " bytes, more than the limit of " + std::to_string(limit));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int e = errno;
    if (e == EACCES) return fail("cannot read it: permission denied");
    return fail("cannot open the file: " + Errno(e));
  }
  // Read at most limit + 1 bytes: the file may have grown since stat().
  std::string text(limit + 1, '\0');
  std::size_t n = 0;
  while (n < text.size()) {
    const ssize_t r = ::read(fd, text.data() + n, text.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return fail("cannot read the file: " + Errno(e));
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
  }
  ::close(fd);
  if (n > limit) return fail("is more than the limit of " + std::to_string(limit) + " bytes");
  text.resize(n);
  return text;
}

std::string CheckOutputPath(std::string_view option, const std::string& shown, const std::string& path) {
  const std::string opt(option);
  if (path.empty()) return opt + " needs a file name";
  const std::string head = opt + " " + shown + ": ";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return head + "is a directory; give a file name";
    // Open without truncating or creating (and without blocking on a FIFO):
    // the file is written only after the work.
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      const int e = errno;
      if (e == ENXIO && S_ISFIFO(st.st_mode)) return head + "is a FIFO with no reader";
      return head + "cannot write it: " + Errno(e);
    }
    ::close(fd);
    return "";
  }
  const int stat_errno = errno;
  // A new file: its directory must exist and take new files.
  const std::string dir = DirOf(path);
  const std::string dir_shown = DirOf(shown);
  if (stat_errno == ENOTDIR) return head + dir_shown + " is not a directory";
  if (stat_errno != ENOENT) return head + Errno(stat_errno);
  struct stat d {};
  if (::stat(dir.c_str(), &d) != 0) {
    const int e = errno;
    return e == ENOENT ? head + "the directory " + dir_shown + " does not exist" : head + dir_shown + ": " + Errno(e);
  }
  if (!S_ISDIR(d.st_mode)) return head + dir_shown + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int e = errno;
    return head + "cannot create a file in " + dir_shown + ": " + Errno(e);
  }
  return "";
}

std::string Printable(std::string_view text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c >= 0x20 && c < 0x7f) || c == '\t') {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (const std::size_t n = c >= 0x80 ? Utf8Printable(text, i) : 0; n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
    ++i;
  }
  return out;
}

}  // namespace mmu
