// The main of a model binary (//models:<target>): scenario MMU_SCENARIO on
// the Relacy engine. mmu_core/scenarios/engines.bzl compiles this file once
// per scenario with MMU_SCENARIO set to its class.
#include "models/relacy_model.h"

#ifndef MMU_SCENARIO
#error "MMU_SCENARIO names the scenario class (set by mmu_core/scenarios/engines.bzl)"
#endif

int main(int argc, char** argv) { return mmu::models::RunModel<mmu::scenarios::MMU_SCENARIO>(argc, argv); }
