/**
 * The dashboard's JSON API: what the server sends (`/api/*` responses and server-sent events) and what
 * the page posts. The page's sources import these types too, so this file imports only from import-free
 * `model/` files: it is the contract between the two sides.
 */
import type { RolloutProgressFacts } from "../model/rollout-progress.js";

/** Any JSON value (what a Rollout's analysis status holds, shown as found). */
export type JsonData = string | number | boolean | null | readonly JsonData[] | { readonly [key: string]: JsonData };

/** `GET /api/session`: who this dashboard talks to, and the token every POST must echo. */
export interface SessionInfo {
  readonly version: string;
  /** `sandbox ./.vela-ts`, `cluster kind-dev at https://127.0.0.1:6443`. */
  readonly target: string;
  readonly targetKind: "sandbox" | "kube";
  /** The one namespace the dashboard shows (`--namespace`), absent for all namespaces. */
  readonly namespace?: string;
  /** Sent back in the `X-CSRF-Token` header of every POST. */
  readonly csrfToken: string;
}

/** Whether the last read of the cluster worked (the page shows a banner while it does not). */
export interface ClusterHealth {
  readonly reachable: boolean;
  /** The error of the failed read: `E_CLUSTER_UNREACHABLE`, `E_SANDBOX_LOCKED`… */
  readonly code?: string;
  readonly message?: string;
  readonly hint?: string;
  /** When reads started failing. */
  readonly since?: string;
  /** When the cluster was last read (or tried). */
  readonly checkedAt: string;
}

/** An error as the API reports it (a `VelaError`'s fields). */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  /** JSON pointer into the submitted document. */
  readonly path?: string;
  readonly source?: { readonly file: string; readonly line: number; readonly column: number };
  /** Every problem of a validation failure. */
  readonly issues?: readonly ApiError[];
}

/** Where one Rollout of an app stands, as the list shows it. */
export interface CanarySummary {
  readonly rollout: string;
  readonly inProgress: boolean;
  readonly step: number;
  readonly steps: number;
  readonly weight?: number;
  readonly state?: string;
  readonly paused: boolean;
  readonly waitingForApproval: boolean;
}

/** One row of the application list. */
export interface AppSummary {
  readonly name: string;
  readonly namespace: string;
  /** `status.status`: running, runningWorkflow, workflowSuspending, workflowFailed, unhealthy… */
  readonly phase: string;
  readonly revision?: { readonly name: string; readonly number: number; readonly publishVersion?: string };
  readonly workflow?: {
    readonly status: string;
    readonly suspend: boolean;
    readonly terminated: boolean;
    readonly finished: boolean;
    /** The step that runs or waits now. */
    readonly currentStep?: string;
    readonly message?: string;
  };
  readonly canaries: readonly CanarySummary[];
  /** The newest time the app's status records (a step, a rollback, a Rollout step change). */
  readonly lastChange?: string;
  /** Every component healthy. */
  readonly healthy: boolean;
  /** What needs a look: a person must decide, or the release failed. */
  readonly attention?: "waiting-for-person" | "failed";
}

/** `GET /api/apps` and the `apps` event. */
export interface AppListView {
  readonly now: string;
  readonly apps: readonly AppSummary[];
}

/** One workflow step on the timeline. */
export interface TimelineStep {
  readonly id?: string;
  readonly name: string;
  readonly type: string;
  /** succeeded, running, suspending, failed, skipped, pending. */
  readonly phase: string;
  readonly reason?: string;
  readonly message?: string;
  readonly firstExecuteTime?: string;
  readonly lastExecuteTime?: string;
  /** A timed suspend's resume time. */
  readonly resumesAt?: string;
  readonly subSteps: readonly TimelineStep[];
}

/** The workflow of the current revision. */
export interface WorkflowTimeline {
  readonly mode: string;
  readonly status: string;
  readonly message?: string;
  readonly finished: boolean;
  readonly suspend: boolean;
  readonly terminated: boolean;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly steps: readonly TimelineStep[];
}

/** One component's health. */
export interface ServiceView {
  readonly name: string;
  readonly namespace: string;
  readonly type?: string;
  readonly healthy: boolean;
  readonly message?: string;
  readonly traits: readonly { readonly type: string; readonly healthy: boolean; readonly message?: string }[];
}

/** A pod of a canary, stable or canary side. */
export interface PodView {
  readonly name: string;
  readonly phase: string;
  readonly ready: boolean;
  /** Being deleted. */
  readonly terminating: boolean;
  readonly image?: string;
  /** Its `pod-template-hash` / `controller-revision-hash`. */
  readonly revision?: string;
  readonly createdAt?: string;
  readonly restarts: number;
}

/** A header a canary step sends to the canary (Kruise `matches[].headers[]`). */
export interface HeaderMatchView {
  readonly name: string;
  readonly value: string;
  /** Exact or RegularExpression. */
  readonly type: string;
}

/** One step of a canary plan. */
export interface CanaryStepView {
  /** 1-based, as Kruise counts (`currentStepIndex`). */
  readonly index: number;
  readonly weight?: number;
  readonly replicas?: string;
  /** `pause.duration` as written (`30`, `"5m"`); absent with `pause` = wait for approval. */
  readonly pauseDuration?: string;
  /** Each entry is one match; its headers are AND-ed, the matches OR-ed. */
  readonly matches: readonly (readonly HeaderMatchView[])[];
  readonly state: "done" | "current" | "pending";
}

/** Who answered a sample of requests routed through the sandbox's ingress or mesh rules. */
export interface TrafficSplit {
  readonly host: string;
  readonly path: string;
  readonly requests: number;
  /** `ingress-nginx`, `istio` or `none`. */
  readonly router: string;
  readonly shares: readonly {
    readonly image: string;
    /** canary or stable, when the answering pods tell. */
    readonly side?: "canary" | "stable";
    readonly count: number;
  }[];
  /** Requests by HTTP status (`200`, `503`). */
  readonly byStatus: Readonly<Record<string, number>>;
}

/** The analysis found in a Rollout's status, shown as it is (its shape belongs to the rollout engine). */
export interface AnalysisView {
  /** Where in the Rollout it was found: `status.canaryStatus.analysis`. */
  readonly field: string;
  readonly value: JsonData;
}

/** The canary view of one Rollout (as the Argo Rollouts dashboard shows one). */
export interface CanaryView extends RolloutProgressFacts {
  readonly apiVersion: string;
  readonly stepList: readonly CanaryStepView[];
  readonly stablePods: readonly PodView[];
  readonly canaryPods: readonly PodView[];
  /** The headers that reach the canary at the current step. */
  readonly headerMatches: readonly (readonly HeaderMatchView[])[];
  readonly analysis: readonly AnalysisView[];
  /** Sandbox only: a sample of requests through its routing rules. */
  readonly traffic?: TrafficSplit;
}

/** Health of a topology node, for its colour and its accessible description. */
export type NodeHealth = "healthy" | "progressing" | "unhealthy" | "missing" | "unknown";

/** One node of the resource topology (Application → components → resources → what they own). */
export interface TopologyNode {
  /** Unique within the tree: `Kind/namespace/name`. */
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiVersion?: string;
  /** `ready 5/5`, `Running, ready`, `Progressing step 1/2 StepPaused`. */
  readonly status: string;
  readonly health: NodeHealth;
  /** Pods and ReplicaSets of a canary: which side they are on. */
  readonly side?: "canary" | "stable";
  readonly children: readonly TopologyNode[];
}

/** One condition of the Application or one of its Rollouts. */
export interface ConditionView {
  /** `Application/demo-app`, `Rollout/demo-app`. */
  readonly object: string;
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

/** A Kubernetes Event about the Application or one of its Rollouts. */
export interface EventView {
  readonly object: string;
  /** Normal or Warning. */
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly lastTimestamp?: string;
}

/** One revision of the app (`vela-ts revision list`). */
export interface RevisionRow {
  readonly name: string;
  readonly number: number;
  readonly publishVersion?: string;
  readonly succeeded: boolean;
  readonly hash: string;
  readonly beginTime?: string;
  /** Succeeded, Failed, Executing, NotStart. */
  readonly status: string;
  readonly current: boolean;
}

/** The release buttons. */
export type ActionName = "resume" | "suspend" | "rollback" | "terminate" | "restart";

/** Whether a button can be pressed now, and what it would do. */
export interface ActionState {
  readonly enabled: boolean;
  /** The button's text: Approve, Resume, Suspend, Roll back, Terminate, Restart. */
  readonly label: string;
  /** What pressing it does, or why it cannot be pressed now. */
  readonly description: string;
  /** The same operation on the command line. */
  readonly command: string;
}

/** The buttons of an app and the revisions a rollback may go to. */
export interface ActionStates {
  readonly resume: ActionState;
  readonly suspend: ActionState;
  readonly rollback: ActionState & {
    /** Revisions other than the current one, newest first. */
    readonly targets: readonly {
      readonly number: number;
      readonly name: string;
      readonly publishVersion?: string;
      /** Succeeded, Failed, Executing, NotStart. */
      readonly status: string;
    }[];
    /** What a rollback without a choice goes to: the last succeeded revision before the current one. */
    readonly defaultTarget?: number;
    /** The workflow runs: a rollback suspends it first (as `vela-ts workflow suspend`). */
    readonly suspendsFirst: boolean;
  };
  readonly terminate: ActionState;
  readonly restart: ActionState;
}

/** `GET /api/apps/:namespace/:name` and the `app` event. */
export interface AppDetailView {
  readonly now: string;
  readonly name: string;
  readonly namespace: string;
  readonly createdAt?: string;
  readonly phase: string;
  readonly revision?: {
    readonly name: string;
    readonly number: number;
    readonly hash?: string;
    readonly publishVersion?: string;
  };
  readonly rollback?: { readonly from?: string; readonly to: string; readonly time?: string };
  /** finished, failed, waiting-for-person, quiet (still moving). */
  readonly stop: string;
  readonly waitingFor?: string;
  /** A running `vela-ts controller` reconciles the app (the dashboard only reads it). */
  readonly reconciledBy?: string;
  /** When the release next moves by itself. */
  readonly nextWakeAt?: string;
  readonly workflow?: WorkflowTimeline;
  readonly services: readonly ServiceView[];
  readonly canaries: readonly CanaryView[];
  readonly topology: TopologyNode;
  readonly revisions: readonly RevisionRow[];
  readonly conditions: readonly ConditionView[];
  readonly events: readonly EventView[];
  readonly actions: ActionStates;
}

/** The `app` event when the app does not exist (deleted while watched, or a wrong link). */
export interface AppGone {
  readonly now: string;
  readonly name: string;
  readonly namespace: string;
  readonly gone: true;
}

/** `POST /api/apps/:namespace/:name/actions/:action` body. */
export interface ActionRequest {
  /** rollback: the revision number to go back to (default: the last succeeded one). */
  readonly revision?: number;
  /** restart: re-run from this step. */
  readonly step?: string;
}

/** What an action did. */
export interface ActionResult {
  readonly ok: boolean;
  /** The command's messages (`Rollout default/demo-app resumed.`). */
  readonly messages: readonly string[];
  /** Where the release stands afterwards (finished, waiting-for-person, quiet…). */
  readonly stop?: string;
  readonly waitingFor?: string;
  readonly error?: ApiError;
}

/** `POST /api/deploy` body: Application YAML, as `vela-ts up -f` takes it. */
export interface DeployRequest {
  readonly yaml: string;
}

/** What a deploy did, per application. */
export interface DeployResult {
  readonly ok: boolean;
  readonly applications: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly created: boolean;
    readonly revision?: string;
    readonly stop: string;
  }[];
  readonly error?: ApiError;
}

/** `GET /api/apps/:namespace/:name/revisions/:n/diff?against=m`. */
export interface RevisionDiff {
  readonly from: string;
  readonly to: string;
  /** Unified diff of the stored Applications; empty when equal. */
  readonly diff: string;
}

/** `GET /api/apps/:namespace/:name/manifest`: the Application as stored, for the deploy editor. */
export interface AppManifest {
  readonly yaml: string;
}
