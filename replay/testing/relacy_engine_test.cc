// The replay's cases on the Relacy engine (every memory-model outcome
// consistent with each table's order), in-process.
#include "replay/relacy_engine.h"

namespace mmu::replay::testing {
using TestEngine = RelacyEngine;
}

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "replay/testing/engine_cases.h"
