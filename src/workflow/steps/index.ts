export { actionsRunner, parseActions, runActions, ACTION_KINDS } from "./actions.js";
export type { WorkflowAction } from "./actions.js";
export { applyComponentOutcome, applyComponentRunner } from "./apply-component.js";
export { deployRunner } from "./deploy.js";
export { notificationRunner } from "./notification.js";
export { stepGroupRunner, summariseSubSteps } from "./step-group.js";
export { suspendRunner } from "./suspend.js";
export { definitionRunner, definitionStepRunner, DEFAULT_STEP_PROVIDERS } from "./definition-step.js";
