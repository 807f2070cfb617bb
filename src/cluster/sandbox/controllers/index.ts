import type { SimulatedAdmission, SimulatedController, SimulatedValidation } from "../controller-contract.js";
import { argoRolloutsController } from "./argo-rollouts/rollout-controller.js";
import { argoRolloutValidation } from "./argo-rollouts/validation.js";
import { validatingAdmission } from "./common/validations.js";
import { immutableFieldsValidation } from "./immutable-fields.js";
import { replicasValidation } from "./replicas-validation.js";
import { kruisePartitionScaleValidation, kruiseRolloutValidation } from "./kruise-rollout/validation.js";
import { batchRolloutController } from "./batch-rollout/index.js";
import { cloneSetController } from "./cloneset.js";
import { deploymentController } from "./deployment.js";
import { helmReleaseController } from "./flux/helm-release.js";
import { helmRepositoryController } from "./flux/helm-repository.js";
import { kruiseRolloutAdmission } from "./kruise-rollout/admission.js";
import { advancedDeploymentController } from "./kruise-rollout/advanced-deployment.js";
import { batchReleaseController } from "./kruise-rollout/batch-release.js";
import { kruiseRolloutController } from "./kruise-rollout/rollout-controller.js";
import { replicaSetController } from "./replicaset.js";
import { ingressNginxStatusController, serviceAllocationAdmission, serviceLoadBalancerController } from "./service.js";
import { statefulSetController } from "./statefulset.js";
import { behaviourAnnotationValidation, syntheticTrafficController } from "../metrics/index.js";

/**
 * Every simulated controller, in the order a pass runs them: the synthetic traffic first (the
 * seconds since the last pass were routed by the cluster as this pass finds it), then sources and releases first (they
 * create workloads), then the Kruise Rollout and BatchRelease (they pause and scale workloads) and
 * the Argo Rollout (it scales its ReplicaSets and its referenced Deployment), then the
 * workload controllers, and the ReplicaSet controller (pods) last.
 */
export const SIMULATED_CONTROLLERS: readonly SimulatedController[] = [
  syntheticTrafficController,
  helmRepositoryController,
  helmReleaseController,
  kruiseRolloutController,
  batchReleaseController,
  advancedDeploymentController,
  argoRolloutsController,
  deploymentController,
  statefulSetController,
  cloneSetController,
  replicaSetController,
  batchRolloutController,
  serviceLoadBalancerController,
  ingressNginxStatusController,
];

/** Every simulated validating webhook (run after the mutating ones, as the API server does). */
export const SIMULATED_VALIDATIONS: readonly SimulatedValidation[] = [
  immutableFieldsValidation,
  replicasValidation,
  kruiseRolloutValidation,
  kruisePartitionScaleValidation,
  argoRolloutValidation,
  behaviourAnnotationValidation,
];

/** Every simulated admission webhook: the mutating ones, then the validating ones. */
export const SIMULATED_ADMISSIONS: readonly SimulatedAdmission[] = [
  serviceAllocationAdmission,
  kruiseRolloutAdmission,
  ...SIMULATED_VALIDATIONS.map(validatingAdmission),
];

export { findWebhookIssues } from "./common/validations.js";
