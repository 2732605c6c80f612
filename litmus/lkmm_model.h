// The relations and axioms of LKMM over one candidate execution, written
// from tools/memory-model/linux-kernel.cat, linux-kernel.bell and lock.cat
// (the kernel's current files, herd7's lkmmv2 reading: a fully ordered RMW
// is a read and a write tagged MB, a failed one orders nothing). Each relation is a member
// named as in the .cat file (`po-unlock-lock-po` -> po_unlock_lock_po) and
// carries its definition in a comment, once, in lkmm_model.cc.
#ifndef LITMUS_LKMM_MODEL_H_
#define LITMUS_LKMM_MODEL_H_

#include <set>
#include <string>
#include <vector>

#include "litmus/lkmm_events.h"

namespace litmus::lkmm {

// A candidate execution: events (initial writes first), rf as the write
// each read reads from, co as a total order of the writes per location.
struct Candidate {
  std::vector<Event> ev;
  std::vector<int> rf_source;             // per event: the write a read reads from, or -1
  std::vector<std::vector<int>> co_order;  // per location: writes in coherence order
};

// The axioms, in the order the engine checks them.
enum class Axiom { kNone, kCoherence, kAtomic, kHappensBefore, kPropagation, kRcu, kPlainCoherence };
const char* AxiomName(Axiom a);

class Model {
 public:
  Model(const Candidate& c, const std::set<std::string>& drop);

  // The first axiom the candidate violates, or kNone.
  Axiom Check();
  // After Check() == kNone: whether the candidate has a data race.
  bool DataRace();
  // A cycle (or reflexive edge) of the violated axiom's relation, each edge
  // named by the most specific relation of the model that contains it.
  std::string DescribeViolation(Axiom a, const std::vector<std::string>& event_names);

 private:
  bool Dropped(const char* name) const { return drop_.count(name) > 0; }
  // A relation that --drop-relation may empty.
  Rel Def(const char* name, const Rel& r) const { return Dropped(name) ? Rel(n_) : r; }
  Rel FenceRel(const Set& fences) const;  // fencerel(S) = po ; [S] ; po
  Rel Br(const Set& s) const { return Rel::Id(n_, s); }  // [S]
  std::string Unfold(int x, int y, const std::vector<std::string>& names) const;
  void Basic();
  void Derived();
  void RcuRelations();
  void PlainRelations();

  const Candidate& c_;
  std::set<std::string> drop_;
  int n_;

 public:
  // Sets of events.
  Set R, W, M, F, IW, Marked, Plain, Acquire, Release, Noreturn, R4rmb, RMW, FailedRMW, MbEv, Mb;
  Set LKR, LKW, UL, LF, RU, Srcu_lock, Srcu_unlock, Sync_srcu, Sync_rcu, Rcu_lock, Rcu_unlock;
  Set Fmb, Frmb, Fwmb, Fbefore_atomic, Fafter_atomic, Fafter_spinlock, Fafter_unlock_lock, Fafter_srcu_read_unlock,
      Fbarrier;
  Set All;
  // Base relations.
  Rel po, loc, int_, ext, po_loc, rf, co, fr, rfe, rfi, coe, coi, fre, fri, rmw, id;
  Rel addr, data, ctrl;
  Rel rcu_rscs, srcu_rscs;
  // linux-kernel.cat, in its order.
  Rel acq_po, po_rel, po_unlock_lock_po;
  Rel rmb, wmb, mb, gp, strong_fence, nonrw_fence, fence, barrier;
  Rel com, dep, rwdep, overwrite, to_w, to_r, ppo;
  Rel rmw_sequence, cumul_fence, prop, hb, pb;
  Rel rcu_link, rcu_order, rcu_fence, rb;
  Rel xbstar, vis, w_pre_bounded, r_pre_bounded, w_post_bounded, r_post_bounded;
  Rel ww_vis, wr_vis, rw_xbstar, pre_race;
};

}  // namespace litmus::lkmm

#endif  // LITMUS_LKMM_MODEL_H_
