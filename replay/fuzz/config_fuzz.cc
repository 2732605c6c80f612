// replay/fuzz/config_fuzz.cc: libFuzzer target for the configuration
// tokeniser (mmu_core/catalog/config.h): `config:` lines, `--config`
// options and the selectors of the scenario descriptors all go through it.
//
// Properties checked (std::abort on a breach):
//  - ConfigPairs::Parse never crashes; a failure says why; a success written
//    back (ToString) parses to the same pairs;
//  - SelectConfigs over every real scenario's family never crashes and
//    either picks members within the family (one, for a selector, unless
//    several are allowed) or says why not, picking none;
//  - ConfigMatches of the input against every real member never crashes,
//    and every member matches itself.
//
//   bazel test --config=fuzz //replay/fuzz:config_fuzz_run   (30 s, CI)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mmu_core/catalog/config.h"
#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/scenarios/all.h"

namespace {

using namespace mmu;

const std::vector<ScenarioInfo>& Catalogue() { return scenarios::AllScenarioInfo(); }

// A property that does not hold: say which, then abort (libFuzzer keeps the input).
void RequireAt(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "%s:%d: property violated\n", __FILE__, line);
  std::abort();
}
#define Require(ok) RequireAt((ok), __LINE__)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const std::optional<ConfigPairs> p = ConfigPairs::Parse(text, &error);
  if (!p) {
    Require(!error.empty());
  } else {
    const std::optional<ConfigPairs> back = ConfigPairs::Parse(p->ToString());
    Require(back.has_value());
    Require(back->pairs() == p->pairs());
    (void)p->Problems();
  }
  for (const ScenarioInfo& s : Catalogue()) {
    for (bool many : {false, true}) {
      const ConfigSelection sel = SelectConfigs(s.name, s.configs, text, many);
      if (sel.ok()) {
        Require(!sel.indices.empty());
        // A selector picks one member unless `many`; "all", "" and an index pick as they say.
        const bool selector = text.find('=') != std::string_view::npos;
        Require(many || !selector || sel.indices.size() == 1);
        for (int i : sel.indices) Require(i >= 0 && i < static_cast<int>(s.configs.size()));
      } else {
        Require(sel.indices.empty());
      }
    }
    for (const std::string& member : s.configs) {
      (void)ConfigMatches(member, text);
      (void)ConfigMatches(text, member);
      Require(ConfigMatches(member, member));
    }
  }
  return 0;
}
