/**
 * Where one Rollout stands, as `vela-ts status` and the dashboard both show it. The dashboard's page
 * type-checks this file in the browser build too, so it imports nothing.
 */

/** The facts of one Rollout's progress shared by `status` (`CanaryProgress`) and the dashboard (`CanaryView`). */
export interface RolloutProgressFacts {
  readonly rollout: string;
  readonly namespace: string;
  readonly component?: string;
  /** `status.phase`: Initial, Healthy, Progressing, Terminating… */
  readonly phase: string;
  /** A release is in flight (`phase: Progressing`). */
  readonly inProgress: boolean;
  /** `canaryStatus.currentStepIndex` (1-based; 0 before the first step). */
  readonly step: number;
  readonly steps: number;
  /** Traffic weight of the current step, in percent. */
  readonly weight?: number;
  /** Canary replicas of the current step as written (`1`, `"20%"`), when given. */
  readonly replicas?: string;
  /**
   * Kruise: `canaryStatus.currentStepState` (StepUpgrade, StepTrafficRouting, StepMetricsAnalysis,
   * StepPaused, StepReady, Completed). Argo: `status.phase` (Progressing, Paused, Degraded, Healthy).
   */
  readonly state?: string;
  /** Paused as a whole (Kruise `spec.strategy.paused`, Argo `spec.paused`; set by `workflow suspend`). */
  readonly paused: boolean;
  /** Only a person moves it on (a step without `pause.duration`, or paused). */
  readonly waitingForApproval: boolean;
  /** When a timed pause (`pause.duration`) ends on its own. */
  readonly resumesAt?: string;
  readonly message?: string;
  readonly canaryRevision?: string;
  readonly stableRevision?: string;
}
