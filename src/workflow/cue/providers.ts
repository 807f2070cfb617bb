import { compileCuePackage, type CuePackage } from "../../cue/index.js";
import { InternalError } from "../../errors/index.js";
import type { JsonObject } from "../../util/index.js";
import type { StepContext } from "../types.js";

/**
 * Step providers: what a task's `#provider` + `#do` runs. The registry maps import paths to the CUE
 * package a template imports, and provider names to their functions, so another package is one
 * {@link withStepProvider} call.
 */

/** What a provider function sees besides its parameters. */
export interface ProviderCall {
  /** The task's input: `$params` (current packages) or the task's own fields (legacy `vela/op`). */
  readonly params: JsonObject;
  /** Dotted path of the task in the template (`webhook.http`), for messages. */
  readonly taskPath: string;
  readonly step: StepContext;
  /** The application's components by name (what `op.#Load` gives). */
  readonly components: Readonly<Record<string, JsonObject>>;
  /** What this task keeps between executions of its step. */
  readonly memory: TaskMemory;
}

/**
 * A task's memory across executions of its step (kept in the step's status, so it survives a crash
 * and is read from any shell): e.g. since when a metric condition has held. It is dropped when the
 * step finishes.
 */
export interface TaskMemory {
  /** What the task kept last time, or undefined. */
  get(): JsonObject | undefined;
  set(value: JsonObject): void;
  /** Asks for the step to run again by `timestamp` (RFC 3339) if it ends this execution waiting. */
  recheckBy(timestamp: string): void;
}

/**
 * What a provider returns: a result (filled into `$returns`, or merged into a legacy task as
 * `legacy` maps it), or a wait (the step stays running with reason Wait and runs again later).
 */
export type ProviderResult =
  { readonly kind: "returns"; readonly returns: JsonObject } | { readonly kind: "wait"; readonly message: string };

/** One action of a provider. */
export interface ProviderAction {
  run(call: ProviderCall): Promise<ProviderResult>;
  /** How the result sits on a legacy task (`vela/op`): @default the result's fields, as they are */
  legacy?(returns: JsonObject): JsonObject;
}

/** A provider package: the CUE a template imports and the actions its tasks run. */
export interface StepProvider {
  /** Import path (`vela/kube`). */
  readonly path: string;
  /** CUE source of the package. */
  readonly source: string;
  /** Packages the source imports (by path), from the same registry. @default [] */
  readonly imports?: readonly string[];
  /** Actions by provider name and `#do` (`{kube: {apply: …}}`); several packages may share a provider. */
  readonly actions: Readonly<Record<string, Readonly<Record<string, ProviderAction>>>>;
}

/** Import paths KubeVela templates use that vela-ts knows of but does not provide (yet), with why. */
export const UNAVAILABLE_PROVIDERS: Readonly<Record<string, string>> = {
  "vela/email": "sending email is not available in vela-ts",
  "vela/config": "KubeVela config management is not available in vela-ts",
  "vela/terraform": "Terraform providers are cloud-only and not supported",
  "vela/multicluster": "multi-cluster placement is not available in vela-ts",
  "vela/query": "the query provider is not available in vela-ts",
  "vela/time": "the time provider is not available in vela-ts",
};

/** The providers a step template may import. */
export interface StepProviderRegistry {
  /** Providers by import path. */
  readonly providers: ReadonlyMap<string, StepProvider>;
  /** Compiled packages by import path (compiled on first use). */
  packages(): ReadonlyMap<string, CuePackage>;
  /** The action for a task's `#provider` and `#do`, or undefined. */
  action(provider: string, action: string): ProviderAction | undefined;
}

/** A registry of the given providers; a later one replaces an earlier one with the same path. */
export function createStepProviderRegistry(providers: readonly StepProvider[]): StepProviderRegistry {
  const byPath = new Map(providers.map((provider) => [provider.path, provider]));
  const actions = new Map<string, ProviderAction>();
  for (const provider of byPath.values())
    for (const [name, table] of Object.entries(provider.actions))
      for (const [action, run] of Object.entries(table)) actions.set(`${name}\u0000${action}`, run);
  let compiled: Map<string, CuePackage> | undefined;
  const compileAll = (): Map<string, CuePackage> => {
    const done = new Map<string, CuePackage>();
    const visit = (path: string, trail: readonly string[]): CuePackage => {
      const found = done.get(path);
      if (found !== undefined) return found;
      const provider = byPath.get(path);
      if (provider === undefined || trail.includes(path))
        throw new InternalError(`step provider package ${path} is missing or imports itself (${trail.join(" → ")})`);
      const deps: Record<string, CuePackage> = {};
      for (const dep of provider.imports ?? []) deps[dep] = visit(dep, [...trail, path]);
      const pkg = compileCuePackage(path, { file: `${path}.cue`, text: provider.source }, { packages: deps });
      done.set(path, pkg);
      return pkg;
    };
    for (const path of byPath.keys()) visit(path, []);
    return done;
  };
  return {
    providers: byPath,
    packages: () => (compiled ??= compileAll()),
    action: (provider, action) => actions.get(`${provider}\u0000${action}`),
  };
}

/** A copy of `registry` with `provider` added (or replacing the one with the same path). */
export function withStepProvider(registry: StepProviderRegistry, provider: StepProvider): StepProviderRegistry {
  return createStepProviderRegistry([...registry.providers.values(), provider]);
}

/** Why an import cannot be used in a step template, or undefined when the registry provides it. */
export function missingProvider(registry: StepProviderRegistry, path: string): string | undefined {
  if (registry.providers.has(path) || !path.startsWith("vela/")) return undefined;
  const known = UNAVAILABLE_PROVIDERS[path];
  const available = [...registry.providers.keys()].sort().join(", ");
  return known === undefined
    ? `provider package "${path}" is not known to vela-ts (available: ${available})`
    : `provider "${path}" is not available: ${known} (available: ${available})`;
}
