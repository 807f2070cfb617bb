import type { Cluster, PatchBody } from "../../src/cluster/cluster.js";
import type { KubeObject, ObjectRef } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/index.js";
import type { JsonObject, JsonValue } from "../../src/util/index.js";
import {
  advanceWorkflow,
  builtinStepRegistry,
  createStepRegistry,
  type AdvanceResult,
  type ApplyComponentResult,
  type BoundStep,
  type EngineContext,
  type StepContext,
  type StepHooks,
  type StepOutcome,
  type StepRegistry,
  type StepRunner,
  type WorkflowSpec,
  type WorkflowStatus,
} from "../../src/workflow/index.js";

export const START = "2026-01-01T00:00:00Z";

/** Everything the fake steps did, in order: `effect:<step>` and `save:<n>` entries. */
export interface Journal {
  readonly events: string[];
  readonly params: Record<string, JsonObject>;
}

export function newJournal(): Journal {
  return { events: [], params: {} };
}

/**
 * Fake step types, parsed from the type name (the registry fallback):
 * `ok` · `fail` (fails for good) · `flaky` (always fails, retryable) · `fail-then-ok:N` · `wait:N`
 * (running N times, then succeeds) · `hang` (always running) · `out:<json>` (succeeds returning the
 * JSON as its value) · `echo` (succeeds returning its parameter) · `terminate` · `skip`.
 * Each execution that has an effect logs `effect:<step>`; the run count per step is in `runs`.
 */
export function fakeRunner(journal: Journal): StepRunner {
  const runs = new Map<string, number>();
  const outcome = (step: BoundStep, ctx: StepContext): StepOutcome => {
    const count = (runs.get(step.name) ?? 0) + 1;
    runs.set(step.name, count);
    journal.params[step.name] = ctx.parameter;
    const [kind, arg] = step.type.split(/:(.*)/s) as [string, string | undefined];
    const attempts = Number(ctx.memory["attempts"] ?? 0) + 1;
    switch (kind) {
      case "ok":
      case "echo":
        journal.events.push(`effect:${step.name}`);
        return { kind: "succeeded", outputs: ctx.parameter };
      case "out":
        journal.events.push(`effect:${step.name}`);
        return { kind: "succeeded", outputs: JSON.parse(arg ?? "{}") as JsonObject };
      case "fail":
        return { kind: "failed", retryable: false, message: "it broke" };
      case "flaky":
        return { kind: "failed", retryable: true, message: "connection refused" };
      case "fail-then-ok": {
        const failures = Number(arg);
        // Counts attempts in the cluster-like journal, not in memory: failures leave no memory data.
        const tries = journal.events.filter((event) => event === `try:${step.name}`).length + 1;
        journal.events.push(`try:${step.name}`);
        if (tries <= failures) return { kind: "failed", retryable: true, message: `attempt ${tries} failed` };
        journal.events.push(`effect:${step.name}`);
        return { kind: "succeeded" };
      }
      case "wait": {
        if (attempts <= Number(arg))
          return {
            kind: "running",
            reason: "Wait",
            message: `waiting (${attempts}/${arg ?? ""})`,
            memory: { attempts },
          };
        journal.events.push(`effect:${step.name}`);
        return { kind: "succeeded" };
      }
      case "hang":
        return { kind: "running", reason: "Wait", message: "still going" };
      case "terminate":
        return { kind: "terminated", message: "enough" };
      case "skip":
        return { kind: "skipped", message: "nothing to do" };
      default:
        throw new Error(`unknown fake step type ${step.type}`);
    }
  };
  // Like an async runner: a throw becomes a rejected promise.
  return { type: "*", run: (step, ctx) => new Promise((resolve) => resolve(outcome(step, ctx))) };
}

/** The built-in runners (suspend, step-group…) with the fake types as fallback. */
export function fakeRegistry(journal: Journal): StepRegistry {
  const builtins = builtinStepRegistry();
  return createStepRegistry([...builtins.runners.values()], { fallback: fakeRunner(journal) });
}

function unused(): never {
  throw new Error("not used in this test");
}

function unusedAsync(): Promise<never> {
  return Promise.reject(new Error("not used in this test"));
}

/** Hooks for tests that do not touch components, HTTP or the cluster. */
export function noHooks(overrides: Partial<StepHooks> = {}): StepHooks {
  return {
    cluster: new MemoryCluster(),
    applyComponent: (): Promise<ApplyComponentResult> => unusedAsync(),
    http: () => unusedAsync(),
    ...overrides,
  };
}

export interface Harness {
  readonly clock: FakeClock;
  readonly journal: Journal;
  readonly saves: WorkflowStatus[];
  status: WorkflowStatus | undefined;
  /** One reconcile: advance from the last status. */
  advance(spec: WorkflowSpec): Promise<AdvanceResult>;
  ctx(): EngineContext;
}

export function harness(
  options: { readonly hooks?: StepHooks; readonly registry?: StepRegistry; readonly maxRetries?: number } = {},
): Harness {
  const clock = new FakeClock(START);
  const journal = newJournal();
  const saves: WorkflowStatus[] = [];
  const h: Harness = {
    clock,
    journal,
    saves,
    status: undefined,
    ctx: () => ({
      clock,
      registry: options.registry ?? fakeRegistry(journal),
      app: { appName: "demo", namespace: "default", appRevision: "demo-v1", components: ["api", "web"] },
      hooks: options.hooks ?? noHooks(),
      saveStatus: (status) => {
        saves.push(status);
        journal.events.push(`save:${saves.length - 1}`);
        return Promise.resolve();
      },
      ...(options.maxRetries === undefined ? {} : { retry: { maxRetries: options.maxRetries } }),
    }),
    async advance(spec) {
      const result = await advanceWorkflow(spec, h.status, h.ctx());
      h.status = result.status;
      return result;
    },
  };
  return h;
}

const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g;

/** Timestamps → `+Ns` from {@link START}, step ids → `<id>`, so whole statuses read well in tests. */
export function normalise<T>(value: T): T {
  const start = Date.parse(START);
  const walk = (node: unknown, key?: string): unknown => {
    if (typeof node === "string") {
      if (key === "id") return "<id>";
      return node.replace(TIMESTAMP, (stamp) => `+${(Date.parse(stamp) - start) / 1000}s`);
    }
    if (Array.isArray(node)) return node.map((item) => walk(item));
    if (node !== null && typeof node === "object")
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, k)]));
    return node;
  };
  return walk(value) as T;
}

/** A step status as tests write it: id placeholder and the given fields. */
export function st(
  name: string,
  type: string,
  phase: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id: "<id>", name, type, phase, ...extra };
}

/** Runs `advance` until finished, moving the clock to each wake-up time; at most `limit` calls. */
export async function runToEnd(h: Harness, spec: WorkflowSpec, limit = 50): Promise<AdvanceResult> {
  let result = await h.advance(spec);
  for (let i = 0; i < limit && !result.status.finished && !result.waitingForPerson; i++) {
    if (result.nextWakeAt !== undefined) {
      const wait = Date.parse(result.nextWakeAt) - h.clock.now().getTime();
      if (wait > 0) h.clock.advance(wait);
    }
    result = await h.advance(spec);
  }
  return result;
}

function key(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

/** A tiny in-memory Cluster: enough for steps that apply, read and delete objects. */
export class MemoryCluster implements Cluster {
  readonly kind = "sandbox" as const;
  readonly objects = new Map<string, KubeObject>();
  readonly writes: string[] = [];

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const found = this.objects.get(key(ref));
    return Promise.resolve(found === undefined ? undefined : structuredClone(found));
  }
  list(apiVersion: string, kind: string): Promise<KubeObject[]> {
    const objects = [...this.objects.values()];
    return Promise.resolve(objects.filter((object) => object.apiVersion === apiVersion && object.kind === kind));
  }
  apply(object: KubeObject): Promise<KubeObject> {
    const ref = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? "",
      ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    };
    const existing = this.objects.get(key(ref));
    const merged = { ...(existing ?? {}), ...structuredClone(object) };
    this.objects.set(key(ref), merged);
    this.writes.push(`apply ${ref.kind}/${ref.name}`);
    return Promise.resolve(structuredClone(merged));
  }
  async create(object: KubeObject): Promise<KubeObject> {
    return this.apply(object);
  }
  async update(object: KubeObject): Promise<KubeObject> {
    return this.apply(object);
  }
  async updateStatus(object: KubeObject): Promise<KubeObject> {
    return this.apply(object);
  }
  patch(_ref: ObjectRef, _body: PatchBody): Promise<KubeObject> {
    return unusedAsync();
  }
  patchStatus(_ref: ObjectRef, _body: PatchBody): Promise<KubeObject> {
    return unusedAsync();
  }
  delete(ref: ObjectRef): Promise<boolean> {
    this.writes.push(`delete ${ref.kind}/${ref.name}`);
    return Promise.resolve(this.objects.delete(key(ref)));
  }
  watch(): AsyncIterable<never> {
    return unused();
  }
  /** Sets a field directly, as a controller would. */
  set(ref: ObjectRef, field: string, value: JsonValue): void {
    const object = this.objects.get(key(ref));
    if (object === undefined) throw new Error(`no ${key(ref)}`);
    object[field] = value;
  }
}
