import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import type {
  ChartCatalog,
  ControllerEnv,
  SimulatedAdmission,
  SimulatedController,
} from "../../src/cluster/sandbox/controller-contract.js";
import { SIMULATED_ADMISSIONS, SIMULATED_CONTROLLERS } from "../../src/cluster/sandbox/controllers/index.js";
import { ChangeTracker } from "../../src/cluster/sandbox/change-feed.js";
import { MemoryObjectStore } from "../../src/cluster/sandbox/store/memory-store.js";
import { DEFAULT_SANDBOX_ADDONS } from "../../src/cluster/sandbox/store/metadata.js";
import { seededRandom } from "../../src/cluster/sandbox/store/random.js";
import { assertConverged, nextWakeAt, settle, type SettleResult } from "../../src/cluster/sandbox/runner.js";

export interface MemorySandboxOptions {
  /** @default new FakeClock() (2026-01-01T00:00:00Z) */
  readonly clock?: FakeClock;
  /** Seed of uids, generateName suffixes and `env.random()`. @default "0" */
  readonly seed?: string;
  /** Objects put in first, each by server-side apply with field manager "vela-ts" (status kept as given). @default [] */
  readonly objects?: readonly KubeObject[];
  /** @default SIMULATED_CONTROLLERS */
  readonly controllers?: readonly SimulatedController[];
  /** @default SIMULATED_ADMISSIONS */
  readonly admissions?: readonly SimulatedAdmission[];
  /** @default fluxcd, kruise-rollout, ingress-nginx, istio */
  readonly enabledAddons?: Iterable<string>;
  /** `env.charts`. @default undefined */
  readonly charts?: ChartCatalog;
  /** @default 200 */
  readonly maxPasses?: number;
  /**
   * Run every controller over the whole store each pass (the reference the change feed's keyed
   * passes must equal) instead of visiting only what changed. @default false
   */
  readonly fullPasses?: boolean;
}

export interface MemorySandbox {
  readonly store: MemoryObjectStore;
  readonly clock: FakeClock;
  /** The ControllerEnv a settle now would use (now = clock.now()). */
  env(): ControllerEnv;
  /** Runs the controllers to a fixed point; throws E_SANDBOX_NOT_CONVERGED when they do not get there. */
  settle(): SettleResult;
  /** Like settle, but returns a non-converged result instead of throwing. */
  settleUnchecked(): SettleResult;
  nextWakeAt(): Date | undefined;
}

/** An in-memory sandbox (store + runner + fake clock) for controller and workflow tests. */
export function memorySandbox(options: MemorySandboxOptions = {}): MemorySandbox {
  const clock = options.clock ?? new FakeClock();
  const seed = options.seed ?? "0";
  const enabledAddons = new Set(options.enabledAddons ?? DEFAULT_SANDBOX_ADDONS);
  const store = new MemoryObjectStore({
    clock,
    seed,
    admissions: options.admissions ?? SIMULATED_ADMISSIONS,
    enabledAddons,
  });
  for (const object of options.objects ?? []) store.apply(object);
  const controllers = options.controllers ?? SIMULATED_CONTROLLERS;
  const changes = options.fullPasses === true ? undefined : new ChangeTracker();
  changes?.follow(store);
  const env = (): ControllerEnv => ({
    now: clock.now(),
    random: seededRandom(`${seed}/env/${store.resourceVersion}`),
    enabledAddons: store.enabledAddons,
    ...(options.charts === undefined ? {} : { charts: options.charts }),
  });
  const settleUnchecked = (): SettleResult =>
    settle(store, {
      controllers,
      env: env(),
      ...(changes === undefined ? {} : { changes }),
      ...(options.maxPasses === undefined ? {} : { maxPasses: options.maxPasses }),
    });
  return {
    store,
    clock,
    env,
    settle() {
      const result = settleUnchecked();
      assertConverged(result);
      return result;
    },
    settleUnchecked,
    nextWakeAt: () => nextWakeAt(store, controllers, env(), changes),
  };
}
