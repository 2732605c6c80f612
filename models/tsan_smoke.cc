#include <boost/atomic.hpp>
#include <thread>
int main() { alignas(8) unsigned long w = 0; std::thread t([&]{ boost::atomic_ref<unsigned long>(w).fetch_add(1, boost::memory_order_relaxed); }); boost::atomic_ref<unsigned long>(w).fetch_add(1, boost::memory_order_relaxed); t.join(); return boost::atomic_ref<unsigned long>(w).load() == 2 ? 0 : 1; }
