// models/detection/site_hook.h: the ordering sweep's side of the facade (Relacy).
//
// SiteTable is the sync::SiteHook a model binary installs under --sites or
// --weaken (model_flags.h). It is told every ordered call the threads make
// (calls made while setting a round up or checking it are not sites):
//
//  - it records each site (file, line, kind of call, order, function) and
//    how often it ran, for --sites;
//  - it weakens the one site that --weaken names, every time it runs, if the
//    weakening applies to the call there (weakenings.h).
//
// A kernel xchg/cmpxchg asks first as one site and its barriers and RMW then
// ask with the same location: a location once seen as a kernel xchg/cmpxchg
// is one, and the other calls there are its parts (answered kNone, not
// recorded). Fixed size: it runs inside the simulation, where operator new is
// Relacy's.
#pragma once

#include "mmu_core/sync.h"  // first: relacy.hpp

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "models/detection/weakenings.h"

namespace mmu::models::detection {

static_assert(static_cast<int>(sync::SiteOp::kCmpxchg) == static_cast<int>(Op::kCmpxchg));
static_assert(static_cast<int>(sync::Weakening::kSplit) == static_cast<int>(How::kSplit));
static_assert(static_cast<int>(sync::Weakening::kDrop) == static_cast<int>(How::kDrop));
static_assert(static_cast<int>(std::memory_order::seq_cst) == static_cast<int>(Order::kSeqCst));

class SiteTable final : public sync::SiteHook {
 public:
  struct Entry {
    const char* file = nullptr;
    unsigned line = 0;
    Op op = Op::kLoad;
    Order order = Order::kRelaxed;
    const char* function = nullptr;
    std::uint64_t runs = 0;
  };
  static constexpr int kMax = 2048;

  // Are the threads of a round running (not its set-up or its check)?
  void SetArmed(bool (*armed)()) { armed_ = armed; }
  void Weaken(const WeakenRequest& w) {
    target_ = w;
    weakening_ = true;
  }
  // How often the weakened site ran, and how often the weakening applied there.
  std::uint64_t target_runs() const { return target_runs_; }
  std::uint64_t target_applied() const { return target_applied_; }
  int size() const { return n_; }
  const Entry& operator[](int i) const { return entries_[i]; }
  bool truncated() const { return truncated_; }

  sync::Weakening Site(sync::SiteOp sop, std::memory_order mo, const sync::Loc& l) override {
    if (armed_ != nullptr && !armed_()) return sync::Weakening::kNone;
    const Op op = static_cast<Op>(sop);
    const Order order = static_cast<Order>(mo);
    const bool composite = op == Op::kXchg || op == Op::kCmpxchg;
    if (composite) {
      AddComposite(l);
    } else if (IsComposite(l)) {
      return sync::Weakening::kNone;  // a part of a kernel xchg/cmpxchg
    }
    Note(op, order, l);
    if (!weakening_ || l.line() != target_.site.line || WorkspacePath(l.file_name()) != target_.site.file) {
      return sync::Weakening::kNone;
    }
    ++target_runs_;
    if (!Applies(op, order, target_.how)) return sync::Weakening::kNone;
    ++target_applied_;
    return static_cast<sync::Weakening>(target_.how);
  }

 private:
  static bool SameFile(const char* a, const char* b) { return a == b || std::strcmp(a, b) == 0; }
  bool IsComposite(const sync::Loc& l) const {
    for (int i = 0; i < n_composite_; ++i) {
      if (composite_[i].line == l.line() && SameFile(composite_[i].file, l.file_name())) return true;
    }
    return false;
  }
  void AddComposite(const sync::Loc& l) {
    if (IsComposite(l) || n_composite_ == kMaxComposite) return;
    composite_[n_composite_++] = Key{l.file_name(), l.line()};
  }
  void Note(Op op, Order order, const sync::Loc& l) {
    for (int i = 0; i < n_; ++i) {
      Entry& e = entries_[i];
      if (e.line == l.line() && e.op == op && e.order == order && SameFile(e.file, l.file_name())) {
        ++e.runs;
        return;
      }
    }
    if (n_ == kMax) {
      truncated_ = true;
      return;
    }
    entries_[n_++] = Entry{l.file_name(), l.line(), op, order, l.function_name(), 1};
  }

  struct Key {
    const char* file;
    unsigned line;
  };
  static constexpr int kMaxComposite = 256;
  bool (*armed_)() = nullptr;
  Entry entries_[kMax];
  int n_ = 0;
  bool truncated_ = false;
  Key composite_[kMaxComposite] = {};
  int n_composite_ = 0;
  WeakenRequest target_;
  bool weakening_ = false;
  std::uint64_t target_runs_ = 0;
  std::uint64_t target_applied_ = 0;
};

}  // namespace mmu::models::detection
