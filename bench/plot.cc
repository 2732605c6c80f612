// bench/plot.cc: gnuplot scripts for the size sweeps, data inline.
#include "bench/plot.h"

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace mmu::bench {
namespace {

using json = nlohmann::json;

const json* FindComparison(const json& results, const std::string& name) {
  if (!results.contains("comparisons") || !results["comparisons"].is_array()) return nullptr;
  for (const json& c : results["comparisons"]) {
    if (c.value("name", "") == name && c.contains("rows") && c["rows"].is_array() && !c["rows"].empty()) return &c;
  }
  return nullptr;
}

double Num(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return 0;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : 0;
}

// Runs gnuplot on script; true when it exited 0.
bool Gnuplot(const std::string& script, std::string* error) {
  FILE* g = popen("gnuplot 2>&1", "w");
  if (g == nullptr) {
    *error = "cannot start gnuplot";
    return false;
  }
  std::fwrite(script.data(), 1, script.size(), g);
  const int rc = pclose(g);
  if (rc != 0) {
    *error = rc == 127 * 256 ? "gnuplot not found: install gnuplot-nox (ci/common.sh lists it in MMU_PACKAGES)"
                              : fmt::format("gnuplot failed (status {})", rc);
    return false;
  }
  return true;
}

const char* kStyle = R"(set terminal svg size {w},{h} dynamic enhanced font 'Helvetica,12' background '#ffffff'
set output '{out}'
set logscale xy
set format x '10^{{%L}}'
set format y '10^{{%L}}'
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key top left box opaque
set xlabel 'shadow pages N'
)";

}  // namespace

std::vector<std::string> WritePlots(const json& results, const std::string& dir, std::string* error) {
  std::vector<std::string> written;
  if (const json* c = FindComparison(results, "zap-all")) {
    std::string data;
    for (const json& r : (*c)["rows"]) {
      // Milliseconds: pages; holds: holding-lock max, lock-break commit,
      // lock-break longest batch, lock-break p99; vCPU faults: holding-lock
      // wait (max), lock-break p50, p99, max (0 when none overlapped: not drawn).
      auto ms = [&](std::initializer_list<const char*> path) {
        const double v = Num(r, path) / 1e6;
        return v > 0 ? fmt::format("{}", v) : std::string("NaN");
      };
      data += fmt::format("{} {} {} {} {} {} {} {} {}\n", Num(r, {"pages"}), ms({"holding_lock", "hold_max_ns"}),
                          ms({"lock_break", "hold_commit_ns"}), ms({"lock_break", "hold_max_batch_ns"}),
                          ms({"lock_break", "hold_p99_ns"}), ms({"holding_lock", "fault_max_ns"}),
                          ms({"lock_break", "fault_p50_ns"}), ms({"lock_break", "fault_p99_ns"}),
                          ms({"lock_break", "fault_max_ns"}));
    }
    const std::string out = dir + "/zap_all.svg";
    std::string script = fmt::format(fmt::runtime(kStyle), fmt::arg("w", 1000), fmt::arg("h", 420), fmt::arg("out", out));
    script += "$d << EOD\n" + data + "EOD\n";
    script += R"(set multiplot layout 1,2 title 'zap all N shadow pages while a vCPU faults (bench/README.md)'
set ylabel 'longest mmu_lock hold (ms)'
set title 'zapper: longest mmu_lock hold'
plot $d using 1:2 with linespoints lw 2 pt 7 title 'holding the lock (kvm\_mmu\_zap\_all)', \
     $d using 1:3 with linespoints lw 2 pt 5 title 'lock break: the final commit', \
     $d using 1:4 with linespoints lw 2 pt 9 title 'lock break: longest batch', \
     $d using 1:5 with linespoints lw 2 pt 4 title 'lock break: p99 hold'
set ylabel 'vCPU fault latency (ms)'
set title 'vCPU faults overlapping the zap'
plot $d using 1:6 with linespoints lw 2 pt 7 title 'holding the lock: its wait', \
     $d using 1:7 with linespoints lw 2 pt 4 title 'lock break: p50', \
     $d using 1:8 with linespoints lw 2 pt 5 title 'lock break: p99', \
     $d using 1:9 with linespoints lw 2 pt 9 title 'lock break: max'
unset multiplot
)";
    if (!Gnuplot(script, error)) return written;
    written.push_back(out);
  }
  if (const json* c = FindComparison(results, "mmio-gen")) {
    std::string data;
    for (const json& r : (*c)["rows"]) {
      data += fmt::format("{} {} {}\n", Num(r, {"pages"}), Num(r, {"walk_ns"}) / 1e3, Num(r, {"generation_ns"}) / 1e3);
    }
    const std::string out = dir + "/mmio_gen.svg";
    std::string script = fmt::format(fmt::runtime(kStyle), fmt::arg("w", 640), fmt::arg("h", 420), fmt::arg("out", out));
    script += "$d << EOD\n" + data + "EOD\n";
    script += R"(set title 'invalidate every MMIO spte after a memslot change'
set ylabel 'time per invalidation ({/Symbol m}s)'
plot $d using 1:2 with linespoints lw 2 pt 7 title 'walk every page under mmu\_lock', \
     $d using 1:3 with linespoints lw 2 pt 5 title 'generation bump (install\_new\_memslots)'
)";
    if (!Gnuplot(script, error)) return written;
    written.push_back(out);
  }
  return written;
}

}  // namespace mmu::bench
