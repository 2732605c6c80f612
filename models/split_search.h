// models/split_search.h: Relacy's tree search, split into disjoint parts.
//
// Relacy's full and context-bound searches walk a tree: every execution is
// the sequence of choices (which thread runs, which store a load reads, ...)
// recorded in the scheduler's `stree_`, and the next execution is the
// lexicographic successor of the last one. SplitSearch is that same walk
// (the choices, their order and the context bound are Relacy's; only the
// successor step is ours) with one addition: the first `depth` choices of an
// execution name its subtree, subtrees are numbered in the order the walk
// meets them, and shard s of N explores subtree k only if k mod N == s.
//
// To skip a subtree the shard must first meet it: it runs that subtree's
// first execution (a "probe", not counted as explored) and then jumps to the
// successor of the subtree's prefix. Every shard meets the same subtrees in
// the same order, so the shards explore disjoint sets of executions whose
// union is the unsplit search: the explored counts add up, and so do the
// per-shard digests (a sum of a hash of each execution's choices), which is
// what models/shard_test checks. With one shard SplitSearch is the plain
// search and explores exactly the executions Relacy's own scheduler does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "mmu_core/sync.h"  // relacy.hpp

namespace mmu::models {

// Parameters and results of the current split search (one at a time).
struct SplitSearchState {
  static constexpr std::size_t kMaxDepth = 64;
  int shard = 0;
  int shards = 1;
  std::size_t depth = 8;
  bool bounded = false;  // context-bound: at most params.context_bound preemptions
  bool active = true;    // false while Relacy re-runs a failing execution

  std::uint64_t explored = 0;  // executions of this shard's subtrees
  std::uint64_t probes = 0;    // first executions of other shards' subtrees
  std::uint64_t subtrees = 0;  // subtrees met so far (all shards')
  std::uint64_t owned_subtrees = 0;
  std::uint64_t digest = 0;
  double position = 0;  // how far the walk is through the tree, 0..1

  unsigned prefix[kMaxDepth] = {};
  std::size_t prefix_len = 0;
  bool owned = true;

  void Reset(int shard_index, int shard_total, std::size_t split_depth, bool bound) {
    *this = SplitSearchState{};
    shard = shard_index;
    shards = shard_total;
    depth = std::min(split_depth, kMaxDepth);
    bounded = bound;
  }
};

inline SplitSearchState g_split;

// A 64-bit mix (splitmix64's finaliser) for the execution digest.
inline std::uint64_t Mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

template <rl::thread_id_t kThreadCount>
class SplitSearch
    : public rl::tree_search_scheduler<SplitSearch<kThreadCount>, rl::tree_search_scheduler_thread_info<kThreadCount>,
                                       kThreadCount> {
 public:
  using base_t = rl::tree_search_scheduler<SplitSearch<kThreadCount>,
                                           rl::tree_search_scheduler_thread_info<kThreadCount>, kThreadCount>;
  using thread_info_t = typename base_t::thread_info_t;
  using shared_context_t = typename base_t::shared_context_t;

  SplitSearch(rl::test_params& params, shared_context_t& ctx, rl::thread_id_t dynamic_thread_count)
      : base_t(params, ctx, dynamic_thread_count) {}

  rl::thread_id_t iteration_begin_impl() {
    switches_left_ = this->params_.context_bound;
    return base_t::iteration_begin_impl();
  }

  // Context bound: a running thread may be preempted only while the
  // execution has switches left; a blocked or finished one always yields.
  bool can_switch(thread_info_t&) { return !g_split.bounded || switches_left_ != 0; }
  void on_switch(thread_info_t& t) {
    if (g_split.bounded && t.state_ == rl::thread_state_running) --switches_left_;
  }

  double iteration_count_approx() {
    double total = 1;
    for (const auto& n : this->stree_) total *= n.count_;
    return total;
  }

  bool iteration_end_impl() {
    SplitSearchState& s = g_split;
    if (!s.active) return base_t::iteration_end_impl();
    const std::size_t len = std::min(s.depth, this->stree_.size());
    if (s.explored + s.probes == 0 || !SamePrefix(len)) {
      s.prefix_len = len;
      for (std::size_t i = 0; i < len; ++i) s.prefix[i] = this->stree_[i].index_;
      s.owned = s.subtrees % static_cast<std::uint64_t>(s.shards) == static_cast<std::uint64_t>(s.shard);
      ++s.subtrees;
      if (s.owned) ++s.owned_subtrees;
    }
    // For the progress line only (printed every 1024 executions at most).
    if (((s.explored + s.probes) & 1023) == 0) s.position = Position();
    if (s.owned) {
      ++s.explored;
      s.digest += ExecutionHash();
      return base_t::iteration_end_impl();
    }
    ++s.probes;
    // Skip the rest of this subtree: the successor of its prefix.
    for (std::size_t i = len; i != 0; --i) {
      auto& n = this->stree_[i - 1];
      if (n.index_ + 1 != n.count_) {
        this->stree_.resize(i);
        ++n.index_;
        return false;
      }
    }
    return true;
  }

 private:
  bool SamePrefix(std::size_t len) const {
    if (len != g_split.prefix_len) return false;
    for (std::size_t i = 0; i < len; ++i) {
      if (this->stree_[i].index_ != g_split.prefix[i]) return false;
    }
    return true;
  }
  std::uint64_t ExecutionHash() const {
    // A multiply-xor chain over the decisions, mixed once at the end: cheap
    // enough to run after every execution (the bench measures it).
    std::uint64_t h = 0x6a09e667f3bcc908ULL;
    for (const auto& n : this->stree_) {
      h = (h ^ ((std::uint64_t{n.count_} << 40) | (std::uint64_t{n.index_} << 8) | n.type_)) * 0x100000001b3ULL;
      h ^= h >> 29;
    }
    return Mix64(h);
  }
  // The fraction of the tree before this execution (lexicographic order).
  double Position() const {
    double pos = 0;
    double width = 1;
    for (const auto& n : this->stree_) {
      width /= n.count_;
      pos += width * n.index_;
      if (width < 1e-12) break;
    }
    return pos;
  }

  unsigned switches_left_ = 0;
};

}  // namespace mmu::models
