// mmu_core/catalog/files.h: input files and output paths, checked before the
// work starts (issue 14).
//
// Every tool that reads a file the user names (a replay table, a
// counterexample, a `--expect` file) or writes one (`--json`,
// `--write-trace`, `--interleaving-out`) goes through here, so that bad
// paths are bad input (exit 2) with a message of their own, never a crash,
// a hang or a late "cannot write" that hides the result:
//
//   ReadInputFile    a regular file no larger than a limit, read whole; a
//                    directory, a FIFO, a device, a socket, a missing file,
//                    an unreadable file and an oversized one each get their
//                    own message, decided with stat() before a byte is read
//                    (a FIFO is never opened: that would block).
//   CheckOutputPath  can this path be written? Asked before the run: a
//                    directory, a missing directory, a path through a file,
//                    a FIFO with no reader, no permission.
//   Printable        text from a file, made safe to echo in a message
//                    (control bytes and invalid UTF-8 as \xNN).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mmu {

// Reads `path` whole if it is a regular file of at most `limit` bytes.
// Otherwise returns nullopt with `*error` set to what is wrong, without the
// path ("is a directory, not a file"). The caller prefixes the path as the
// user typed it.
std::optional<std::string> ReadInputFile(const std::string& path, std::size_t limit, std::string* error);

// "" when `path` can be written; otherwise the message, naming the option
// and the path as the user gave it (`shown`), e.g.
// "--write-trace /tmp: is a directory; give a file name". `path` is where
// the file really goes (`shown` resolved against the user's directory).
// An existing file is opened for appending to test it and is neither
// truncated nor created.
std::string CheckOutputPath(std::string_view option, const std::string& shown, const std::string& path);

// `text` with every byte that is not printable ASCII, a tab, or part of a
// valid UTF-8 sequence of a printable character written as \xNN; at most
// `max` bytes of it (then "...").
std::string Printable(std::string_view text, std::size_t max = 120);

}  // namespace mmu
