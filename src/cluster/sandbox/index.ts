export type { ObjectStore, StoredChange, WriteOptions } from "./object-store.js";
export type {
  ChartCatalog,
  ChartResolution,
  ControllerChange,
  ControllerEnv,
  ControllerView,
  SimulatedAdmission,
  SimulatedController,
  SimulatedValidation,
} from "./controller-contract.js";
export * from "./store/index.js";
export { settle, assertConverged, nextWakeAt, isControllerEnabled, applyControllerChange } from "./runner.js";
export type { SettleOptions, SettleResult, ControllerFailure } from "./runner.js";
export { SandboxCluster, openSandbox, ADDON_FIELD_MANAGER } from "./sandbox-cluster.js";
export type { OpenSandboxOptions } from "./sandbox-cluster.js";
export { findSandboxServer, writeServedRecord, removeServedRecord } from "./served-record.js";
export type { ServedRecord } from "./served-record.js";
export {
  SIMULATED_CONTROLLERS,
  SIMULATED_ADMISSIONS,
  SIMULATED_VALIDATIONS,
  findWebhookIssues,
} from "./controllers/index.js";
export { createChartCatalog, fetchedChartResolution, isNoMirror } from "./charts/index.js";
