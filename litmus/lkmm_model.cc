// LKMM's relations over one candidate. Notation in the comments: `;`
// sequence, `|` union, `&` intersection, `\` difference, `[S]` the identity
// on set S, `r?` `r*` `r+` `r^-1` as usual, `int`/`ext` same/different
// process, fencerel(S) = po ; [S] ; po. Where the .cat file redefines a
// name (fence and strong-fence gain rcu-fence after the RCU section) the
// later value has a `2` suffix here.
#include "litmus/lkmm_model.h"

#include <deque>
#include <utility>

namespace litmus::lkmm {

const char* AxiomName(Axiom a) {
  switch (a) {
    case Axiom::kNone: return "none";
    case Axiom::kCoherence: return "coherence";
    case Axiom::kAtomic: return "atomic";
    case Axiom::kHappensBefore: return "happens-before";
    case Axiom::kPropagation: return "propagation";
    case Axiom::kRcu: return "rcu";
    case Axiom::kPlainCoherence: return "plain-coherence";
  }
  return "?";
}

Model::Model(const Candidate& c, const std::set<std::string>& drop) : c_(c), drop_(drop), n_(static_cast<int>(c.ev.size())) {
  Basic();
}

Rel Model::FenceRel(const Set& s) const { return Seq(Seq(po, Br(s)), po); }

void Model::Basic() {
  const auto& ev = c_.ev;
  for (int i = 0; i < n_; ++i) {
    const Event& e = ev[i];
    All.set(i);
    if (e.type == EvType::kRead) R.set(i);
    if (e.type == EvType::kWrite) W.set(i);
    if (e.type == EvType::kFence) F.set(i);
    auto tag = [&](uint32_t t, Set& s) {
      if (e.tags & t) s.set(i);
    };
    tag(kInit, IW);
    tag(kPlain, Plain);
    tag(kNoreturn, Noreturn);
    tag(kRmwInstr, RMW);
    tag(kLKR, LKR);
    tag(kLKW, LKW);
    tag(kUL, UL);
    tag(kLF | kRL, LF);  // lock.cat: RL is a kind of LF
    tag(kRU, RU);
    tag(kSrcuLock, Srcu_lock);
    tag(kSrcuUnlock, Srcu_unlock);
    tag(kSyncSrcu, Sync_srcu);
    tag(kSyncRcu, Sync_rcu);
    tag(kRcuLock, Rcu_lock);
    tag(kRcuUnlock, Rcu_unlock);
    tag(kAcquire, Acquire);
    tag(kRelease, Release);
    tag(kMbTag, MbEv);
    if (e.type == EvType::kFence) {
      switch (e.fence) {
        case LkmmFence::kMb: Fmb.set(i); break;
        case LkmmFence::kRmb: Frmb.set(i); break;
        case LkmmFence::kWmb: Fwmb.set(i); break;
        case LkmmFence::kBeforeAtomic: Fbefore_atomic.set(i); break;
        case LkmmFence::kAfterAtomic: Fafter_atomic.set(i); break;
        case LkmmFence::kAfterSpinlock: Fafter_spinlock.set(i); break;
        case LkmmFence::kAfterUnlockLock: Fafter_unlock_lock.set(i); break;
        case LkmmFence::kAfterSrcuReadUnlock: Fafter_srcu_read_unlock.set(i); break;
        case LkmmFence::kBarrier: Fbarrier.set(i); break;
        case LkmmFence::kNone: break;
      }
    }
  }
  M = R | W;
  Marked = All & ~Plain;
  R4rmb = R & ~Noreturn;
  id = Rel::Id(n_, All);
  po = Rel(n_);
  loc = Rel(n_);
  int_ = Rel(n_);
  ext = Rel(n_);
  for (int i = 0; i < n_; ++i) {
    for (int j = 0; j < n_; ++j) {
      const Event &a = ev[i], &b = ev[j];
      bool same = a.thread >= 0 && a.thread == b.thread;
      if (same) int_.Add(i, j);
      if (a.thread != b.thread) ext.Add(i, j);
      if (same && a.index < b.index) po.Add(i, j);
      if (a.loc >= 0 && a.loc == b.loc) loc.Add(i, j);
    }
  }
  po_loc = po & loc;
  rf = Rel(n_);
  for (int i = 0; i < n_; ++i) {
    if (c_.rf_source[i] >= 0) rf.Add(c_.rf_source[i], i);
  }
  co = Rel(n_);
  for (const std::vector<int>& order : c_.co_order) {
    for (size_t a = 0; a < order.size(); ++a) {
      for (size_t b = a + 1; b < order.size(); ++b) co.Add(order[a], order[b]);
    }
  }
  fr = Seq(rf.Inverse(), co);
  rfe = rf & ext;
  rfi = rf & int_;
  coe = co & ext;
  coi = co & int_;
  fre = fr & ext;
  fri = fr & int_;
  // rmw: the R and W of each successful RMW; lock.cat's lk-rmw adds LKR -> LKW.
  rmw = Rel(n_);
  std::vector<std::vector<int>> global(8);
  for (int i = 0; i < n_; ++i) {
    const Event& e = ev[i];
    if (e.thread < 0) continue;
    if (static_cast<int>(global.size()) <= e.thread) global.resize(e.thread + 1);
    if (static_cast<int>(global[e.thread].size()) <= e.index) global[e.thread].resize(e.index + 1, -1);
    global[e.thread][e.index] = i;
  }
  addr = Rel(n_);
  data = Rel(n_);
  ctrl = Rel(n_);
  for (int i = 0; i < n_; ++i) {
    const Event& e = ev[i];
    if (e.thread < 0) continue;
    if (e.rmw_w >= 0) rmw.Add(i, global[e.thread][e.rmw_w]);
    const std::vector<int>& g = global[e.thread];
    for (size_t k = 0; k < g.size() && k < 64; ++k) {
      if (g[k] < 0) continue;
      if (e.addr >> k & 1) addr.Add(g[k], i);
      if (e.data >> k & 1) data.Add(g[k], i);
      if (e.ctrl >> k & 1) ctrl.Add(g[k], i);
    }
  }
  // The bell keeps annotations only where they order: FailedRMW is
  // RMW \ (domain(rmw) | range(rmw)); Acquire = ACQUIRE \ W \ FailedRMW,
  // Release = RELEASE \ R \ FailedRMW, Mb = MB \ FailedRMW (with the
  // smp_mb() fences), Noreturn = NORETURN \ W; lock.cat adds LKR to
  // Acquire and UL to Release.
  FailedRMW = RMW & ~(rmw.Domain() | rmw.Range());
  Acquire = (Acquire & ~W & ~FailedRMW) | LKR;
  Release = (Release & ~R & ~FailedRMW) | UL;
  Mb = (MbEv & ~FailedRMW) | Fmb;
  Noreturn &= ~W;
  R4rmb = R & ~Noreturn;
  // linux-kernel.bell: rcu-rscs pairs each rcu_read_lock() with its
  // rcu_read_unlock(), nested sections included.
  rcu_rscs = Rel(n_);
  {
    std::vector<std::vector<int>> open(global.size());
    for (int i = 0; i < n_; ++i) {
      const Event& e = ev[i];
      if (Rcu_lock.test(i)) open[e.thread].push_back(i);
      if (Rcu_unlock.test(i) && !open[e.thread].empty()) {
        rcu_rscs.Add(open[e.thread].back(), i);
        open[e.thread].pop_back();
      }
    }
  }
  // srcu-rscs: a Srcu-lock matches the Srcu-unlock its index flows to,
  // through data and rf: ([Srcu-lock] ; carry-srcu-data ; data ;
  // [Srcu-unlock]) & loc, carry-srcu-data = (data ; [~Srcu-unlock] ; rf)*.
  Rel carry_srcu_data = Seq(Seq(data, Br(All & ~Srcu_unlock)), rf).Star(All);
  srcu_rscs = Seq(Seq(Br(Srcu_lock), carry_srcu_data), data).Restrict(All, Srcu_unlock) & loc;
  // The bell extends dependencies through plain stores read back in the
  // same process: carry-dep = (data ; [~Srcu-unlock] ; rfi)*.
  Rel carry_dep = Seq(Seq(data, Br(All & ~Srcu_unlock)), rfi).Star(All);
  addr = Seq(carry_dep, addr);
  ctrl = Seq(carry_dep, ctrl);
  data = Seq(carry_dep, data);
}

void Model::Derived() {
  // acq-po: [Acquire] ; po ; [M]      po-rel: [M] ; po ; [Release]
  acq_po = Def("acq-po", po.Restrict(Acquire, M));
  po_rel = Def("po-rel", po.Restrict(M, Release));
  // po-unlock-lock-po: po ; [UL] ; (po | rf) ; [LKR] ; po
  po_unlock_lock_po = Def("po-unlock-lock-po", Seq(Seq(po, (po | rf).Restrict(UL, LKR)), po));
  // rmb: [R4rmb] ; fencerel(Rmb) ; [R4rmb], R4rmb = R \ Noreturn
  rmb = Def("rmb", FenceRel(Frmb).Restrict(R4rmb, R4rmb));
  // wmb: [W] ; fencerel(Wmb) ; [W]
  wmb = Def("wmb", FenceRel(Fwmb).Restrict(W, W));
  // mb: smp_mb(); a fully ordered RMW, whose read and write are Mb events
  // (so fencerel(Mb) orders across it, and po-earlier accesses before its
  // read, its write before po-later ones); smp_mb__before_atomic() and
  // __after_atomic() through the adjacent RMW; smp_mb__after_spinlock()
  // after a lock; smp_mb__after_unlock_lock() after po-unlock-lock-po;
  // smp_mb__after_srcu_read_unlock() after an srcu_read_unlock().
  Rel po_opt = po.Opt(All);
  mb = Def("mb", FenceRel(Mb).Restrict(M, M) | po.Restrict(M, Mb & R) | po.Restrict(Mb & W, M) |
                     Seq(FenceRel(Fbefore_atomic).Restrict(M, RMW), po_opt).Restrict(All, M) |
                     Seq(po_opt.Restrict(M, RMW), FenceRel(Fafter_atomic)).Restrict(All, M) |
                     Seq(po_opt.Restrict(M, LKW), FenceRel(Fafter_spinlock)).Restrict(All, M) |
                     Seq(Seq(po_unlock_lock_po.Restrict(M, Fafter_unlock_lock), po), Br(M)) |
                     Seq(po_opt.Restrict(M, Srcu_unlock), FenceRel(Fafter_srcu_read_unlock)).Restrict(All, M));
  // gp: po ; [Sync-rcu | Sync-srcu] ; po?
  gp = Def("gp", Seq(Seq(po, Br(Sync_rcu | Sync_srcu)), po_opt));
  strong_fence = mb | gp;                      // strong-fence: mb | gp
  nonrw_fence = strong_fence | po_rel | acq_po;  // nonrw-fence
  fence = nonrw_fence | wmb | rmb;             // fence
  // barrier: what mixed-accesses may not cross.
  barrier = FenceRel(Fbarrier | Frmb | Fwmb | Mb | Sync_rcu | Sync_srcu | Fbefore_atomic | Fafter_atomic | Acquire |
                     Release | Rcu_lock | Rcu_unlock | Srcu_lock | Srcu_unlock) |
            po.Restrict(All, Release) | po.Restrict(Acquire, All);
  // Preserved program order.
  dep = addr | data;                                    // dep
  rwdep = (dep | ctrl).Restrict(All, W);                // rwdep: (dep | ctrl) ; [W]
  overwrite = co | fr;                                  // overwrite
  // to-w: rwdep | (overwrite & int) | (addr ; [Plain] ; wmb)
  to_w = Def("to-w", rwdep | (overwrite & int_) | Seq(addr.Restrict(All, Plain), wmb));
  // to-r: (addr ; [R]) | (dep ; [Marked] ; rfi)
  to_r = Def("to-r", addr.Restrict(All, R) | Seq(dep.Restrict(All, Marked), rfi));
  // ppo: to-r | to-w | (fence & int) | (po-unlock-lock-po & int)
  ppo = Def("ppo", to_r | to_w | (fence & int_) | (po_unlock_lock_po & int_));
  // Propagation.
  Rel rfe_marked_opt = rfe.Restrict(All, Marked).Opt(All);  // A-cumul(r) = (rfe ; [Marked])? ; r
  rmw_sequence = Def("rmw-sequence", Seq(rf, rmw)).Star(All);  // rmw-sequence: (rf ; rmw)*
  // cumul-fence: [Marked] ; (A-cumul(strong-fence | po-rel) | wmb |
  //              po-unlock-lock-po) ; [Marked] ; rmw-sequence
  cumul_fence = Def("cumul-fence", Seq((Seq(rfe_marked_opt, strong_fence | po_rel) | wmb | po_unlock_lock_po)
                                           .Restrict(Marked, Marked),
                                       rmw_sequence));
  // prop: [Marked] ; (overwrite & ext)? ; cumul-fence* ; [Marked] ; rfe? ; [Marked]
  prop = Def("prop", Seq(Seq((overwrite & ext).Opt(All).Restrict(Marked, All), cumul_fence.Star(All)),
                         rfe.Opt(All).Restrict(Marked, Marked)));
  // hb: [Marked] ; (ppo | rfe | ((prop \ id) & int)) ; [Marked]
  hb = Def("hb", (ppo | rfe | ((prop - id) & int_)).Restrict(Marked, Marked));
  // pb: prop ; strong-fence ; hb* ; [Marked]
  pb = Def("pb", Seq(Seq(prop, strong_fence), hb.Star(All)).Restrict(All, Marked));
}

void Model::RcuRelations() {
  // rcu-link: po? ; hb* ; pb* ; prop ; po
  Rel po_opt = po.Opt(All);
  rcu_link = Def("rcu-link", Seq(Seq(Seq(Seq(po_opt, hb.Star(All)), pb.Star(All)), prop), po));
  Rel rcu_gp = Br(Sync_rcu), srcu_gp = Br(Sync_srcu);
  Rel rcu_rscsi = rcu_rscs.Inverse(), srcu_rscsi = srcu_rscs.Inverse();
  // rcu-order: the least fixpoint of grace periods and read-side critical
  // sections joined by rcu-link, at least as many of the former as of the
  // latter; SRCU pieces must use one srcu_struct (& loc).
  auto L = [&](const Rel& a, const Rel& b) { return Seq(Seq(a, rcu_link), b); };
  auto L3 = [&](const Rel& a, const Rel& mid, const Rel& b) { return Seq(Seq(Seq(Seq(a, rcu_link), mid), rcu_link), b); };
  rcu_order = Rel(n_);
  if (Sync_rcu.any() || Sync_srcu.any()) {
    for (;;) {
      Rel next = rcu_gp | srcu_gp | L(rcu_gp, rcu_rscsi) | (L(srcu_gp, srcu_rscsi) & loc) | L(rcu_rscsi, rcu_gp) |
                 (L(srcu_rscsi, srcu_gp) & loc) | L3(rcu_gp, rcu_order, rcu_rscsi) |
                 (L3(srcu_gp, rcu_order, srcu_rscsi) & loc) | L3(rcu_rscsi, rcu_order, rcu_gp) |
                 (L3(srcu_rscsi, rcu_order, srcu_gp) & loc) | L(rcu_order, rcu_order);
      if (next == rcu_order) break;
      rcu_order = next;
    }
  }
  rcu_order = Def("rcu-order", rcu_order);
  // rcu-fence: po ; rcu-order ; po?
  rcu_fence = Def("rcu-fence", Seq(Seq(po, rcu_order), po_opt));
  // rb: prop ; rcu-fence ; hb* ; pb* ; [Marked]
  rb = Def("rb", Seq(Seq(Seq(prop, rcu_fence), hb.Star(All)), pb.Star(All)).Restrict(All, Marked));
}

void Model::PlainRelations() {
  Rel fence2 = fence | rcu_fence, strong_fence2 = strong_fence | rcu_fence;
  xbstar = (hb | pb | rb).Star(All);  // xbstar: (hb | pb | rb)*
  // vis: cumul-fence* ; rfe? ; [Marked] ; ((strong-fence ; [Marked] ; xbstar) | (xbstar & int))
  vis = Seq(Seq(cumul_fence.Star(All), rfe.Opt(All).Restrict(All, Marked)),
            Seq(strong_fence2.Restrict(All, Marked), xbstar) | (xbstar & int_));
  Rel rmb_fencerel = FenceRel(Frmb);
  // w-pre-bounded: [Marked] ; (addr | fence)?
  w_pre_bounded = (addr | fence2).Opt(All).Restrict(Marked, All);
  // r-pre-bounded: [Marked] ; (addr | nonrw-fence | ([R4rmb] ; fencerel(Rmb) ; [~Noreturn]))?
  r_pre_bounded = (addr | nonrw_fence | rmb_fencerel.Restrict(R4rmb, All & ~Noreturn)).Opt(All).Restrict(Marked, All);
  // w-post-bounded: fence? ; [Marked] ; rmw-sequence
  w_post_bounded = Seq(fence2.Opt(All).Restrict(All, Marked), rmw_sequence);
  // r-post-bounded: (nonrw-fence | ([~Noreturn] ; fencerel(Rmb) ; [R4rmb]))? ; [Marked]
  r_post_bounded = (nonrw_fence | rmb_fencerel.Restrict(All & ~Noreturn, R4rmb)).Opt(All).Restrict(All, Marked);
  // ww-vis, wr-vis: fence, or a strong fence then xbstar, or visibility,
  // each bounded; rw-xbstar likewise for a read before a write.
  ww_vis = fence2 | Seq(Seq(strong_fence2, xbstar), w_pre_bounded) | Seq(Seq(w_post_bounded, vis), w_pre_bounded);
  wr_vis = fence2 | Seq(Seq(strong_fence2, xbstar), r_pre_bounded) | Seq(Seq(w_post_bounded, vis), r_pre_bounded);
  rw_xbstar = fence2 | Seq(Seq(r_post_bounded, xbstar), w_pre_bounded);
  // pre-race: ext & ((Plain * M) | ((M \ IW) * Plain))
  pre_race = ext & (Cross(n_, Plain, M) | Cross(n_, M & ~IW, Plain));
}

Axiom Model::Check() {
  // coherence: acyclic po-loc | rf | co | fr
  com = rf | co | fr;
  if (!Dropped("coherence") && !(Def("po-loc", po_loc) | com).Acyclic()) return Axiom::kCoherence;
  // atomic: empty rmw & (fre ; coe)
  if (!Dropped("atomic") && !(rmw & Seq(fre, coe)).Empty()) return Axiom::kAtomic;
  Derived();
  if (!Dropped("happens-before") && !hb.Acyclic()) return Axiom::kHappensBefore;
  if (!Dropped("propagation") && !pb.Acyclic()) return Axiom::kPropagation;
  RcuRelations();
  if (!Dropped("rcu") && !rb.Irreflexive()) return Axiom::kRcu;
  if (Plain.any()) {
    PlainRelations();
    // plain-coherence: no plain access may contradict coherence where
    // visibility or xbstar orders it.
    Rel incoh = (pre_race & rf & rw_xbstar.Inverse()) | (pre_race & fr & wr_vis.Inverse()) |
                (pre_race & co & ww_vis.Inverse());
    if (!Dropped("plain-coherence") && !incoh.Empty()) return Axiom::kPlainCoherence;
  }
  return Axiom::kNone;
}

bool Model::DataRace() {
  if (Plain.none()) return false;
  Rel ww_nonrace = ww_vis & (Cross(n_, Marked, W) | rw_xbstar) & (Cross(n_, W, Marked) | wr_vis);
  Rel ww_race = (pre_race & co) - ww_nonrace;
  Rel wr_race = ((pre_race & Seq(co.Opt(All), rf)) - wr_vis) - rw_xbstar.Inverse();
  Rel rw_race = (pre_race & fr) - rw_xbstar;
  return !(ww_race | wr_race | rw_race).Empty();
}

// A path from x to y through the edges that build prop and pb (overwrite
// and rfe between processes, the fences of cumul-fence and strong-fence),
// each named, so a cycle shows which fence carries the order.
std::string Model::Unfold(int x, int y, const std::vector<std::string>& names) const {
  const std::vector<std::pair<const char*, const Rel*>> parts = {
      {"fre", &fre}, {"coe", &coe}, {"rfe", &rfe}, {"po-unlock-lock-po", &po_unlock_lock_po},
      {"mb", &mb},   {"gp", &gp},   {"rcu-fence", &rcu_fence}, {"po-rel", &po_rel},
      {"wmb", &wmb}, {"rmw", &rmw}, {"rfi", &rfi}, {"ppo", &ppo}};
  std::vector<int> prev(n_, -1), how(n_, -1);
  std::vector<bool> seen(n_, false);
  std::deque<int> q{x};
  seen[x] = true;
  while (!q.empty()) {
    int a = q.front();
    q.pop_front();
    if (a == y && a != x) break;
    for (size_t k = 0; k < parts.size(); ++k) {
      const Rel& r = *parts[k].second;
      if (r.size() != n_) continue;
      for (int b = 0; b < n_; ++b) {
        if (!r.Has(a, b) || (seen[b] && b != y) || (b == y && prev[y] >= 0)) continue;
        seen[b] = true;
        prev[b] = a;
        how[b] = static_cast<int>(k);
        q.push_back(b);
      }
    }
  }
  if (prev[y] < 0) return "";
  std::vector<int> path;
  for (int v = y; v != x; v = prev[v]) {
    path.push_back(v);
    if (path.size() > static_cast<size_t>(n_)) return "";
  }
  std::string out = names[x];
  for (auto it = path.rbegin(); it != path.rend(); ++it) out += std::string(" -") + parts[how[*it]].first + "-> " + names[*it];
  return out;
}

std::string Model::DescribeViolation(Axiom a, const std::vector<std::string>& names) {
  const std::vector<std::pair<const char*, const Rel*>> labels = {
      {"rfe", &rfe},   {"fre", &fre},        {"coe", &coe},   {"rfi", &rfi},
      {"fri", &fri},   {"coi", &coi},        {"po-unlock-lock-po", &po_unlock_lock_po},
      {"mb", &mb},     {"gp", &gp},          {"rcu-fence", &rcu_fence},
      {"rmb", &rmb},   {"wmb", &wmb},        {"acq-po", &acq_po},
      {"po-rel", &po_rel}, {"addr", &addr}, {"data", &data},
      {"ctrl", &ctrl}, {"ppo", &ppo},        {"cumul-fence", &cumul_fence},
      {"prop", &prop}, {"po-loc", &po_loc},  {"hb", &hb},
      {"pb", &pb},     {"rb", &rb}};
  auto label = [&](int x, int y) -> std::string {
    for (const auto& [name, r] : labels) {
      if (r->size() == n_ && r->Has(x, y)) return name;
    }
    return "?";
  };
  const Rel* r = nullptr;
  Rel coh;
  switch (a) {
    case Axiom::kCoherence:
      coh = po_loc | com;
      r = &coh;
      break;
    case Axiom::kHappensBefore: r = &hb; break;
    case Axiom::kPropagation: r = &pb; break;
    case Axiom::kRcu:
      for (int i = 0; i < n_; ++i) {
        if (rb.Has(i, i)) return "rb (prop ; rcu-fence ; hb* ; pb*) relates " + names[i] + " to itself";
      }
      return "rb is reflexive";
    case Axiom::kAtomic:
      return "a write of another process comes between the read and the write of an RMW (rmw & (fre ; coe))";
    case Axiom::kPlainCoherence:
      return "a plain access contradicts coherence order (plain-coherence)";
    case Axiom::kNone: return "";
  }
  // Shortest cycle through some event of r+.
  Rel plus = r->Plus();
  for (int s = 0; s < n_; ++s) {
    if (!plus.Has(s, s)) continue;
    std::vector<int> prev(n_, -1);
    std::deque<int> q{s};
    std::vector<bool> seen(n_, false);
    int end = -1;
    while (!q.empty() && end < 0) {
      int x = q.front();
      q.pop_front();
      for (int y = 0; y < n_; ++y) {
        if (!(*r).Has(x, y)) continue;
        if (y == s) {
          end = x;
          break;
        }
        if (!seen[y]) {
          seen[y] = true;
          prev[y] = x;
          q.push_back(y);
        }
      }
    }
    if (end < 0) continue;
    std::vector<int> path{s};
    for (int x = end; x != s; x = prev[x]) path.insert(path.begin() + 1, x);
    std::string out;
    for (size_t k = 0; k < path.size(); ++k) {
      int x = path[k], y = path[(k + 1) % path.size()];
      std::string l = label(x, y);
      if (l == "prop" || l == "pb" || l == "rb" || l == "cumul-fence") {
        std::string inner = Unfold(x, y, names);
        if (!inner.empty()) l += " (" + inner + ")";
      }
      out += names[x] + " -" + l + "-> ";
    }
    return out + names[s];
  }
  return "cycle";
}

}  // namespace litmus::lkmm
