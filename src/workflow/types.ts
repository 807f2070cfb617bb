import type { Cluster, KubeObject } from "../cluster/cluster.js";
import type { Clock, JsonObject, JsonValue } from "../util/index.js";
import type { CueStepSource } from "./cue/runtime.js";

/**
 * Workflow types with KubeVela's field names (kubevela/pkg apis/oam/v1alpha1 workflow_types.go,
 * kubevela/workflow api/v1alpha1 types.go), so an Application's `spec.workflow` and
 * `status.workflow` can be passed in and stored as they are.
 */

// ---------------------------------------------------------------------------------------------
// spec

/** How a list of steps runs: in list order one at a time, or as a graph by `dependsOn`/`inputs`. */
export type WorkflowMode = "StepByStep" | "DAG";

/** A step input: the workflow variable `from` is written into the step parameter at `parameterKey`. */
export interface WorkflowStepInput {
  readonly from: string;
  /** Dotted path into the step's parameter (`properties.image`); absent = only visible to `if` as `inputs.<from>`. */
  readonly parameterKey?: string;
}

/**
 * A step output: after the step succeeds, `valueFrom` is read from the value the step returned and
 * stored as workflow variable `name`. `valueFrom` is a dotted path (`output.status.podIP`) or, if it
 * is not a plain path, an expression (KubeVela CUE syntax or CEL) over the same value.
 */
export interface WorkflowStepOutput {
  readonly name: string;
  readonly valueFrom: string;
}

/** Fields shared by steps and sub-steps (`WorkflowStepBase`). */
export interface WorkflowStepBaseSpec {
  readonly name: string;
  readonly type: string;
  readonly meta?: { readonly alias?: string };
  readonly properties?: JsonObject;
  readonly dependsOn?: readonly string[];
  /** `always`, empty (run only if nothing before failed), or a condition (KubeVela CUE syntax or CEL) over `status`, `inputs`, `context`. */
  readonly if?: string;
  /** Go duration measured from the step's first execution, e.g. `30s`, `10m`. */
  readonly timeout?: string;
  readonly inputs?: readonly WorkflowStepInput[];
  readonly outputs?: readonly WorkflowStepOutput[];
}

/** One step of `spec.workflow.steps`; only `step-group` uses `mode` and `subSteps`. */
export interface WorkflowStepSpec extends WorkflowStepBaseSpec {
  /** Mode of the sub-steps of a `step-group`. */
  readonly mode?: WorkflowMode;
  readonly subSteps?: readonly WorkflowStepBaseSpec[];
}

/** `spec.workflow` of an Application. */
export interface WorkflowSpec {
  /** @default steps StepByStep, subSteps DAG (a generated default workflow uses DAG) */
  readonly mode?: { readonly steps?: WorkflowMode; readonly subSteps?: WorkflowMode };
  readonly steps?: readonly WorkflowStepSpec[];
}

// ---------------------------------------------------------------------------------------------
// status

/** Step phases, exactly KubeVela's strings. */
export type StepPhase = "pending" | "running" | "succeeded" | "failed" | "skipped" | "suspending";

/** Workflow phases (`status.workflow.status`), exactly KubeVela's strings. */
export type WorkflowPhase =
  "initializing" | "executing" | "suspending" | "succeeded" | "failed" | "terminated" | "skipped";

/**
 * Step reasons (kubevela/workflow pkg/types). A `failed` step with reason `Execute` is still being
 * retried; every other failed reason is final.
 */
export type StepReason =
  | "Wait"
  | "Skip"
  | "Rendering"
  | "Execute"
  | "Suspend"
  | "Terminate"
  | "ProcessParameter"
  | "Input"
  | "Output"
  | "FailedAfterRetries"
  | "Timeout"
  | "Action";

/** `status.workflow.steps[].subSteps[]` (KubeVela `StepStatus`). */
export interface StepStatus {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly phase: StepPhase;
  readonly reason?: StepReason;
  readonly message?: string;
  readonly firstExecuteTime?: string;
  readonly lastExecuteTime?: string;
}

/** `status.workflow.steps[]` (KubeVela `WorkflowStepStatus`). */
export interface WorkflowStepStatus extends StepStatus {
  readonly subSteps?: readonly StepStatus[];
}

/**
 * Per-step runtime memory. KubeVela keeps these in its workflow context store (backoff times,
 * suspend timestamps, keyed by step); vela-ts keeps them in `status.workflow.context.steps.<name>`.
 */
export interface StepMemory {
  /** Failed attempts so far (retryable failures only). */
  readonly retries?: number;
  /** A step failing with reason Execute is not run again before this time. */
  readonly nextAttemptTime?: string;
  /** When the step first suspended in this run. */
  readonly suspendTime?: string;
  /** When a timed suspend resumes on its own. */
  readonly resumeAt?: string;
  /** When a running step wants to run again by itself (`StepOutcome.wakeAt`). */
  readonly wakeAt?: string;
  /** Data a step runner keeps between executions (`StepOutcome.memory`). */
  readonly data?: JsonObject;
}

/**
 * The workflow context (KubeVela's context ConfigMap referenced by `contextBackend`), inline in the
 * status so a run can continue from any shell.
 */
export interface WorkflowContextData {
  /** Workflow variables: step outputs by name. */
  readonly vars: JsonObject;
  /** Runtime memory by step name (steps and sub-steps). */
  readonly steps: Readonly<Record<string, StepMemory>>;
}

/** `status.workflow` of an Application. */
export interface WorkflowStatus {
  /** Revision the run belongs to (`app-v2`, or the publishVersion when pinned). */
  readonly appRevision: string;
  /** `<steps>-<subSteps>`, e.g. `StepByStep-DAG`. */
  readonly mode: string;
  /** The workflow phase, decided only by `derivePhase`. */
  readonly status: WorkflowPhase;
  readonly message?: string;
  readonly suspend: boolean;
  /** `manual` when a person suspended the run: timed suspends then do not resume on their own. */
  readonly suspendState?: string;
  readonly terminated: boolean;
  readonly finished: boolean;
  readonly startTime: string;
  readonly endTime?: string;
  readonly steps: readonly WorkflowStepStatus[];
  readonly context: WorkflowContextData;
}

// ---------------------------------------------------------------------------------------------
// runners

/** What a step runner returns. Suspend and wait are values, not thrown sentinels. */
export type StepOutcome =
  | {
      readonly kind: "succeeded";
      /** The step's value, read by `outputs[].valueFrom`. */
      readonly outputs?: JsonObject;
      /** Kept as the step's message (a CUE step's `#Message`). */
      readonly message?: string;
    }
  | {
      /** Not done yet (waiting for health, a condition…): run again on a later pass. */
      readonly kind: "running";
      readonly reason: StepReason;
      readonly message: string;
      readonly memory?: JsonObject;
      /** RFC 3339 time to run the step again even if nothing else changes (a metric's next measurement). */
      readonly wakeAt?: string;
    }
  | {
      readonly kind: "suspended";
      readonly message: string;
      /** RFC 3339 time at which the run resumes on its own; absent = wait for `workflow resume`. */
      readonly resumeAt?: string;
      readonly memory?: JsonObject;
    }
  | {
      /**
       * `retryable`: the step is retried with backoff (reason Execute), then fails with
       * FailedAfterRetries. Otherwise it fails for good with `reason` (default Action) and the
       * workflow is terminated, like KubeVela's `Fail`.
       */
      readonly kind: "failed";
      readonly message: string;
      readonly retryable: boolean;
      readonly reason?: StepReason;
    }
  | { readonly kind: "skipped"; readonly message?: string }
  | {
      /** The step succeeded and ends the workflow (KubeVela `Terminate`). */
      readonly kind: "terminated";
      readonly message: string;
    };

/** The application a run belongs to, as seen by steps and by `if` (`context.*`). */
export interface WorkflowAppInfo {
  readonly appName: string;
  readonly namespace: string;
  /** Revision name (`app-v2`); a run whose `status.appRevision` differs is replaced by a fresh one. */
  readonly appRevision: string;
  readonly appRevisionNum?: number;
  readonly publishVersion?: string;
  /** Component names in declaration order (what `deploy` applies). */
  readonly components?: readonly string[];
}

/** `context` of a step: the app plus the step's own identity (KubeVela's process context). */
export interface StepProcessContext extends WorkflowAppInfo {
  readonly workflowName: string;
  readonly stepName: string;
  /** The step's id in this run; stable across re-executions, new after a restart. */
  readonly stepSessionID: string;
}

/** Options of {@link StepHooks.applyComponent}. */
export interface ApplyComponentOptions {
  /** Merged over the component's properties (from the step's `parameter.properties`, e.g. via inputs). */
  readonly properties?: JsonObject;
  readonly namespace?: string;
  readonly cluster?: string;
  /** One of the step's placements ({@link StepHooks.placements}): the component as overridden there, in its cluster and namespace. */
  readonly placement?: string;
}

/** Where a `deploy` step deploys, one entry per cluster and namespace its topology policies select. */
export interface StepPlacement {
  /** What {@link ApplyComponentOptions.placement} names it by. */
  readonly id: string;
  readonly cluster: string;
  readonly namespace: string;
  /** The components deployed there (an override's `selector` narrows them), in declaration order. */
  readonly components: readonly string[];
}

/** What {@link StepHooks.applyComponent} reports. */
export interface ApplyComponentResult {
  readonly applied: boolean;
  /** Workload and every trait healthy. */
  readonly healthy: boolean;
  readonly message?: string;
  /** The live main object (the step value's `output`). */
  readonly output?: JsonObject;
  /** Live auxiliary objects by output name (the step value's `outputs`). */
  readonly outputs?: Readonly<Record<string, JsonObject>>;
}

/** A request for {@link StepHooks.http}. */
export interface HttpRequest {
  readonly url: string;
  /** @default "POST" when a body is given, else "GET" */
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The request fails after this long. @default 10 s */
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * The effects the reconciler implements for steps. Runners never touch the network, disk or clock
 * except through these and `StepContext.clock`.
 */
export interface StepHooks {
  readonly cluster: Cluster;
  /**
   * Applies the named component's rendered objects (idempotent: server-side apply) and reports
   * health, traits included.
   */
  applyComponent(name: string, options?: ApplyComponentOptions): Promise<ApplyComponentResult>;
  /**
   * The placements of a `deploy` step that names topology or override policies (KubeVela's
   * multi-cluster deploy); undefined when the step deploys every component to the app's own cluster
   * and namespace. @default none
   */
  placements?(stepName: string): readonly StepPlacement[] | undefined;
  /**
   * Applies one object a step writes by itself (`apply` actions: server-side apply as vela-ts,
   * recorded for `delete`). @default `cluster.apply`
   */
  applyObject?(object: KubeObject): Promise<KubeObject>;
  /** Renders a user WorkflowStepDefinition's `actions` for the given parameter and context. */
  renderActions?(
    definitionName: string,
    parameter: JsonObject,
    context: StepProcessContext,
  ): JsonValue[] | Promise<JsonValue[]>;
  /**
   * A user WorkflowStepDefinition written in CUE, ready to run: its parameter checked and defaulted,
   * the `context` its template sees and the app's components; undefined when the type has no CUE
   * template (the `actions` runner takes it). Throws a ValidationError for a bad parameter.
   */
  cueStep?(type: string, parameter: JsonObject, context: StepProcessContext): CueStepSource | undefined;
  /** Sends an HTTP request (`notification`, `http` actions). */
  http(request: HttpRequest): Promise<HttpResponse>;
  /**
   * KubeVela's `vela/metrics` `#PromCheck` for a step written in CUE: reads the metric and applies
   * its timing from `times` (since when the condition has held or failed, as the last check left
   * them). Absent where metrics cannot be read.
   */
  readonly promCheck?: (params: JsonObject, times: JsonObject) => Promise<MetricCheckOutcome>;
  log?(message: string): void;
  /**
   * Before a DAG round: the steps certain to run next, in the order they will run (the list ends
   * where a step might not run, or might make a later one wait). Lets the reconciler record what
   * they will apply in one write instead of one per step. @default nothing
   */
  beforeSteps?(steps: readonly ScheduledStep[]): Promise<void>;
}

/** A step {@link StepHooks.beforeSteps} announces: its spec and the parameter it will run with. */
export interface ScheduledStep {
  readonly name: string;
  readonly type: string;
  readonly parameter: JsonObject;
}

/** What one `#PromCheck` gives: its `$returns`, the times to keep for the next check, when to check again. */
export interface MetricCheckOutcome {
  readonly returns: JsonObject;
  readonly times: JsonObject;
  /** RFC 3339: when the next measurement is due. */
  readonly recheckAt: string;
}

/** Everything a step runner sees. */
export interface StepContext extends StepHooks {
  readonly clock: Clock;
  /** The step's properties with its inputs written at their `parameterKey`. */
  readonly parameter: JsonObject;
  /** Values of the step's inputs by `from` name. */
  readonly inputs: Readonly<JsonObject>;
  readonly context: StepProcessContext;
  /** Workflow variables (outputs of earlier steps), read-only. */
  readonly variables: Readonly<JsonObject>;
  /** Status of every step and sub-step by name. */
  readonly stepStatus: Readonly<Record<string, StepStatus>>;
  /** What this step returned as `memory` last time (empty at first). */
  readonly memory: Readonly<JsonObject>;
  /** Set when this step already suspended in this run and has since been resumed. */
  readonly suspendedAt?: string;
  /** Only for `step-group`: advance the sub-steps and return their statuses. */
  readonly subSteps?: SubStepDriver;
}

/** Given to a `step-group` runner by the engine. */
export interface SubStepDriver {
  advance(): Promise<readonly StepStatus[]>;
}

/** A step as the engine hands it to a runner. */
export interface BoundStep {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** The group this sub-step belongs to. */
  readonly parent?: string;
  readonly spec: WorkflowStepSpec;
}

/** Runs one step type (`StepRunner` of STYLE §8, KubeVela's TaskRunner). Must be idempotent. */
export interface StepRunner {
  readonly type: string;
  run(step: BoundStep, ctx: StepContext): Promise<StepOutcome>;
}
