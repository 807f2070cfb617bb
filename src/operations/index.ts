export * from "./dry-run.js";
export * from "../authoring/definitions.js";
export * from "./up.js";
export * from "../reconciler/drive.js";
export * from "../target/target.js";
export * from "../reconciler/reconcile.js";
export * from "./workflow-commands.js";
export * from "./status.js";
export * from "./resource-tree.js";
export * from "./canary-progress.js";
export * from "./revisions.js";
export * from "./delete-app.js";
export * from "./addons.js";
export * from "./app-lookup.js";
export * from "../controller/controller-mode.js";
export * from "../controller/controller-command.js";
export * from "../controller/controller-metrics.js";
export * from "../controller/lease.js";
export * from "../controller/work-queue.js";
export * from "./install.js";
export * from "../target/kube-target.js";
export * from "./sandbox.js";
export * from "./sandbox-traffic.js";
export * from "./serve.js";
export * from "./chart-template.js";
export * from "../reconciler/fixed-point-memo.js";
export * from "../controller/controller-handoff.js";
export {
  findAppRollouts,
  isRolloutWaitingForApproval,
  KRUISE_ROLLOUT_API_VERSIONS,
} from "../rollout/rollout-coupling.js";
export * from "../target/sandbox-watch.js";
export { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
export * from "../target/target-namespace.js";
export * from "./app-list.js";
export * from "./uninstall.js";
export * from "./completion-candidates.js";
export * from "../authoring/cluster-definitions.js";
export { readClusterDefinitions, DEFINITION_NAMESPACE, DEFINITION_API_VERSION } from "../target/stored-definitions.js";
export * from "./clusters.js";
export * from "./adopt.js";
export * from "./adopt-decompile.js";
