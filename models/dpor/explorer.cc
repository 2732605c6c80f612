// models/dpor/explorer.cc: see explorer.h and README.md.
#include "models/dpor/explorer.h"

#include <algorithm>
#include <cstdio>

namespace mmu::models::dpor {
namespace {

std::uint64_t Mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "dpor: %s\n", what);
  std::abort();
}

bool TestBit(const std::uint64_t* row, std::size_t i) { return (row[i >> 6] >> (i & 63)) & 1; }
void SetBit(std::uint64_t* row, std::size_t i) { row[i >> 6] |= std::uint64_t{1} << (i & 63); }

}  // namespace

// Per-object state of the happens-before scan: the last event that wrote the
// object and the events that read it since. Open addressing over malloc'd
// vectors, rebuilt for every execution; it grows as needed.
class Explorer::ObjectTable {
 public:
  struct Slot {
    std::uint64_t object = 0;
    std::int32_t last_write = -1;
    std::int32_t reads = -1;  // head of a list in pool_
    bool used = false;
  };
  struct Read {
    std::int32_t event;
    std::int32_t next;
  };

  void Reset(std::size_t objects) {
    std::size_t cap = 16;
    while (cap < 2 * objects) cap <<= 1;
    slots_.assign(cap, Slot{});
    pool_.clear();
    used_ = 0;
  }
  Slot& Find(std::uint64_t object) {
    if (2 * (used_ + 1) > slots_.size()) Grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Mix64(object) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (!s.used) {
        s.used = true;
        s.object = object;
        ++used_;
        return s;
      }
      if (s.object == object) return s;
    }
  }
  const Slot* Lookup(std::uint64_t object) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Mix64(object) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.object == object) return &s;
    }
  }
  void AddRead(Slot& s, std::int32_t event) {
    pool_.push_back(Read{event, s.reads});
    s.reads = static_cast<std::int32_t>(pool_.size() - 1);
  }
  const Read& ReadAt(std::int32_t i) const { return pool_[static_cast<std::size_t>(i)]; }

 private:
  void Grow() {
    Vec<Slot> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, Slot{});
    used_ = 0;
    for (const Slot& s : old) {
      if (!s.used) continue;
      Slot& n = Find(s.object);
      n.last_write = s.last_write;
      n.reads = s.reads;
    }
  }
  Vec<Slot> slots_;
  Vec<Read> pool_;
  std::size_t used_ = 0;
};

namespace {
Explorer::ObjectTable* NewTable() {
  return new (std::malloc(sizeof(Explorer::ObjectTable))) Explorer::ObjectTable();
}
}  // namespace

void AddToFootprint(Footprint& fp, const Access& a) {
  for (Access& x : fp) {
    if (x.object == a.object) {
      x.write = x.write || a.write;
      return;
    }
  }
  fp.push_back(a);
}

bool Independent(const Access* a, std::size_t na, const Access* b, std::size_t nb) {
  for (std::size_t i = 0; i < na; ++i) {
    for (std::size_t j = 0; j < nb; ++j) {
      if (Conflict(a[i], b[j])) return false;
    }
  }
  return true;
}

void Explorer::Reset(const ExplorerOptions& options) {
  if (options.threads < 1 || options.threads > kMaxThreads) Die("thread count out of range");
  opt_ = options;
  if (opt_.shards < 1) opt_.shards = 1;
  stats_ = ExplorerStats{};
  stack_.clear();
  pos_ = 0;
  subtree_prefix_.clear();
  have_prefix_ = false;
  replay_ = false;
  replay_diverged_ = false;
  replay_log_.clear();
}

void Explorer::SetReplay(const Vec<std::uint16_t>& decisions) {
  replay_ = true;
  replay_diverged_ = false;
  replay_log_ = decisions;
}

void Explorer::BeginExecution() {
  pos_ = 0;
  thread_nodes_ = 0;
  free_ = replay_;
  blocked_ = false;
  probe_ = false;
  discarded_ = false;
  reached_split_ = false;
  top_len_ = 0;
  events_.clear();
  accesses_.clear();
  log_.clear();
  replay_pos_ = 0;
  vc_.clear();
  rank_.clear();
  std::fill(std::begin(thread_events_), std::end(thread_events_), 0u);
  std::fill(std::begin(last_event_), std::end(last_event_), -1);
  if (live_ == nullptr) live_ = NewTable();
  live_->Reset(64);
}

// The clock of event j (just closed): its program-order predecessor's, joined
// with those of the events it depends on.
void Explorer::Clock(std::size_t j) {
  const Event& e = events_[j];
  vc_.resize((j + 1) * kMaxThreads, 0);
  rank_.resize(j + 1, 0);
  std::uint32_t* c = vc_.data() + j * kMaxThreads;
  auto join = [&](std::int32_t d) {
    const std::uint32_t* o = vc_.data() + static_cast<std::size_t>(d) * kMaxThreads;
    for (int t = 0; t < kMaxThreads; ++t) c[t] = std::max(c[t], o[t]);
  };
  if (last_event_[e.thread] >= 0) join(last_event_[e.thread]);
  for (std::uint32_t a = e.begin; a < e.end; ++a) {
    ObjectTable::Slot& s = live_->Find(accesses_[a].object);
    if (s.last_write >= 0) join(s.last_write);
    if (accesses_[a].write) {
      for (std::int32_t r = s.reads; r >= 0; r = live_->ReadAt(r).next) join(live_->ReadAt(r).event);
    }
  }
  rank_[j] = ++thread_events_[e.thread];
  c[e.thread] = rank_[j];
  for (std::uint32_t a = e.begin; a < e.end; ++a) {
    ObjectTable::Slot& s = live_->Find(accesses_[a].object);
    if (accesses_[a].write) {
      s.last_write = static_cast<std::int32_t>(j);
      s.reads = -1;
    } else {
      live_->AddRead(s, static_cast<std::int32_t>(j));
    }
  }
  last_event_[e.thread] = static_cast<std::int32_t>(j);
}

bool Explorer::OlderStoreNeeded(int thread, std::uint64_t object) {
  if (replay_ || free_ || events_.empty() || events_.back().node == kNoNode) return true;
  const ObjectTable::Slot* s = live_->Lookup(object);
  if (s == nullptr || s->last_write < 0) return true;  // a store of the set-up: keep Relacy's choice
  const std::size_t w = static_cast<std::size_t>(s->last_write);
  if (events_[w].thread == thread) return true;
  const std::int32_t po = last_event_[thread];
  if (po < 0) return false;
  return vc_[static_cast<std::size_t>(po) * kMaxThreads + static_cast<std::size_t>(events_[w].thread)] >= rank_[w];
}

unsigned Explorer::ChooseFirst() {
  unsigned index = 0;
  if (replay_) {
    if (replay_pos_ < replay_log_.size()) {
      index = replay_log_[replay_pos_];
    } else {
      replay_diverged_ = true;
    }
    ++replay_pos_;
  }
  log_.push_back(static_cast<std::uint16_t>(index));
  return index;
}

void Explorer::CloseEvent() {
  if (events_.empty()) return;
  Event& e = events_.back();
  if (e.end != kNoNode) return;  // already closed
  e.end = static_cast<std::uint32_t>(accesses_.size());
  if (e.node == kNoNode) return;
  Clock(events_.size() - 1);
  Footprint& fp = stack_[e.node].first_fp[e.thread];
  for (std::uint32_t i = e.begin; i < e.end; ++i) AddToFootprint(fp, accesses_[i]);
}

int Explorer::FreeChoice(ThreadSet enabled, int prefer) const {
  if (prefer >= 0 && (enabled & Bit(prefer)) != 0) return prefer;
  return Lowest(enabled);
}

bool Explorer::OwnsSubtree() {
  const bool same = have_prefix_ && subtree_prefix_ == log_;
  if (!same) {
    subtree_prefix_ = log_;
    have_prefix_ = true;
    ++stats_.subtrees;
    if ((stats_.subtrees - 1) % static_cast<std::uint64_t>(opt_.shards) == static_cast<std::uint64_t>(opt_.shard)) {
      ++stats_.owned_subtrees;
    }
  }
  return (stats_.subtrees - 1) % static_cast<std::uint64_t>(opt_.shards) == static_cast<std::uint64_t>(opt_.shard);
}

int Explorer::ChooseThread(ThreadSet enabled, int prefer) {
  if (enabled == 0) Die("ChooseThread with no enabled thread");
  CloseEvent();
  int chosen = -1;
  std::uint32_t node = kNoNode;
  if (replay_) {
    if (replay_pos_ < replay_log_.size() && (enabled & Bit(replay_log_[replay_pos_])) != 0) {
      chosen = replay_log_[replay_pos_];
    } else {
      replay_diverged_ = true;
      chosen = FreeChoice(enabled, prefer);
    }
    ++replay_pos_;
  } else {
    if (!free_ && opt_.split_depth > 0 && !reached_split_ && thread_nodes_ == static_cast<std::uint32_t>(opt_.split_depth)) {
      reached_split_ = true;
      top_len_ = pos_;
      if (!OwnsSubtree()) {
        probe_ = true;
        free_ = true;
      }
    }
    if (free_) {
      chosen = FreeChoice(enabled, prefer);
    } else if (pos_ < stack_.size()) {
      Node& n = stack_[pos_];
      if (!n.thread || n.enabled != enabled || (enabled & Bit(n.chosen)) == 0) {
        Die("the program is not deterministic: a replayed prefix reached a different scheduling point");
      }
      chosen = n.chosen;
      node = static_cast<std::uint32_t>(pos_++);
      ++thread_nodes_;
    } else {
      Node n;
      n.thread = true;
      n.depth = thread_nodes_;
      n.enabled = enabled;
      n.top = static_cast<int>(thread_nodes_) < opt_.split_depth;
      // Sleep set: the parent's sleepers whose next event is independent of
      // the event that just ran.
      if (!events_.empty() && events_.back().node != kNoNode) {
        const Event& last = events_.back();
        const Node& parent = stack_[last.node];
        for (ThreadSet s = parent.sleep; s != 0; s &= s - 1) {
          const int q = Lowest(s);
          const Footprint& fq = parent.sleep_fp[q];
          if (Independent(accesses_.data() + last.begin, last.end - last.begin, fq.data(), fq.size())) {
            n.sleep |= Bit(q);
            n.sleep_fp[q] = fq;
          }
        }
      }
      const ThreadSet candidates = enabled & ~n.sleep;
      if (candidates == 0) {
        blocked_ = true;
        free_ = true;
        chosen = FreeChoice(enabled, prefer);
      } else {
        chosen = (prefer >= 0 && (candidates & Bit(prefer)) != 0) ? prefer : Lowest(candidates);
        n.chosen = static_cast<std::int8_t>(chosen);
        n.backtrack = n.top ? candidates : Bit(chosen);
        stack_.push_back(std::move(n));
        node = static_cast<std::uint32_t>(pos_++);
        ++thread_nodes_;
        stats_.max_depth = std::max<std::uint64_t>(stats_.max_depth, stack_.size());
      }
    }
  }
  log_.push_back(static_cast<std::uint16_t>(chosen));
  Event e;
  e.thread = chosen;
  e.node = node;
  e.begin = static_cast<std::uint32_t>(accesses_.size());
  e.end = kNoNode;
  events_.push_back(e);
  return chosen;
}

unsigned Explorer::ChooseData(unsigned count) {
  if (count == 0) Die("ChooseData with no alternative");
  unsigned index = 0;
  if (replay_) {
    if (replay_pos_ < replay_log_.size() && replay_log_[replay_pos_] < count) {
      index = replay_log_[replay_pos_];
    } else {
      replay_diverged_ = true;
    }
    ++replay_pos_;
  } else if (!free_ && count > 1) {
    if (pos_ < stack_.size()) {
      const Node& n = stack_[pos_];
      if (n.thread || n.count != count) {
        Die("the program is not deterministic: a replayed prefix reached a different choice");
      }
      index = n.index;
    } else {
      Node n;
      n.thread = false;
      n.count = static_cast<std::uint16_t>(count);
      n.index = 0;
      stack_.push_back(std::move(n));
      stats_.max_depth = std::max<std::uint64_t>(stats_.max_depth, stack_.size());
    }
    ++pos_;
  }
  log_.push_back(static_cast<std::uint16_t>(index));
  return index;
}

void Explorer::AddAccess(const Access& a) {
  if (events_.empty() || free_) return;
  Event& e = events_.back();
  if (e.end != kNoNode) return;
  for (std::size_t i = e.begin; i < accesses_.size(); ++i) {
    if (accesses_[i].object == a.object) {
      accesses_[i].write = accesses_[i].write || a.write;
      return;
    }
  }
  accesses_.push_back(a);
}

std::uint64_t Explorer::DecisionHash() const {
  std::uint64_t h = 0x6a09e667f3bcc908ULL;
  for (std::uint16_t d : log_) {
    h = (h ^ d) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  return Mix64(h);
}

void Explorer::AnalyzeRaces() {
  std::size_t n = 0;
  while (n < events_.size() && events_[n].node != kNoNode) ++n;
  if (n < 2) return;
  stats_.max_events = std::max<std::uint64_t>(stats_.max_events, n);
  const std::size_t words = (n + 63) / 64;
  hb_.assign(n * words, 0);
  scratch_.assign(words, 0);
  static ObjectTable* scan = NewTable();
  ObjectTable& table = *scan;
  table.Reset(accesses_.size());
  std::int32_t last_of_thread[kMaxThreads];
  std::fill(std::begin(last_of_thread), std::end(last_of_thread), -1);

  for (std::size_t j = 0; j < n; ++j) {
    const Event& e = events_[j];
    std::uint64_t* row = hb_.data() + j * words;
    std::fill(scratch_.begin(), scratch_.end(), 0);
    dep_.clear();
    const std::int32_t po = last_of_thread[e.thread];
    // Dependent earlier events: the last writer of each object, and for a
    // write the readers since.
    for (std::uint32_t a = e.begin; a < e.end; ++a) {
      ObjectTable::Slot& s = table.Find(accesses_[a].object);
      if (s.last_write >= 0) dep_.push_back(static_cast<std::uint32_t>(s.last_write));
      if (accesses_[a].write) {
        for (std::int32_t r = s.reads; r >= 0; r = table.ReadAt(r).next) {
          dep_.push_back(static_cast<std::uint32_t>(table.ReadAt(r).event));
        }
      }
    }
    // past: everything that happens before some direct predecessor.
    if (po >= 0) {
      const std::uint64_t* p = hb_.data() + static_cast<std::size_t>(po) * words;
      for (std::size_t w = 0; w < words; ++w) scratch_[w] |= p[w];
    }
    for (std::uint32_t d : dep_) {
      const std::uint64_t* p = hb_.data() + static_cast<std::size_t>(d) * words;
      for (std::size_t w = 0; w < words; ++w) scratch_[w] |= p[w];
    }
    for (std::size_t w = 0; w < words; ++w) row[w] = scratch_[w];
    if (po >= 0) SetBit(row, static_cast<std::size_t>(po));
    for (std::uint32_t d : dep_) SetBit(row, d);

    // Races: dependent predecessors of another thread that are maximal.
    std::sort(dep_.begin(), dep_.end());
    dep_.erase(std::unique(dep_.begin(), dep_.end()), dep_.end());
    for (std::uint32_t i : dep_) {
      if (events_[i].thread == e.thread || TestBit(scratch_.data(), i)) continue;
      ++stats_.races;
      Node& nd = stack_[events_[i].node];
      if (nd.top) continue;  // every thread is explored there already
      const ThreadSet have = nd.backtrack | nd.done;
      const int tj = e.thread;
      // v = notdep(i).j: the events after i that do not happen after it,
      // then j. Its initials are the threads whose first event in v has no
      // predecessor in v.
      ThreadSet initials = 0;
      Vec<std::uint64_t>& notdep = notdep_;
      notdep.assign(words, 0);
      for (std::size_t k = i + 1; k < j; ++k) {
        if (!TestBit(hb_.data() + k * words, i)) SetBit(notdep.data(), k);
      }
      auto no_pred_in_v = [&](std::size_t k) {
        const std::uint64_t* hk = hb_.data() + k * words;
        for (std::size_t w = 0; w < words; ++w) {
          if ((hk[w] & notdep[w]) != 0) return false;
        }
        return true;
      };
      if (no_pred_in_v(j)) initials |= Bit(tj);
      for (std::size_t k = i + 1; k < j; ++k) {
        if (TestBit(notdep.data(), k) && (initials & Bit(events_[k].thread)) == 0 && no_pred_in_v(k)) {
          initials |= Bit(events_[k].thread);
        }
      }
      if ((initials & have) != 0) continue;
      // j's thread may be unable to run at the node (it waits for the event
      // i itself: a lock release, or the write an awaiting thread needs):
      // then the order cannot be reversed.
      if ((initials & Bit(tj)) != 0 && (nd.enabled & Bit(tj)) == 0) continue;
      const ThreadSet candidates = initials & nd.enabled;
      if (candidates == 0) continue;
      int q;
      if ((candidates & Bit(tj)) != 0) {
        q = tj;
      } else if ((candidates & ~nd.sleep) != 0) {
        q = Lowest(candidates & ~nd.sleep);
      } else {
        q = Lowest(candidates);
      }
      nd.backtrack |= Bit(q);
      ++stats_.backtracks;
    }

    // Record this event's accesses.
    for (std::uint32_t a = e.begin; a < e.end; ++a) {
      ObjectTable::Slot& s = table.Find(accesses_[a].object);
      if (accesses_[a].write) {
        s.last_write = static_cast<std::int32_t>(j);
        s.reads = -1;
      } else {
        table.AddRead(s, static_cast<std::int32_t>(j));
      }
    }
    last_of_thread[e.thread] = static_cast<std::int32_t>(j);
  }
}

bool Explorer::Backtrack() {
  while (!stack_.empty()) {
    Node& n = stack_.back();
    if (!n.thread) {
      if (n.index + 1 < n.count) {
        ++n.index;
        return true;
      }
      stack_.pop_back();
      continue;
    }
    const int c = n.chosen;
    n.done |= Bit(c);
    n.sleep |= Bit(c);
    n.sleep_fp[c] = n.first_fp[c];
    const ThreadSet next = n.backtrack & n.enabled & ~n.done & ~n.sleep;
    if (next != 0) {
      const int t = Lowest(next);
      n.chosen = static_cast<std::int8_t>(t);
      n.first_fp[t].clear();
      return true;
    }
    stack_.pop_back();
  }
  return false;
}

bool Explorer::EndExecution() {
  CloseEvent();
  if (replay_) return true;
  if (opt_.split_depth > 0 && !reached_split_ && !free_) {
    // The execution ended above the split: it is a subtree of its own.
    top_len_ = pos_;
    if (!OwnsSubtree()) probe_ = true;
  }
  if (probe_) {
    ++stats_.probes;
    stack_.resize(top_len_);
  } else {
    if (blocked_) {
      ++stats_.blocked;
    } else if (discarded_) {
      ++stats_.discarded;
    } else {
      ++stats_.explored;
      stats_.digest += DecisionHash();
    }
    AnalyzeRaces();
  }
  const bool more = Backtrack();
  pos_ = 0;
  return !more;
}

double Explorer::Position() const {
  double pos = 0;
  double width = 1;
  for (const Node& n : stack_) {
    unsigned alternatives;
    unsigned index;
    if (n.thread) {
      alternatives = static_cast<unsigned>(__builtin_popcount(n.backtrack | n.done | n.sleep));
      index = static_cast<unsigned>(__builtin_popcount(n.done & ~Bit(n.chosen)));
    } else {
      alternatives = n.count;
      index = n.index;
    }
    if (alternatives == 0) continue;
    width /= alternatives;
    pos += width * index;
    if (width < 1e-12) break;
  }
  return pos;
}

}  // namespace mmu::models::dpor
