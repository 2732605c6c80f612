// mmu_core/sync.h: the one file that knows which engine the core runs on.
//
// The lock-free core is written once against this facade. Exactly one of
// MMU_BACKEND_RELACY or MMU_BACKEND_NATIVE is defined (by the Bazel target
// the code is built in: //mmu_core:core_relacy or //mmu_core:core_native):
//
//   facade             Relacy engine                 native engine
//   -----------------  ----------------------------  ------------------------------
//   Atomic<T>          rl::atomic<T>                 boost::atomic<T>
//   AtomicWord<T>      rl::atomic<T>                 plain T + boost::atomic_ref<T>
//                                                    (a u64 spte, like cmpxchg64)
//   Var<T>             rl::var<T> (race-checked,     plain T (TSan sees it)
//                      not a scheduling point)
//   Mutex              rl::mutex                     test-and-test-and-set spinlock
//   fence(mo)          rl::atomic_thread_fence       boost::atomic_thread_fence
//   pause()            rl::yield (scheduling point)  cpu_relax (x86 PAUSE)
//   this_cpu()         rl::thread_index()            thread-local id set by the driver
//   make/destroy       malloc + a deferred-free ring new/delete
//                      (use after free is detected
//                      on access to rl:: objects)
//   Ghost<T>           plain T (invisible to the     seq_cst boost::atomic<T>
//                      memory model)                 (checker state only)
//   fail(what)         the test fails with what      the installed ViolationSink
//   SearchHook         told every access, for a      (none)
//                      search that schedules threads
//                      itself (models/dpor/)
//
// Every call names its memory order; there are no defaults. Each call also
// takes the caller's std::source_location, so Relacy's history names the core's
// file:line rather than this header.
//
// Rules for the core (see ../shared/design/style.md):
//  - core headers include this file and the standard library only;
//  - no other core file tests which engine is compiled;
//  - every spin or retry loop calls pause().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <source_location>
#include <version>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(MMU_BACKEND_RELACY) == defined(MMU_BACKEND_NATIVE)
#error "define exactly one of MMU_BACKEND_RELACY and MMU_BACKEND_NATIVE"
#endif

#if defined(MMU_BACKEND_RELACY)
#include "third_party/relacy_include.h"  // relacy.hpp, its macros undone
#else
#include <boost/atomic.hpp>
#include <thread>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#endif

namespace mmu::sync {

#if defined(__cpp_lib_source_location)
using Loc = std::source_location;
#else
// clang 14 with libstdc++ 12 lacks __builtin_source_location, so
// std::source_location is empty there; the same caller location comes from
// the builtins that std::source_location is made of.
class Loc {
 public:
  static constexpr Loc current(const char* file = __builtin_FILE(), const char* function = __builtin_FUNCTION(),
                               unsigned line = __builtin_LINE()) {
    Loc l;
    l.file_ = file;
    l.function_ = function;
    l.line_ = line;
    return l;
  }
  constexpr const char* file_name() const { return file_; }
  constexpr const char* function_name() const { return function_; }
  constexpr unsigned line() const { return line_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  unsigned line_ = 0;
};
#endif
using std::memory_order;

#if defined(MMU_BACKEND_RELACY)
inline constexpr bool kRelacy = true;
inline constexpr const char* kEngineName = "relacy";
#else
inline constexpr bool kRelacy = false;
inline constexpr const char* kEngineName = "native";
#endif

// Where invariant violations go on the native engine. Relacy fails the test.
struct ViolationSink {
  virtual ~ViolationSink() = default;
  virtual void violation(int cpu, const char* what, const Loc& where) = 0;
};

// The ordering sweep (models/detection/): an ordered call site, named by its
// source location, may be weakened at run time. A kernel xchg/cmpxchg is one
// site: it asks first (kXchg, kCmpxchg), then its barriers and its RMW ask
// with the same location, and the sweep's hook answers kNone to those parts.
// Relacy backend only: the native backend never weakens (x86 would hide most).
enum class SiteOp : std::uint8_t { kLoad, kStore, kRmw, kCas, kFence, kXchg, kCmpxchg };
enum class Weakening : std::uint8_t {
  kNone,
  kAcqRel,      // the order becomes acq_rel, acquire, release or relaxed
  kAcquire,
  kRelease,
  kRelaxed,     // for a kernel xchg/cmpxchg: no barriers and a relaxed RMW
  kDrop,        // a fence removed
  kNoMbBefore,  // a kernel xchg/cmpxchg without its leading barrier
  kNoMbAfter,   // ... without its trailing barrier
  kNoMb,        // ... without either (a bare seq_cst RMW)
  kSplit,       // an RMW split into a load and a store (no barriers)
};

#if defined(MMU_BACKEND_RELACY)

// What a search that schedules the threads itself (models/dpor/) must know:
// every shared access, before Relacy performs it (a scheduling point, if it
// is one, comes after Access), the value each load or read-modify-write
// returned, and the core's heap. Null unless such a search runs; the core
// never sees it.
enum class AccessKind : std::uint8_t {
  kLoad,
  kStore,
  kRmw,  // exchange, fetch_*, compare-exchange (Read says whether it wrote)
  kScFence,
  kLock,
  kUnlock,
  kVarLoad,
  kVarStore,
  kGhostLoad,
  kGhostStore,
  kPause,
};
class SearchHook {
 public:
  virtual void Access(const void* object, AccessKind kind, const Loc& where) = 0;
  // After a load or read-modify-write: the bits read, whether they are the
  // object's latest value, whether it wrote.
  virtual void Read(const void* object, std::uint64_t bits, bool latest, bool wrote) = 0;
  virtual void Alloc(std::uintptr_t address, std::size_t size) = 0;
  virtual void Free(const void* p) = 0;

 protected:
  ~SearchHook() = default;
};
inline SearchHook* g_search_hook = nullptr;
inline void SetSearchHook(SearchHook* h) { g_search_hook = h; }

// The sweep's hook (models/detection/): told every ordered call site before it
// runs, and answers how to weaken this call (Weakening::kNone to leave it).
// Null unless a sweep runs; the core never sees it.
class SiteHook {
 public:
  virtual Weakening Site(SiteOp op, memory_order o, const Loc& where) = 0;

 protected:
  ~SiteHook() = default;
};
inline SiteHook* g_site_hook = nullptr;
inline void SetSiteHook(SiteHook* h) { g_site_hook = h; }

namespace detail {
template <class T>
std::uint64_t Bits(const T& v) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t));
  std::uint64_t b = 0;
  __builtin_memcpy(&b, &v, sizeof(T));
  return b;
}
inline void Report(const void* object, AccessKind kind, const Loc& l) {
  if (g_search_hook != nullptr) g_search_hook->Access(object, kind, l);
}
inline void ReportRead(const void* object, std::uint64_t bits, bool latest, bool wrote) {
  if (g_search_hook != nullptr) g_search_hook->Read(object, bits, latest, wrote);
}
}  // namespace detail

namespace detail {
inline rl::debug_info Info(const Loc& l) {
  return rl::debug_info(l.function_name(), l.file_name(), static_cast<int>(l.line()));
}
inline rl::memory_order Mo(memory_order o) {
  switch (o) {
    case memory_order::relaxed: return rl::mo_relaxed;
    case memory_order::consume: return rl::mo_consume;
    case memory_order::acquire: return rl::mo_acquire;
    case memory_order::release: return rl::mo_release;
    case memory_order::acq_rel: return rl::mo_acq_rel;
    case memory_order::seq_cst: return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}
// No context switch while it lives: Relacy skips the scheduling points of the
// accesses and fences made meanwhile (they still count for ordering and race
// checks).
struct NoPreemption {
  NoPreemption() { rl::ctx().disable_preemption(); }
  ~NoPreemption() { rl::ctx().enable_preemption(); }
  NoPreemption(const NoPreemption&) = delete;
  NoPreemption& operator=(const NoPreemption&) = delete;
};
// Failure order of a compare-exchange: the success order minus its release part.
inline memory_order FailureOrder(memory_order o) {
  if (o == memory_order::acq_rel) return memory_order::acquire;
  if (o == memory_order::release) return memory_order::relaxed;
  return o;
}
inline Weakening SiteOf(SiteOp op, memory_order o, const Loc& l) {
  return g_site_hook == nullptr ? Weakening::kNone : g_site_hook->Site(op, o, l);
}
inline memory_order Weaker(memory_order o, Weakening w) {
  switch (w) {
    case Weakening::kAcqRel: return memory_order::acq_rel;
    case Weakening::kAcquire: return memory_order::acquire;
    case Weakening::kRelease: return memory_order::release;
    case Weakening::kRelaxed: return memory_order::relaxed;
    default: return o;
  }
}
// The halves of an RMW split into a load and a store keep its acquire and release parts.
inline memory_order LoadPart(memory_order o) {
  if (o == memory_order::seq_cst) return o;
  return o == memory_order::acquire || o == memory_order::acq_rel ? memory_order::acquire : memory_order::relaxed;
}
inline memory_order StorePart(memory_order o) {
  if (o == memory_order::seq_cst) return o;
  return o == memory_order::release || o == memory_order::acq_rel ? memory_order::release : memory_order::relaxed;
}
}  // namespace detail

template <class T>
class Atomic {
 public:
  Atomic() = default;
  explicit Atomic(T v, Loc l = Loc::current()) { store(v, memory_order::relaxed, l); }
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(memory_order o, Loc l = Loc::current()) const {
    return Load(detail::Weaker(o, detail::SiteOf(SiteOp::kLoad, o, l)), l);
  }
  void store(T v, memory_order o, Loc l = Loc::current()) {
    Store(v, detail::Weaker(o, detail::SiteOf(SiteOp::kStore, o, l)), l);
  }
  T exchange(T v, memory_order o, Loc l = Loc::current()) {
    return Rmw([&](T) { return v; }, [&](memory_order m) { return a_.exchange(v, detail::Mo(m), detail::Info(l)); }, o, l);
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order o, Loc l = Loc::current()) {
    const Weakening w = detail::SiteOf(SiteOp::kCas, o, l);
    if (w == Weakening::kSplit) {
      const T cur = Load(detail::LoadPart(o), l);
      if (!(cur == expected)) {
        expected = cur;
        return false;
      }
      Store(desired, detail::StorePart(o), l);
      return true;
    }
    o = detail::Weaker(o, w);
    detail::Report(this, AccessKind::kRmw, l);
    const bool ok = a_.compare_exchange_strong(expected, desired, detail::Mo(o), detail::Info(l),
                                               detail::Mo(detail::FailureOrder(o)), detail::Info(l));
    detail::ReportRead(this, detail::Bits(expected), true, ok);
    return ok;
  }
  T fetch_add(T v, memory_order o, Loc l = Loc::current()) {
    return Rmw([&](T x) { return static_cast<T>(x + v); }, [&](memory_order m) { return a_.fetch_add(v, detail::Mo(m), detail::Info(l)); }, o, l);
  }
  T fetch_sub(T v, memory_order o, Loc l = Loc::current()) {
    return Rmw([&](T x) { return static_cast<T>(x - v); }, [&](memory_order m) { return a_.fetch_sub(v, detail::Mo(m), detail::Info(l)); }, o, l);
  }
  T fetch_or(T v, memory_order o, Loc l = Loc::current()) {
    return Rmw([&](T x) { return static_cast<T>(x | v); }, [&](memory_order m) { return a_.fetch_or(v, detail::Mo(m), detail::Info(l)); }, o, l);
  }
  T fetch_and(T v, memory_order o, Loc l = Loc::current()) {
    return Rmw([&](T x) { return static_cast<T>(x & v); }, [&](memory_order m) { return a_.fetch_and(v, detail::Mo(m), detail::Info(l)); }, o, l);
  }

 private:
  T Load(memory_order o, const Loc& l) const {
    detail::Report(this, AccessKind::kLoad, l);
    const T v = a_.load(detail::Mo(o), detail::Info(l));
    if (g_search_hook != nullptr) detail::ReportRead(this, detail::Bits(v), v == a_.debug_value(), false);
    return v;
  }
  void Store(T v, memory_order o, const Loc& l) {
    detail::Report(this, AccessKind::kStore, l);
    a_.store(v, detail::Mo(o), detail::Info(l));
  }
  // An RMW: `next` computes the new value from the old (for a split), `op`
  // performs it with an order.
  template <class Next, class Op>
  T Rmw(Next&& next, Op&& op, memory_order o, const Loc& l) {
    const Weakening w = detail::SiteOf(SiteOp::kRmw, o, l);
    if (w == Weakening::kSplit) {
      const T old = Load(detail::LoadPart(o), l);
      Store(next(old), detail::StorePart(o), l);
      return old;
    }
    detail::Report(this, AccessKind::kRmw, l);
    const T old = op(detail::Weaker(o, w));
    detail::ReportRead(this, detail::Bits(old), true, true);
    return old;
  }
  rl::atomic<T> a_;
};

// Under Relacy a word accessed through atomic_ref is simply an rl::atomic.
template <class T>
using AtomicWord = Atomic<T>;

// A Var holds data that is protected by a lock or owned by one thread. Its
// accesses are race-checked (Relacy's check compares happens-before clocks,
// whatever the schedule) but are not scheduling points: a context switch
// there only reorders accesses that the lock already orders, and removing
// those switches shrinks the searches by orders of magnitude.
template <class T>
class Var {
 public:
  Var() = default;
  explicit Var(T v, Loc l = Loc::current()) { store(v, l); }
  Var(const Var&) = delete;
  Var& operator=(const Var&) = delete;
  T load(Loc l = Loc::current()) const {
    detail::Report(this, AccessKind::kVarLoad, l);
    detail::NoPreemption np;
    const T v = v_(detail::Info(l)).load();
    detail::ReportRead(this, detail::Bits(v), true, false);
    return v;
  }
  void store(T v, Loc l = Loc::current()) {
    detail::Report(this, AccessKind::kVarStore, l);
    detail::NoPreemption np;
    v_(detail::Info(l)).store(v);
  }

 private:
  rl::var<T> v_;
};

class Mutex {
 public:
  void lock(Loc l = Loc::current()) {
    detail::Report(this, AccessKind::kLock, l);
    m_.lock(detail::Info(l));
  }
  void unlock(Loc l = Loc::current()) {
    detail::Report(this, AccessKind::kUnlock, l);
    m_.unlock(detail::Info(l));
  }
  bool try_lock(Loc l = Loc::current()) {
    detail::Report(this, AccessKind::kLock, l);
    return m_.try_lock(detail::Info(l));
  }

 private:
  rl::mutex m_;
};

// Ghost state: what a checker knows, not part of the protocol. Under Relacy
// it is an uninstrumented variable, so it adds no ordering and no race
// reports, and reads see the latest write in the simulation's global time.
template <class T>
class Ghost {
 public:
  Ghost() = default;
  explicit Ghost(T v) : v_(v) {}
  Ghost(const Ghost&) = delete;
  Ghost& operator=(const Ghost&) = delete;
  T load() const {
    detail::Report(this, AccessKind::kGhostLoad, Loc::current());
    detail::ReportRead(this, detail::Bits(v_), true, false);
    return v_;
  }
  void store(T v) {
    detail::Report(this, AccessKind::kGhostStore, Loc::current());
    v_ = v;
  }

 private:
  T v_{};
};

// Relacy detects any access to freed memory itself.
inline constexpr bool kFreeForReal = true;

inline void fence(memory_order o, Loc l = Loc::current()) {
  const Weakening w = detail::SiteOf(SiteOp::kFence, o, l);
  if (w == Weakening::kDrop) return;
  o = detail::Weaker(o, w);
  if (o == memory_order::seq_cst) detail::Report(nullptr, AccessKind::kScFence, l);
  rl::atomic_thread_fence(detail::Mo(o), detail::Info(l));
}
// Runs rmw() and a full barrier as one indivisible event: no CPU runs between
// them (see xchg below). `mb` false: the sweep dropped the barrier.
template <class Rmw>
auto rmw_then_mb(Rmw&& rmw, Loc l, bool mb = true) {
  detail::NoPreemption np;
  auto v = rmw();
  if (mb) rl::atomic_thread_fence(rl::mo_seq_cst, detail::Info(l));
  return v;
}
inline void pause(Loc l = Loc::current()) {
  detail::Report(nullptr, AccessKind::kPause, l);
  rl::yield(1, detail::Info(l));
}
inline int this_cpu() { return static_cast<int>(rl::thread_index()); }

// Invariant failure: Relacy stops this execution and reports it.
inline void fail(const char* what, Loc l = Loc::current()) {
  rl::ctx().fail_test(what, rl::test_result_user_assert_failed, detail::Info(l));
}
inline void set_violation_sink(ViolationSink*) {}

// The core's heap under Relacy. Relacy's own allocator branches the search
// on every free (it may defer the free), which multiplies the interleavings
// by 2 per object torn down; a 2-thread zap model grew to 393,216 iterations
// with nothing to find in them. So objects live in malloc'd memory, and
// destroy() runs the destructor (which zeroes the signature of every
// rl::atomic and rl::var inside, so any later access is reported as
// ACCESS TO FREED MEMORY) and parks the memory in a ring of the last 65,536
// frees before returning it to libc: no scenario frees that many objects in
// one execution, so memory is never reused within the execution that freed
// it. Relacy's leak check does not see this memory.
namespace detail {
class DeferredFree {
 public:
  void Push(void* p) {
    void*& slot = ring_[n_++ % kCap];
    if (slot != nullptr) std::free(slot);
    slot = p;
  }

 private:
  static constexpr std::size_t kCap = std::size_t{1} << 16;
  void* ring_[kCap] = {};
  std::size_t n_ = 0;
};
inline DeferredFree g_deferred_free;
// Arrays keep their length in front of the elements.
inline constexpr std::size_t kArrayHeader = 16;
}  // namespace detail

template <class T, class... Args>
T* make(Args&&... args) {
  static_assert(alignof(T) <= detail::kArrayHeader);
  void* m = std::malloc(sizeof(T));
  if (g_search_hook != nullptr) g_search_hook->Alloc(reinterpret_cast<std::uintptr_t>(m), sizeof(T));
  return ::new (m) T(std::forward<Args>(args)...);
}
template <class T>
void destroy(T* p) {
  if (p == nullptr) return;
  if (g_search_hook != nullptr) g_search_hook->Free(p);
  p->~T();
  detail::g_deferred_free.Push(p);
}
template <class T>
T* make_array(std::size_t n) {
  static_assert(alignof(T) <= detail::kArrayHeader);
  char* m = static_cast<char*>(std::malloc(detail::kArrayHeader + n * sizeof(T)));
  if (g_search_hook != nullptr) g_search_hook->Alloc(reinterpret_cast<std::uintptr_t>(m), detail::kArrayHeader + n * sizeof(T));
  *reinterpret_cast<std::size_t*>(m) = n;
  T* a = reinterpret_cast<T*>(m + detail::kArrayHeader);
  for (std::size_t i = 0; i < n; ++i) ::new (static_cast<void*>(a + i)) T();
  return a;
}
template <class T>
void destroy_array(T* a) {
  if (a == nullptr) return;
  char* m = reinterpret_cast<char*>(a) - detail::kArrayHeader;
  if (g_search_hook != nullptr) g_search_hook->Free(m);
  const std::size_t n = *reinterpret_cast<std::size_t*>(m);
  for (std::size_t i = n; i > 0; --i) a[i - 1].~T();
  detail::g_deferred_free.Push(m);
}

#else  // native

namespace detail {
inline boost::memory_order Mo(memory_order o) {
  switch (o) {
    case memory_order::relaxed: return boost::memory_order_relaxed;
    case memory_order::consume: return boost::memory_order_consume;
    case memory_order::acquire: return boost::memory_order_acquire;
    case memory_order::release: return boost::memory_order_release;
    case memory_order::acq_rel: return boost::memory_order_acq_rel;
    case memory_order::seq_cst: return boost::memory_order_seq_cst;
  }
  return boost::memory_order_seq_cst;
}
inline boost::memory_order FailureMo(memory_order o) {
  if (o == memory_order::acq_rel) return boost::memory_order_acquire;
  if (o == memory_order::release) return boost::memory_order_relaxed;
  return Mo(o);
}
inline thread_local int tls_cpu = 0;
inline ViolationSink* g_sink = nullptr;
}  // namespace detail

template <class T>
class Atomic {
 public:
  Atomic() : a_(T()) {}
  explicit Atomic(T v, Loc = Loc::current()) : a_(v) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(memory_order o, Loc = Loc::current()) const { return a_.load(detail::Mo(o)); }
  void store(T v, memory_order o, Loc = Loc::current()) { a_.store(v, detail::Mo(o)); }
  T exchange(T v, memory_order o, Loc = Loc::current()) { return a_.exchange(v, detail::Mo(o)); }
  bool compare_exchange_strong(T& expected, T desired, memory_order o, Loc = Loc::current()) {
    return a_.compare_exchange_strong(expected, desired, detail::Mo(o), detail::FailureMo(o));
  }
  T fetch_add(T v, memory_order o, Loc = Loc::current()) { return a_.fetch_add(v, detail::Mo(o)); }
  T fetch_sub(T v, memory_order o, Loc = Loc::current()) { return a_.fetch_sub(v, detail::Mo(o)); }
  T fetch_or(T v, memory_order o, Loc = Loc::current()) { return a_.fetch_or(v, detail::Mo(o)); }
  T fetch_and(T v, memory_order o, Loc = Loc::current()) { return a_.fetch_and(v, detail::Mo(o)); }

 private:
  boost::atomic<T> a_;
};

// A plain machine word that is accessed atomically, the way the kernel treats
// a u64 spte (READ_ONCE, xchg, cmpxchg64 on the same memory).
template <class T>
class AtomicWord {
 public:
  AtomicWord() = default;
  explicit AtomicWord(T v, Loc = Loc::current()) : w_(v) {}
  AtomicWord(const AtomicWord&) = delete;
  AtomicWord& operator=(const AtomicWord&) = delete;

  T load(memory_order o, Loc = Loc::current()) const { return Ref().load(detail::Mo(o)); }
  void store(T v, memory_order o, Loc = Loc::current()) { Ref().store(v, detail::Mo(o)); }
  T exchange(T v, memory_order o, Loc = Loc::current()) { return Ref().exchange(v, detail::Mo(o)); }
  bool compare_exchange_strong(T& expected, T desired, memory_order o, Loc = Loc::current()) {
    return Ref().compare_exchange_strong(expected, desired, detail::Mo(o), detail::FailureMo(o));
  }
  T fetch_add(T v, memory_order o, Loc = Loc::current()) { return Ref().fetch_add(v, detail::Mo(o)); }
  T fetch_sub(T v, memory_order o, Loc = Loc::current()) { return Ref().fetch_sub(v, detail::Mo(o)); }
  T fetch_or(T v, memory_order o, Loc = Loc::current()) { return Ref().fetch_or(v, detail::Mo(o)); }
  T fetch_and(T v, memory_order o, Loc = Loc::current()) { return Ref().fetch_and(v, detail::Mo(o)); }

 private:
  boost::atomic_ref<T> Ref() const { return boost::atomic_ref<T>(w_); }
  alignas(boost::atomic_ref<T>::required_alignment) mutable T w_{};
};

template <class T>
class Var {
 public:
  Var() = default;
  explicit Var(T v, Loc = Loc::current()) : v_(v) {}
  Var(const Var&) = delete;
  Var& operator=(const Var&) = delete;
  T load(Loc = Loc::current()) const { return v_; }
  void store(T v, Loc = Loc::current()) { v_ = v; }

 private:
  T v_{};
};

inline void pause(Loc = Loc::current()) {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Told when a native Mutex is taken and released, by the thread that holds
// it (bench/ times mmu_lock holds with it). Installed before threads start.
struct LockObserver {
  virtual ~LockObserver() = default;
  virtual void acquired() = 0;
  virtual void released() = 0;
};

// mmu_lock: a test-and-test-and-set spinlock, as the kernel's was before 5.12
// (the shadow MMU takes today's rwlock for write, so exclusion is the same).
class Mutex {
 public:
  void lock(Loc = Loc::current()) {
    for (;;) {
      if (!locked_.exchange(true, boost::memory_order_acquire)) break;
      while (locked_.load(boost::memory_order_relaxed)) pause();
    }
    if (observer_ != nullptr) observer_->acquired();
  }
  void unlock(Loc = Loc::current()) {
    if (observer_ != nullptr) observer_->released();
    locked_.store(false, boost::memory_order_release);
  }
  bool try_lock(Loc = Loc::current()) {
    const bool got = !locked_.load(boost::memory_order_relaxed) && !locked_.exchange(true, boost::memory_order_acquire);
    if (got && observer_ != nullptr) observer_->acquired();
    return got;
  }
  void set_observer(LockObserver* o) { observer_ = o; }

 private:
  boost::atomic<bool> locked_{false};
  LockObserver* observer_ = nullptr;
};

// Ghost state: what a checker knows, not part of the protocol. Natively a
// seq_cst atomic (race-free under TSan; x86 orders the plain accesses anyway).
template <class T>
class Ghost {
 public:
  Ghost() : v_(T()) {}
  explicit Ghost(T v) : v_(v) {}
  Ghost(const Ghost&) = delete;
  Ghost& operator=(const Ghost&) = delete;
  T load() const { return v_.load(boost::memory_order_seq_cst); }
  void store(T v) { v_.store(v, boost::memory_order_seq_cst); }

 private:
  boost::atomic<T> v_;
};

// Freed shadow pages: natively they are poisoned and kept until the VM is
// destroyed, so a use after free is seen as a poison value rather than a
// crash. Under ThreadSanitizer (MMU_TSAN) they are really freed, so TSan
// reports the use after free as a race with the free.
#if defined(MMU_TSAN)
inline constexpr bool kFreeForReal = true;
#else
inline constexpr bool kFreeForReal = false;
#endif

inline void fence(memory_order o, Loc = Loc::current()) { boost::atomic_thread_fence(detail::Mo(o)); }
template <class Rmw>
auto rmw_then_mb(Rmw&& rmw, Loc l, bool mb = true) {
  auto v = rmw();
  if (mb) fence(memory_order::seq_cst, l);
  return v;
}
// The ordering sweep is Relacy's: natively no site is ever weakened.
namespace detail {
inline constexpr Weakening SiteOf(SiteOp, memory_order, const Loc&) { return Weakening::kNone; }
}  // namespace detail
inline int this_cpu() { return detail::tls_cpu; }
// The native driver names each thread before it runs core code.
inline void set_this_cpu(int cpu) { detail::tls_cpu = cpu; }
// Installed before threads start and removed after they join.
inline void set_violation_sink(ViolationSink* s) { detail::g_sink = s; }

inline void fail(const char* what, Loc l = Loc::current()) {
  if (detail::g_sink != nullptr) {
    detail::g_sink->violation(this_cpu(), what, l);
    return;
  }
  std::fprintf(stderr, "%s:%u: invariant violated on cpu %d: %s\n", l.file_name(), l.line(), this_cpu(), what);
  std::abort();
}

template <class T, class... Args>
T* make(Args&&... args) {
  return new T(std::forward<Args>(args)...);
}
template <class T>
void destroy(T* p) {
  delete p;
}
template <class T>
T* make_array(std::size_t n) {
  return new T[n];
}
template <class T>
void destroy_array(T* p) {
  delete[] p;
}

#endif

// check(cond, what): an invariant of the core itself (the kernel's WARN_ON).
inline void check(bool cond, const char* what, Loc l = Loc::current()) {
  if (!cond) fail(what, l);
}

// The kernel's value-returning atomics (xchg, cmpxchg, atomic_*_return) are
// fully ordered: LKMM gives them an smp_mb() before and after. A C++ seq_cst
// read-modify-write alone does not order the relaxed accesses around it (a
// later relaxed store may be seen before it through another CPU's fences),
// so the kernel forms are spelled out: fence, RMW, fence. Relacy found the
// difference in the slow clear: its "write high" was visible to a reader's
// rmb while the reader's recheck still saw the low word the xchg replaced.
//
// The kernel's operation is one event (on x86, one locked instruction). Under
// Relacy the leading fence is the operation's one scheduling point; the RMW
// and the trailing fence run with no CPU in between (rmw_then_mb). Otherwise
// another CPU could run between the exchange and its barrier: not a state the
// kernel has, and At() would record the step after that CPU's steps although
// its access came first (a counterexample that does not replay).
//
// Under the ordering sweep each is one site (detail::SiteOf): its barriers
// may be dropped, its RMW made relaxed, or split into a load and a store.
template <class Word, class T>
T xchg(Word& w, T v, Loc l = Loc::current()) {
  const Weakening k = detail::SiteOf(SiteOp::kXchg, memory_order::seq_cst, l);
  if (k == Weakening::kSplit) {
    const T old = w.load(memory_order::relaxed, l);
    w.store(v, memory_order::relaxed, l);
    return old;
  }
  const bool bare = k == Weakening::kNoMb || k == Weakening::kRelaxed;
  if (!bare && k != Weakening::kNoMbBefore) fence(memory_order::seq_cst, l);
  const memory_order o = k == Weakening::kRelaxed ? memory_order::relaxed : memory_order::seq_cst;
  return rmw_then_mb([&] { return w.exchange(v, o, l); }, l, !bare && k != Weakening::kNoMbAfter);
}
template <class Word, class T>
bool cmpxchg(Word& w, T& expected, T desired, Loc l = Loc::current()) {
  const Weakening k = detail::SiteOf(SiteOp::kCmpxchg, memory_order::seq_cst, l);
  if (k == Weakening::kSplit) {
    const T cur = w.load(memory_order::relaxed, l);
    if (!(cur == expected)) {
      expected = cur;
      return false;
    }
    w.store(desired, memory_order::relaxed, l);
    return true;
  }
  const bool bare = k == Weakening::kNoMb || k == Weakening::kRelaxed;
  if (!bare && k != Weakening::kNoMbBefore) fence(memory_order::seq_cst, l);
  const memory_order o = k == Weakening::kRelaxed ? memory_order::relaxed : memory_order::seq_cst;
  return rmw_then_mb([&] { return w.compare_exchange_strong(expected, desired, o, l); }, l,
                     !bare && k != Weakening::kNoMbAfter);
}

// RAII for Mutex.
class LockGuard {
 public:
  explicit LockGuard(Mutex& m, Loc l = Loc::current()) : m_(m), l_(l) { m_.lock(l_); }
  ~LockGuard() { m_.unlock(l_); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Mutex& m_;
  Loc l_;
};

}  // namespace mmu::sync
