// models/relacy/control.h: driving Relacy where its interface stops short.
//
// Two needs of the suite that Relacy's public interface does not meet, each
// wrapped here once, with a test that pins Relacy's behaviour
// (models/relacy/testing/support_test.cc):
//
//  - StoppableFullSearch: Relacy's full search, which a caller may end early
//    (a time or execution budget) by RequestStop(); the search then ends after
//    the execution in progress, as a success, and the caller knows it
//    stopped. (Relacy itself stops only at the end of the tree or at a failed
//    execution; failing one on purpose would report a fake error.)
//  - YieldKeepingHistory: a scheduling point that lets the other threads run
//    (rl::yield) without the spin-loop rule Relacy attaches to a yield: after
//    rl::yield a load may not read a store older than what the thread saw
//    before it. The replay gate yields while it waits for its turn; that wait
//    is not a spin of the core and must not hide stores the order allows.
//    It restores the thread's last-yield timestamp, Relacy's field
//    thread_info_base::last_yield_ (the one access to a Relacy internal).
//
// RunWithHistory runs a search and, when it fails, Relacy's re-run of the
// failing execution with its history (what rl::simulate does, for any
// scheduler).
#pragma once

#include "third_party/relacy_include.h"

#include <string_view>

#include "models/relacy/stream.h"

namespace mmu::relacy {

// Shared by every StoppableFullSearch: one search runs at a time.
struct SearchStop {
  bool requested = false;
  bool stopped = false;  // the search ended because of the request
};
inline SearchStop g_search_stop;

// Ends the running StoppableFullSearch after the current execution.
inline void RequestStop() { g_search_stop.requested = true; }

template <rl::thread_id_t kThreadCount>
class StoppableFullSearch : public rl::full_search_scheduler<kThreadCount> {
 public:
  using base_t = rl::full_search_scheduler<kThreadCount>;
  using base_t::base_t;

  // Called by Relacy's context on its scheduler type: hides the base's.
  bool iteration_end() {
    const bool done = base_t::iteration_end();
    if (!done && g_search_stop.requested) {
      g_search_stop.stopped = true;
      return true;
    }
    return done;
  }
};

inline void YieldKeepingHistory(unsigned count, rl::debug_info_param info) {
  rl::thread_info_base* self = rl::ctx().threadx_;
  const rl::timestamp_t saved = self->last_yield_;
  rl::yield(count, info);
  self->last_yield_ = saved;
}

// Runs Suite under scheduler Sched with params p. On a failure, calls
// before_rerun() (the caller reads what the search found, p.stop_iteration
// being the failing iteration), then re-runs the failing execution with
// history collection, Relacy's report going to p.output_stream (cleared
// first through `report`). Returns the first run's result.
template <class Suite, class Sched, class BeforeRerun>
rl::test_result_e RunWithHistory(rl::test_params& p, FixedStreamBuf& report, FixedStreamBuf& state,
                                 BeforeRerun&& before_rerun) {
  std::ostream state_stream(&state);
  state.Clear();
  const rl::test_result_e result = rl::run_test<Suite, Sched>(p, state_stream, /*second=*/false);
  if (result == rl::test_result_success) return result;
  before_rerun();
  const std::string_view saved = state.View();
  p.initial_state = rl::string(saved.data(), saved.size());
  p.collect_history = true;
  report.Clear();
  rl::run_test<Suite, Sched>(p, state_stream, /*second=*/true);
  return result;
}

}  // namespace mmu::relacy
