// The main of a model binary (//models:<target>): scenario MMU_SCENARIO on
// the Relacy engine. mmu_core/scenarios/engines.bzl compiles this file once
// per scenario with MMU_SCENARIO set to its class.
#include "models/relacy_model.h"
#include "models/detection/model_flags.h"

#ifndef MMU_SCENARIO
#error "MMU_SCENARIO names the scenario class (set by mmu_core/scenarios/engines.bzl)"
#endif

// The sweep's flags (--weaken, --sites; models/detection/model_flags.h) are taken
// out first; the driver gets the rest.
int main(int argc, char** argv) {
  return mmu::models::detection::Main(
      argc, argv, [](int n, char** args) { return mmu::models::RunModel<mmu::scenarios::MMU_SCENARIO>(n, args); },
      [] { return mmu::models::g_run.recorder.armed(); });
}
