export { batchRolloutController, reconcileBatchRollout } from "./rollout-controller.js";
export { BATCH_ROLLOUT_API_VERSION, BATCH_ROLLOUT_KIND, readBatchRolloutSpec, readBatchRolloutStatus } from "./api.js";
export type { BatchRollingState, BatchRolloutSpec, BatchRolloutStatus, RollingState, RolloutStrategy } from "./api.js";
export {
  COMPONENT_REVISION_LABEL,
  buildRevisionWorkload,
  componentRevisionRef,
  recordedWorkload,
  revisionWorkloadRef,
} from "./workloads.js";
