#include <relacy/relacy.hpp>
struct T : rl::test_suite<T, 2> {
  rl::atomic<int> x;
  void before() { x.store(0, rl::mo_relaxed, $); }
  void thread(unsigned i) { if (i == 0) x.store(1, rl::mo_relaxed, $); else x.load(rl::mo_relaxed, $); }
};
int main() { rl::test_params p; p.search_type = rl::sched_full; return rl::simulate<T>(p) ? 0 : 1; }
