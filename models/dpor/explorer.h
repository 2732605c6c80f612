// models/dpor/explorer.h: source-set DPOR with sleep sets, engine-free.
//
// The exploration half of the reduced search (README.md has the design and
// the soundness argument). An engine runs the program once per execution and
// reports, in order:
//
//   BeginExecution()
//   ChooseThread(enabled, prefer)   at every scheduling point; the chosen
//                                   thread's next event starts here
//   AddAccess(access)               what the current event touched
//   ChooseData(count)               any other choice of the engine (which
//                                   store a load reads, which waiter wakes)
//   EndExecution()                  true when the search is complete
//
// An event is everything one thread does between two scheduling points. Two
// events are dependent when they touch the same object and one of them
// writes it (Conflict below); the explorer never looks at values. It keeps
// the decisions of the current execution as a stack of nodes (one per thread
// choice or data choice), and after each execution:
//
//  - computes happens-before over the events (program order plus dependence)
//    and, for every race (two dependent events of different threads with no
//    event between them in happens-before), adds a thread to the backtrack set
//    of the node where the first of the two ran, unless a thread that can
//    start the reversed order is already there (Abdulla et al. 2014,
//    Algorithm 1, "source sets");
//  - moves to the next execution: the deepest data node with an unexplored
//    value, or the deepest thread node with a backtrack thread that is
//    neither done nor asleep.
//
// Sleep sets: once a thread's subtree at a node is done, the thread sleeps in
// the later subtrees of that node until an event dependent with its first
// event runs. An execution in which every enabled thread sleeps is
// "sleep-blocked": it adds nothing, and the engine finishes it unrecorded.
//
// Splitting (sharding): the first `split_depth` thread choices branch on
// every enabled thread that does not sleep (no reduction there), so the
// subtrees below them are independent searches; subtree k (in walk order)
// belongs to shard k mod shards. A shard runs one execution of each subtree
// it does not own (a probe) to learn its footprint, and skips the rest.
//
// Nothing here allocates with the global operator new: inside a Relacy
// simulation that is Relacy's allocator (mmu_core/README.md), so every
// container uses malloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

namespace mmu::models::dpor {

// std::allocator over malloc/free.
template <class T>
struct MallocAllocator {
  using value_type = T;
  MallocAllocator() = default;
  template <class U>
  MallocAllocator(const MallocAllocator<U>&) {}  // NOLINT: allocator conversion
  T* allocate(std::size_t n) {
    void* p = std::malloc(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  bool operator==(const MallocAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const MallocAllocator<U>&) const {
    return false;
  }
};
template <class T>
using Vec = std::vector<T, MallocAllocator<T>>;

inline constexpr int kMaxThreads = 16;
using ThreadSet = std::uint32_t;
inline ThreadSet Bit(int t) { return ThreadSet{1} << t; }
inline int Lowest(ThreadSet s) { return __builtin_ctz(s); }

// One object touched by an event. `object` is an identity that is the same
// in every execution (the engine canonicalises addresses).
struct Access {
  std::uint64_t object = 0;
  bool write = false;
  bool operator==(const Access& o) const { return object == o.object && write == o.write; }
};
inline bool Conflict(const Access& a, const Access& b) { return a.object == b.object && (a.write || b.write); }

using Footprint = Vec<Access>;
// Adds a to fp unless it is there (a write replaces a read of the same object).
void AddToFootprint(Footprint& fp, const Access& a);
bool Independent(const Access* a, std::size_t na, const Access* b, std::size_t nb);

struct ExplorerOptions {
  int threads = 2;
  int split_depth = 0;  // thread choices that branch fully (0: none)
  int shard = 0;
  int shards = 1;
};

struct ExplorerStats {
  std::uint64_t explored = 0;  // complete executions of this shard's subtrees
  std::uint64_t blocked = 0;   // sleep-blocked executions (finished unrecorded)
  std::uint64_t discarded = 0;  // executions with a failed load-only loop iteration (searched, not counted)
  std::uint64_t probes = 0;    // first executions of other shards' subtrees
  std::uint64_t subtrees = 0;  // subtrees met (all shards')
  std::uint64_t owned_subtrees = 0;
  std::uint64_t races = 0;        // races seen in explored executions
  std::uint64_t backtracks = 0;   // backtrack points added by races
  std::uint64_t digest = 0;       // sum of a hash of each explored execution's decisions
  std::uint64_t max_events = 0;   // longest explored execution, in events
  std::uint64_t max_depth = 0;    // deepest decision stack
};

class Explorer {
 public:
  static constexpr std::uint32_t kNoNode = ~std::uint32_t{0};

  void Reset(const ExplorerOptions& options);

  void BeginExecution();
  // A scheduling point: returns the thread that runs next (one of enabled,
  // which is not empty). `prefer` is the engine's default (-1: none).
  int ChooseThread(ThreadSet enabled, int prefer);
  // Any other choice among `count` alternatives: returns 0..count-1.
  unsigned ChooseData(unsigned count);
  // The same choice when only alternative 0 needs exploring: logged (for
  // replay), never branched on.
  unsigned ChooseFirst();
  // A load of `object` by `thread`, the first access of its event, may read
  // the store before the latest one (Relacy offers that choice): must that
  // alternative be explored? Not when the latest store does not happen
  // before the load: then the load can run before that store and read the
  // same store as the latest one, an execution the search reaches anyway
  // (README.md "Relaxed loads").
  bool OlderStoreNeeded(int thread, std::uint64_t object);
  // The event started by the last ChooseThread touched `a`.
  void AddAccess(const Access& a);
  // Ends the execution. Returns true when the search is complete.
  bool EndExecution();

  // The current execution is redundant (an equivalent one counts elsewhere):
  // it is searched on, for its races, but not counted.
  void Discard() { discarded_ = true; }
  // Its remaining decisions are not searched.
  void StopSearching() { free_ = true; }
  // Does the current execution count (explored, not a probe, sleep-blocked
  // or discarded)? Known from the first such decision on.
  bool Counting() const { return !blocked_ && !probe_ && !discarded_; }
  // The current execution's decisions (thread ids and data choices, in order).
  const Vec<std::uint16_t>& Decisions() const { return log_; }
  // Replay exactly these decisions (Relacy's re-run of a failing execution),
  // with no search.
  void SetReplay(const Vec<std::uint16_t>& decisions);
  bool Replaying() const { return replay_; }
  bool ReplayDiverged() const { return replay_diverged_; }

  const ExplorerStats& Stats() const { return stats_; }
  // How far the walk is through the tree, 0..1 (for a progress line).
  double Position() const;

 public:
  class ObjectTable;  // explorer.cc

 private:
  struct Node {
    bool thread = true;
    bool top = false;             // a fully branching split node
    std::uint16_t count = 0;      // data node: alternatives
    std::uint16_t index = 0;      // data node: the current one
    std::int8_t chosen = -1;      // thread node: the thread running
    ThreadSet enabled = 0;
    ThreadSet backtrack = 0;      // threads to explore here
    ThreadSet done = 0;           // threads whose subtree is done
    ThreadSet sleep = 0;          // threads asleep here
    std::uint32_t depth = 0;      // thread nodes above this one
    Footprint sleep_fp[kMaxThreads];  // the next event of each sleeping thread
    Footprint first_fp[kMaxThreads];  // union of the events started here, per thread
  };
  struct Event {
    int thread = 0;
    std::uint32_t node = kNoNode;  // its thread node, kNoNode outside the search
    std::uint32_t begin = 0;       // its accesses: accesses_[begin, end)
    std::uint32_t end = 0;
  };

  void CloseEvent();
  int FreeChoice(ThreadSet enabled, int prefer) const;
  bool OwnsSubtree();
  void AnalyzeRaces();
  bool Backtrack();
  std::uint64_t DecisionHash() const;

  ExplorerOptions opt_;
  ExplorerStats stats_;
  Vec<Node> stack_;
  std::size_t pos_ = 0;          // next decision of the stack to replay or push
  std::uint32_t thread_nodes_ = 0;  // thread decisions so far in this execution
  bool free_ = false;    // decisions are no longer search nodes
  bool blocked_ = false;
  bool probe_ = false;
  bool discarded_ = false;
  bool reached_split_ = false;
  Vec<Event> events_;
  Vec<Access> accesses_;
  Vec<std::uint16_t> log_;

  // Splitting: the decisions of the last subtree met.
  Vec<std::uint16_t> subtree_prefix_;
  bool have_prefix_ = false;
  std::size_t top_len_ = 0;  // decisions above the split, in this execution

  // Replay.
  bool replay_ = false;
  bool replay_diverged_ = false;
  Vec<std::uint16_t> replay_log_;
  std::size_t replay_pos_ = 0;

  // Happens-before of the closed events so far (vector clocks over threads:
  // entry t of an event's clock counts the events of t before or equal to
  // it), and each object's last writer and readers since.
  void Clock(std::size_t j);
  Vec<std::uint32_t> vc_;           // events_.size() * kMaxThreads
  Vec<std::uint32_t> rank_;         // each event's rank in its thread (1-based)
  std::uint32_t thread_events_[kMaxThreads] = {};
  std::int32_t last_event_[kMaxThreads] = {};
  ObjectTable* live_ = nullptr;

  // Scratch for race analysis.
  Vec<std::uint64_t> hb_;
  Vec<std::uint64_t> scratch_;
  Vec<std::uint64_t> notdep_;
  Vec<std::uint32_t> dep_;
};

}  // namespace mmu::models::dpor
