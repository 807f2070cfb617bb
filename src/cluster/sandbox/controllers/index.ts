import type { SimulatedAdmission, SimulatedController } from "../controller-contract.js";

/** Every simulated controller, in the order a pass runs them. */
export const SIMULATED_CONTROLLERS: readonly SimulatedController[] = [];

/** Every simulated admission webhook. */
export const SIMULATED_ADMISSIONS: readonly SimulatedAdmission[] = [];
