// Events and relations of the LKMM engine (lkmm.h).
//
// An Event is one memory access or fence of a candidate execution, tagged
// as herd7 tags it for linux-kernel.bell: R/W/F, the access annotations
// (once, acquire, release, noreturn; plain when unmarked), the lock events
// of lock.cat (LKR, LKW, UL, LF, RL, RU), the SRCU events, and the
// initial writes (IW). A Rel is a relation over the events of one
// candidate, a bit matrix with the operators the .cat language uses.
#ifndef LITMUS_LKMM_EVENTS_H_
#define LITMUS_LKMM_EVENTS_H_

#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "litmus/program.h"

namespace litmus::lkmm {

inline constexpr int kMaxEvents = 128;
using Set = std::bitset<kMaxEvents>;

enum class EvType : uint8_t { kRead, kWrite, kFence };

enum Tag : uint32_t {
  kOnce = 1u << 0,
  kAcquire = 1u << 1,
  kRelease = 1u << 2,
  kNoreturn = 1u << 3,
  kPlain = 1u << 4,
  kLKR = 1u << 5,
  kLKW = 1u << 6,
  kUL = 1u << 7,
  kLF = 1u << 8,
  kRL = 1u << 9,
  kRU = 1u << 10,
  kSrcuLock = 1u << 11,
  kSrcuUnlock = 1u << 12,
  kSyncSrcu = 1u << 13,
  kInit = 1u << 14,
  kRmwInstr = 1u << 15,  // an event of an RMW instruction (the set RMW)
  kRcuLock = 1u << 16,
  kRcuUnlock = 1u << 17,
  kSyncRcu = 1u << 18,
  kMbTag = 1u << 19,  // the MB annotation of a fully ordered RMW
};

struct Event {
  int thread = -1;  // -1: an initial write
  int index = 0;    // position in its thread (program order)
  int loc = -1;     // -1: a fence without a location
  int64_t value = 0;
  EvType type = EvType::kFence;
  uint32_t tags = 0;
  LkmmFence fence = LkmmFence::kNone;
  int rmw_w = -1;   // for the R of a successful RMW: thread index of its W
  // Reads (thread indices) this event depends on.
  uint64_t addr = 0, data = 0, ctrl = 0;
  const Op* op = nullptr;
};

// A relation over n events.
class Rel {
 public:
  Rel() = default;
  explicit Rel(int n) : rows_(n) {}
  int size() const { return static_cast<int>(rows_.size()); }
  Set& operator[](int i) { return rows_[i]; }
  const Set& operator[](int i) const { return rows_[i]; }
  bool Has(int a, int b) const { return rows_[a].test(b); }
  void Add(int a, int b) { rows_[a].set(b); }
  bool Empty() const {
    for (const Set& r : rows_) {
      if (r.any()) return false;
    }
    return true;
  }
  bool operator==(const Rel& o) const { return rows_ == o.rows_; }

  friend Rel operator|(Rel a, const Rel& b) {
    for (int i = 0; i < a.size(); ++i) a.rows_[i] |= b.rows_[i];
    return a;
  }
  friend Rel operator&(Rel a, const Rel& b) {
    for (int i = 0; i < a.size(); ++i) a.rows_[i] &= b.rows_[i];
    return a;
  }
  // a \ b
  friend Rel operator-(Rel a, const Rel& b) {
    for (int i = 0; i < a.size(); ++i) a.rows_[i] &= ~b.rows_[i];
    return a;
  }
  // Sequence a ; b.
  friend Rel Seq(const Rel& a, const Rel& b) {
    Rel r(a.size());
    for (int i = 0; i < a.size(); ++i) {
      const Set& row = a.rows_[i];
      if (row.none()) continue;
      for (int j = 0; j < a.size(); ++j) {
        if (row.test(j)) r.rows_[i] |= b.rows_[j];
      }
    }
    return r;
  }
  Rel Inverse() const {
    Rel r(size());
    for (int i = 0; i < size(); ++i) {
      for (int j = 0; j < size(); ++j) {
        if (rows_[i].test(j)) r.rows_[j].set(i);
      }
    }
    return r;
  }
  // r+ (Warshall).
  Rel Plus() const {
    Rel r = *this;
    for (int k = 0; k < size(); ++k) {
      for (int i = 0; i < size(); ++i) {
        if (r.rows_[i].test(k)) r.rows_[i] |= r.rows_[k];
      }
    }
    return r;
  }
  static Rel Id(int n, const Set& s) {
    Rel r(n);
    for (int i = 0; i < n; ++i) {
      if (s.test(i)) r.rows_[i].set(i);
    }
    return r;
  }
  // r* over the events in `universe`.
  Rel Star(const Set& universe) const { return Plus() | Id(size(), universe); }
  // r? over the events in `universe`.
  Rel Opt(const Set& universe) const { return *this | Id(size(), universe); }
  bool Irreflexive() const {
    for (int i = 0; i < size(); ++i) {
      if (rows_[i].test(i)) return false;
    }
    return true;
  }
  bool Acyclic() const { return Plus().Irreflexive(); }
  Set Domain() const {
    Set s;
    for (int i = 0; i < size(); ++i) {
      if (rows_[i].any()) s.set(i);
    }
    return s;
  }
  Set Range() const {
    Set s;
    for (const Set& r : rows_) s |= r;
    return s;
  }
  // [a] ; r ; [b]
  Rel Restrict(const Set& a, const Set& b) const {
    Rel r(size());
    for (int i = 0; i < size(); ++i) {
      if (a.test(i)) r.rows_[i] = rows_[i] & b;
    }
    return r;
  }

 private:
  std::vector<Set> rows_;
};

// A x b
inline Rel Cross(int n, const Set& a, const Set& b) {
  Rel r(n);
  for (int i = 0; i < n; ++i) {
    if (a.test(i)) r[i] = b;
  }
  return r;
}

}  // namespace litmus::lkmm

#endif  // LITMUS_LKMM_EVENTS_H_
