// The replay's cases on the native engine (real threads), in-process; with
// --config=tsan also under ThreadSanitizer.
#include "replay/native_engine.h"

namespace mmu::replay::testing {
using TestEngine = NativeEngine;
}

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "replay/testing/engine_cases.h"
