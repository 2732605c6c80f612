// The Relacy engine: exhaustive exploration (rl::sched_full) of a Program.
//
// Relacy needs the thread count at compile time, so Harness<N> is built for
// N = 1..kMaxThreads and RunModel dispatches on the process count. The
// harness reads the Program through g_run, a static set before rl::simulate
// and constant during it, so every iteration is deterministic.
//
// Shared locations are rl::atomic<int64_t>; registers are plain per-process
// arrays. Spinlocks are rl mutexes without spurious try_lock failure. RCU is
// a per-reader lock: rcu_read_lock() takes the reader's own lock and
// synchronize_rcu() takes and drops every other process's lock between two
// seq_cst fences. That is a valid RCU implementation (a grace period waits
// for every reader that began before it), so every outcome it yields is one
// LKMM allows; gaps.cc says when it may be stronger than LKMM.
//
// Final states are recorded in after() into a StateTable allocated before
// the simulation (Relacy replaces operator new while it runs).
//
// The exploration runs in a forked child. Relacy's failure path (deadlock
// and the like) hands buffers allocated inside the simulation to code that
// frees them outside it, which corrupts the heap, and a search can run for
// long. In a child neither can hurt the runner: the child streams Relacy's
// text to one pipe and its result (the states, or the first runtime error,
// reported and then _exit()ed from inside the simulation) to another, and
// the parent kills it when the time budget runs out.
//
// This is a Relacy translation unit (third_party/relacy_include.h); nothing
// here is linked into a native-only TU.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "litmus/engines.h"
#include "litmus/interp.h"
#include "litmus/program.h"
#include "litmus/state_table.h"

#include "third_party/relacy_include.h"  // relacy.hpp, its macros undone

// Relacy replaces operator new and the unsized operator delete only; this
// file is built with RELACY_COPTS (-fno-sized-deallocation, BUILD), so no
// sized delete reaches libc with Relacy's blocks.

namespace litmus {
namespace {

// Everything one exploration shares with the simulation (in the child).
struct ModelRun {
  const Program* program = nullptr;
  StateTable* states = nullptr;
  int result_fd = -1;
  std::ostream* log = nullptr;
};

ModelRun g_run;

// Writes all of [p, p+n) to fd.
void WriteAll(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    c += w;
    n -= static_cast<size_t>(w);
  }
}

// An unbuffered stream buffer over a file descriptor: Relacy's text goes
// straight to the parent and nothing is allocated while it is written.
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      char ch = static_cast<char>(c);
      WriteAll(fd_, &ch, 1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    WriteAll(fd_, s, static_cast<size_t>(n));
    return n;
  }

 private:
  int fd_;
};

// Result records, child to parent: a tag byte, then fixed fields.
constexpr char kRecStates = 'S';  // iterations, count, then count * width int64
constexpr char kRecError = 'E';   // line, col, length, then the message

[[noreturn]] void ReportErrorAndExit(SourcePos pos, const char* msg) {
  int32_t fields[3] = {pos.line, pos.col, static_cast<int32_t>(std::strlen(msg))};
  WriteAll(g_run.result_fd, &kRecError, 1);
  WriteAll(g_run.result_fd, fields, sizeof(fields));
  WriteAll(g_run.result_fd, msg, std::strlen(msg));
  ::_exit(0);
}

struct ModelMutexTag {};

// An rl mutex whose try_lock fails only when the lock is held, as
// spin_trylock() does (rl::mutex may also fail spuriously).
struct ModelMutex : rl::generic_mutex<ModelMutexTag> {
  ModelMutex() { init(false, false, false, false, $); }
  ~ModelMutex() { deinit($); }
};

rl::memory_order ToRl(MemOrder o) {
  switch (o) {
    case MemOrder::kRelaxed: return rl::mo_relaxed;
    case MemOrder::kAcquire: return rl::mo_acquire;
    case MemOrder::kRelease: return rl::mo_release;
    case MemOrder::kMb: return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

template <int N>
struct Harness : rl::test_suite<Harness<N>, N> {
  rl::atomic<int64_t> mem[kMaxLocations];
  ModelMutex locks[kMaxLocks];
  ModelMutex rcu[N];
  int64_t regs[N][kMaxRegs];

  // The interp.h backend for process `self`.
  struct Backend {
    Harness* h;
    unsigned self;

    int64_t Load(int loc, MemOrder o) { return h->mem[loc].load(ToRl(o), $); }
    void Store(int loc, int64_t v, MemOrder o) { h->mem[loc].store(v, ToRl(o), $); }
    int64_t Rmw(int loc, RmwOp op, int64_t v, MemOrder o) {
      rl::atomic<int64_t>& m = h->mem[loc];
      rl::memory_order mo = ToRl(o);
      switch (op) {
        case RmwOp::kXchg: return m.exchange(v, mo, $);
        case RmwOp::kAdd: return m.fetch_add(v, mo, $);
        case RmwOp::kSub: return m.fetch_sub(v, mo, $);
        case RmwOp::kAnd: return m.fetch_and(v, mo, $);
        case RmwOp::kOr: return m.fetch_or(v, mo, $);
        case RmwOp::kXor: return m.fetch_xor(v, mo, $);
        case RmwOp::kAndNot: return m.fetch_and(~v, mo, $);
      }
      return 0;
    }
    bool Cas(int loc, int64_t* expected, int64_t desired, MemOrder o) {
      return h->mem[loc].compare_exchange_strong(*expected, desired, ToRl(o), $, rl::mo_relaxed, $);
    }
    void Fence(FenceKind k) {
      switch (k) {
        case FenceKind::kMb: rl::atomic_thread_fence(rl::mo_seq_cst, $); break;
        case FenceKind::kRmb: rl::atomic_thread_fence(rl::mo_acquire, $); break;
        case FenceKind::kWmb: rl::atomic_thread_fence(rl::mo_release, $); break;
      }
    }
    void Lock(int slot) { h->locks[slot].lock_exclusive($); }
    void Unlock(int slot) { h->locks[slot].unlock_exclusive($); }
    bool TryLock(int slot) { return h->locks[slot].try_lock_exclusive($); }
    void RcuLock() { h->rcu[self].lock_exclusive($); }
    void RcuUnlock() { h->rcu[self].unlock_exclusive($); }
    void SyncRcu() {
      rl::atomic_thread_fence(rl::mo_seq_cst, $);
      for (unsigned u = 0; u < static_cast<unsigned>(N); ++u) {
        if (u == self) continue;
        h->rcu[u].lock_exclusive($);
        h->rcu[u].unlock_exclusive($);
      }
      rl::atomic_thread_fence(rl::mo_seq_cst, $);
    }
    // The first runtime error ends the exploration: its message is sent and
    // the child exits from inside the simulation.
    [[noreturn]] void Fail(const Op& op, const std::string& msg) {
      char buf[512];
      std::snprintf(buf, sizeof(buf), "%s: %s", g_run.program->threads[self].name.c_str(), msg.c_str());
      ReportErrorAndExit(op.pos, buf);
    }
  };

  void before() {
    const Program& p = *g_run.program;
    for (size_t i = 0; i < p.locations.size(); ++i) {
      if (!p.locations[i].is_lock) mem[i].store(p.locations[i].init, rl::mo_relaxed, $);
    }
  }

  void thread(unsigned t) {
    const Program& p = *g_run.program;
    const Thread& th = p.threads[t];
    ResetRegisters(th, regs[t]);
    Backend be{this, t};
    Interpret(p, th, be, regs[t]);
  }

  void after() {
    const Program& p = *g_run.program;
    int64_t state[kMaxObserved];
    for (size_t k = 0; k < p.observed.size(); ++k) {
      const Observable& o = p.observed[k];
      // debug_value() is the newest store in modification order; Relacy
      // orders stores by their place in the interleaving.
      state[k] = o.thread >= 0 ? regs[o.thread][o.index] : mem[o.index].debug_value();
    }
    if (!g_run.states->Add(state)) {
      char buf[128];
      std::snprintf(buf, sizeof(buf), "more than %zu distinct final states", g_run.states->size());
      ReportErrorAndExit(p.threads[0].pos, buf);
    }
  }
};

template <int N>
void Simulate(rl::test_params* params) {
  rl::simulate<Harness<N>>(*params);
}

// The child: explore, send the states, exit without running destructors.
[[noreturn]] void ExploreInChild(const Program& p, const ModelOptions& opt, int text_fd, int result_fd) {
  FdStreambuf buf(text_fd);
  std::ostream log(&buf);
  StateTable states(static_cast<int>(p.observed.size()), opt.max_states, /*growable=*/false);
  g_run.program = &p;
  g_run.states = &states;
  g_run.result_fd = result_fd;
  g_run.log = &log;

  rl::test_params params;
  params.search_type = rl::sched_full;
  params.output_stream = &log;
  params.progress_stream = &log;
  params.progress_output_period = 1 << 30;
  params.execution_depth_limit = 1 << 20;  // litmus code has no loops
  switch (p.threads.size()) {
    case 1: Simulate<1>(&params); break;
    case 2: Simulate<2>(&params); break;
    case 3: Simulate<3>(&params); break;
    case 4: Simulate<4>(&params); break;
    default: break;  // Compile() rejects other counts
  }
  if (params.test_result != rl::test_result_success) ::_exit(1);  // the parent reads Relacy's text
  auto sorted = states.Sorted();
  uint64_t header[2] = {params.stop_iteration, sorted.size()};
  WriteAll(result_fd, &kRecStates, 1);
  WriteAll(result_fd, header, sizeof(header));
  for (const auto& [s, n] : sorted) WriteAll(result_fd, s.data(), s.size() * sizeof(int64_t));
  ::_exit(0);
}

// Drains both pipes until the child closes them or the deadline passes.
bool ReadChild(int text_fd, int result_fd, std::chrono::steady_clock::time_point deadline, std::string* text,
               std::string* result) {
  constexpr size_t kMaxText = 1 << 16;
  pollfd fds[2] = {{text_fd, POLLIN, 0}, {result_fd, POLLIN, 0}};
  std::string* sinks[2] = {text, result};
  int open = 2;
  char buf[4096];
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int r = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (i == 1 || sinks[i]->size() < kMaxText) sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
  return true;
}

// Relacy's one-line verdict from its report ("DEADLOCK (deadlock detected)").
std::string RelacyVerdict(const std::string& text) {
  size_t start = text.find('\n');  // the first line is the test's type name
  while (start != std::string::npos && start + 1 < text.size() && text[start + 1] == '\n') ++start;
  if (start == std::string::npos) return "no report";
  size_t end = text.find('\n', start + 1);
  return text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
}

}  // namespace

ModelResult RunModel(const Program& p, const ModelOptions& opt) {
  ModelResult r;
  r.states = StateTable(static_cast<int>(p.observed.size()), opt.max_states, /*growable=*/false);
  Diagnostic err{p.file, p.threads.empty() ? SourcePos{1, 1} : p.threads[0].pos, ""};
  auto start = std::chrono::steady_clock::now();
  int text_pipe[2], result_pipe[2];
  if (::pipe(text_pipe) != 0 || ::pipe(result_pipe) != 0) {
    err.message = "cannot create a pipe for the model engine";
    r.error = err;
    return r;
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(text_pipe[0]);
    ::close(result_pipe[0]);
    ExploreInChild(p, opt, text_pipe[1], result_pipe[1]);
  }
  ::close(text_pipe[1]);
  ::close(result_pipe[1]);
  std::string text, result;
  bool finished = pid > 0 && ReadChild(text_pipe[0], result_pipe[0],
                                       start + std::chrono::microseconds(static_cast<int64_t>(opt.timeout_seconds * 1e6)),
                                       &text, &result);
  ::close(text_pipe[0]);
  ::close(result_pipe[0]);
  int status = 0;
  if (pid > 0) {
    if (!finished) ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.detail = text;

  const size_t width = p.observed.size();
  if (pid < 0) {
    err.message = "cannot fork the model engine";
  } else if (!finished) {
    err.message = "model exploration exceeded " + std::to_string(static_cast<int>(opt.timeout_seconds)) + " s";
    r.timed_out = true;
  } else if (!result.empty() && result[0] == kRecError && result.size() >= 1 + 3 * sizeof(int32_t)) {
    int32_t fields[3];
    std::memcpy(fields, result.data() + 1, sizeof(fields));
    err.pos = {fields[0], fields[1]};
    err.message = result.substr(1 + sizeof(fields), static_cast<size_t>(fields[2]));
  } else if (!result.empty() && result[0] == kRecStates && result.size() >= 1 + 2 * sizeof(uint64_t)) {
    uint64_t header[2];
    std::memcpy(header, result.data() + 1, sizeof(header));
    size_t need = 1 + sizeof(header) + header[1] * width * sizeof(int64_t);
    if (result.size() == need) {
      r.iterations = header[0];
      std::vector<int64_t> state(width + 1);
      for (uint64_t i = 0; i < header[1]; ++i) {
        std::memcpy(state.data(), result.data() + 1 + sizeof(header) + i * width * sizeof(int64_t),
                    width * sizeof(int64_t));
        r.states.Add(state.data());
      }
      r.detail.clear();
      return r;
    }
    err.message = "truncated result from the model engine";
  } else if (WIFSIGNALED(status) || !text.empty()) {
    err.message = "Relacy stopped: " + RelacyVerdict(text);
  } else {
    err.message = "the model engine exited without a result";
  }
  r.error = err;
  return r;
}

}  // namespace litmus
