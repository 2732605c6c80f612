// models/detection/weakenings.h: the ordering sweep's vocabulary, engine-free.
//
// A site is an ordered call of the core as the facade sees it
// (mmu_core/sync.h, SiteHook): a source location, the kind of call and its
// memory order. A kernel xchg/cmpxchg is one site. A weakening makes one
// site weaker at run time (--weaken FILE:LINE:HOW on a model binary):
//
//   call                  order     weakenings
//   load                  seq_cst   acquire, relaxed
//                         acquire   relaxed
//   store                 seq_cst   release, relaxed
//                         release   relaxed
//   rmw (xchg, fetch_*),  seq_cst   acq_rel, acquire, release, relaxed, split
//   cas (compare-exch.)   acq_rel   acquire, release, relaxed, split
//                         acq./rel. relaxed, split
//                         relaxed   split
//   fence                 seq_cst   acq_rel, acquire, release, drop
//                         acq_rel   acquire, release, drop
//                         acq./rel. drop
//   kernel xchg/cmpxchg   (full)    no-mb-before, no-mb-after, no-mb, relaxed, split
//
// `split` turns an RMW into a load and a store (no longer atomic; the halves
// keep its acquire and release parts; a kernel one loses its barriers too);
// `relaxed` on a kernel xchg/cmpxchg drops both barriers and relaxes the RMW.
// The names mirror sync::SiteOp and sync::Weakening (site_hook.h checks it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmu::models::detection {

enum class Op : std::uint8_t { kLoad, kStore, kRmw, kCas, kFence, kXchg, kCmpxchg };
enum class How : std::uint8_t {
  kNone,
  kAcqRel,
  kAcquire,
  kRelease,
  kRelaxed,
  kDrop,
  kNoMbBefore,
  kNoMbAfter,
  kNoMb,
  kSplit,
};
// std::memory_order's names, in its order.
enum class Order : std::uint8_t { kRelaxed, kConsume, kAcquire, kRelease, kAcqRel, kSeqCst };

inline constexpr std::string_view kOpNames[] = {"load", "store", "rmw", "cas", "fence", "xchg", "cmpxchg"};
inline constexpr std::string_view kHowNames[] = {"none",         "acq_rel",     "acquire", "release", "relaxed",
                                                 "drop",         "no-mb-before", "no-mb-after", "no-mb", "split"};
inline constexpr std::string_view kOrderNames[] = {"relaxed", "consume", "acquire", "release", "acq_rel", "seq_cst"};

inline std::string_view Name(Op o) { return kOpNames[static_cast<int>(o)]; }
inline std::string_view Name(How h) { return kHowNames[static_cast<int>(h)]; }
inline std::string_view Name(Order o) { return kOrderNames[static_cast<int>(o)]; }

template <class E, std::size_t N>
std::optional<E> FromName(const std::string_view (&names)[N], std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}
inline std::optional<Op> OpFromName(std::string_view s) { return FromName<Op>(kOpNames, s); }
inline std::optional<How> HowFromName(std::string_view s) {
  const std::optional<How> h = FromName<How>(kHowNames, s);
  if (h == How::kNone) return std::nullopt;
  return h;
}
inline std::optional<Order> OrderFromName(std::string_view s) { return FromName<Order>(kOrderNames, s); }

// The weakenings of a call, strongest first (the table above).
inline std::vector<How> WeakeningsOf(Op op, Order o) {
  const bool has_acquire = o == Order::kAcquire || o == Order::kConsume;
  switch (op) {
    case Op::kLoad:
      if (o == Order::kSeqCst) return {How::kAcquire, How::kRelaxed};
      if (has_acquire) return {How::kRelaxed};
      return {};
    case Op::kStore:
      if (o == Order::kSeqCst) return {How::kRelease, How::kRelaxed};
      if (o == Order::kRelease) return {How::kRelaxed};
      return {};
    case Op::kRmw:
    case Op::kCas:
      if (o == Order::kSeqCst) return {How::kAcqRel, How::kAcquire, How::kRelease, How::kRelaxed, How::kSplit};
      if (o == Order::kAcqRel) return {How::kAcquire, How::kRelease, How::kRelaxed, How::kSplit};
      if (o == Order::kRelaxed) return {How::kSplit};
      return {How::kRelaxed, How::kSplit};
    case Op::kFence:
      if (o == Order::kSeqCst) return {How::kAcqRel, How::kAcquire, How::kRelease, How::kDrop};
      if (o == Order::kAcqRel) return {How::kAcquire, How::kRelease, How::kDrop};
      return {How::kDrop};
    case Op::kXchg:
    case Op::kCmpxchg:
      return {How::kNoMbBefore, How::kNoMbAfter, How::kNoMb, How::kRelaxed, How::kSplit};
  }
  return {};
}
inline bool Applies(Op op, Order o, How h) {
  for (How x : WeakeningsOf(op, o)) {
    if (x == h) return true;
  }
  return false;
}

// A site as a model reports it (--sites FILE) and as --weaken names it.
struct SiteId {
  std::string file;  // relative to the workspace: "mmu_core/split_spte.h"
  unsigned line = 0;
  bool operator<(const SiteId& o) const { return file != o.file ? file < o.file : line < o.line; }
  bool operator==(const SiteId& o) const { return file == o.file && line == o.line; }
  std::string ToString() const { return file + ":" + std::to_string(line); }
};

// "./mmu_core/x.h" and "mmu_core/x.h" name the same file.
inline std::string_view WorkspacePath(std::string_view f) {
  while (f.substr(0, 2) == "./") f.remove_prefix(2);
  return f;
}

// --weaken FILE:LINE:HOW
struct WeakenRequest {
  SiteId site;
  How how = How::kNone;
};
// nullopt and a message on anything malformed.
inline std::optional<WeakenRequest> ParseWeaken(std::string_view s, std::string& error) {
  const std::size_t c2 = s.rfind(':');
  const std::size_t c1 = c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : s.rfind(':', c2 - 1);
  if (c1 == std::string_view::npos || c1 == 0) {
    error = "expected FILE:LINE:HOW (for example mmu_core/split_spte.h:113:drop)";
    return std::nullopt;
  }
  WeakenRequest r;
  r.site.file = std::string(WorkspacePath(s.substr(0, c1)));
  const std::string_view line = s.substr(c1 + 1, c2 - c1 - 1);
  unsigned n = 0;
  for (char ch : line) {
    if (ch < '0' || ch > '9' || n > 1000000) {
      error = "the line '" + std::string(line) + "' is not a number";
      return std::nullopt;
    }
    n = n * 10 + static_cast<unsigned>(ch - '0');
  }
  if (line.empty() || n == 0) {
    error = "the line '" + std::string(line) + "' is not a line number";
    return std::nullopt;
  }
  r.site.line = n;
  const std::optional<How> h = HowFromName(s.substr(c2 + 1));
  if (!h) {
    std::string names;
    for (std::size_t i = 1; i < std::size(kHowNames); ++i) names += std::string(i > 1 ? ", " : "") + std::string(kHowNames[i]);
    error = "'" + std::string(s.substr(c2 + 1)) + "' is not a weakening (" + names + ")";
    return std::nullopt;
  }
  r.how = *h;
  return r;
}

}  // namespace mmu::models::detection
