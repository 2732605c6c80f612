// The native toolchain's first test (issue 2): std::thread and Boost.Atomic's
// atomic_ref, the pieces the native engine is made of, under doctest.
//
// Under --config=tsan it is also ThreadSanitizer's smoke test: acquire/release
// message passing through boost::atomic_ref on a plain u64 (how the native
// engine accesses an spte) must run without a report. A TSan that flagged it
// would make every stress/ result meaningless.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <boost/atomic.hpp>
#include <cstdint>
#include <thread>

namespace {

TEST_CASE("atomic_ref message passing across threads delivers the payload") {
  for (int round = 0; round < 200; ++round) {
    std::uint64_t payload = 0;
    alignas(boost::atomic_ref<std::uint64_t>::required_alignment) std::uint64_t flag = 0;
    std::uint64_t seen = 0;
    std::thread consumer([&] {
      while (boost::atomic_ref<std::uint64_t>(flag).load(boost::memory_order_acquire) == 0) {
        std::this_thread::yield();
      }
      seen = payload;
    });
    payload = 0xa11110001ULL + static_cast<std::uint64_t>(round);
    boost::atomic_ref<std::uint64_t>(flag).store(1, boost::memory_order_release);
    consumer.join();
    CHECK(seen == 0xa11110001ULL + static_cast<std::uint64_t>(round));
  }
}

TEST_CASE("atomic_ref read-modify-writes from two threads do not lose updates") {
  alignas(boost::atomic_ref<std::uint64_t>::required_alignment) std::uint64_t word = 0;
  constexpr int kAdds = 100000;
  auto add = [&] {
    for (int i = 0; i < kAdds; ++i) boost::atomic_ref<std::uint64_t>(word).fetch_add(1, boost::memory_order_relaxed);
  };
  std::thread other(add);
  add();
  other.join();
  CHECK(word == 2 * kAdds);
}

}  // namespace
