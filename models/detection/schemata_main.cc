// The main of a schemata model binary (//models:<target>_mutants): scenario
// MMU_SCENARIO on the Relacy engine, built from the logical-mutation copy of
// the core (mmu_core/schemata/..., models/detection/mutator.cc). --mutant ID
// switches one mutation point on; --mutants-reached FILE lists the points the
// round's threads reached (model_flags.h).
#include "mmu_core/schemata/models/relacy_model.h"
#include "mmu_core/schemata/points.h"
#include "models/detection/model_flags.h"

#ifndef MMU_SCENARIO
#error "MMU_SCENARIO names the scenario class (set by models/defs.bzl)"
#endif

int main(int argc, char** argv) {
  (void)kMmuMutantPoints;
  return mmu::models::detection::Main(
      argc, argv, [](int n, char** args) { return mmu::models::RunModel<mmu::scenarios::MMU_SCENARIO>(n, args); },
      [] { return mmu::models::g_run.recorder.armed(); });
}
