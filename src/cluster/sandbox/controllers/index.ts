import type { SimulatedAdmission, SimulatedController } from "../controller-contract.js";
import { batchRolloutController } from "./batch-rollout/index.js";
import { cloneSetController } from "./cloneset.js";
import { deploymentController } from "./deployment.js";
import { helmReleaseController } from "./flux/helm-release.js";
import { helmRepositoryController } from "./flux/helm-repository.js";
import { kruiseRolloutAdmission } from "./kruise-rollout/admission.js";
import { batchReleaseController } from "./kruise-rollout/batch-release.js";
import { kruiseRolloutController } from "./kruise-rollout/rollout-controller.js";
import { replicaSetController } from "./replicaset.js";
import { ingressNginxStatusController, serviceAllocationAdmission, serviceLoadBalancerController } from "./service.js";
import { statefulSetController } from "./statefulset.js";

/**
 * Every simulated controller, in the order a pass runs them: sources and releases first (they
 * create workloads), then the Rollout and BatchRelease (they pause and scale workloads), then the
 * workload controllers, and the ReplicaSet controller (pods) last.
 */
export const SIMULATED_CONTROLLERS: readonly SimulatedController[] = [
  helmRepositoryController,
  helmReleaseController,
  kruiseRolloutController,
  batchReleaseController,
  deploymentController,
  statefulSetController,
  cloneSetController,
  replicaSetController,
  batchRolloutController,
  serviceLoadBalancerController,
  ingressNginxStatusController,
];

/** Every simulated admission webhook. */
export const SIMULATED_ADMISSIONS: readonly SimulatedAdmission[] = [serviceAllocationAdmission, kruiseRolloutAdmission];
