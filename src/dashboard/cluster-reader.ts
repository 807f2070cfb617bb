import {
  APPLICATION_API_VERSION,
  APPLICATION_KIND,
  KRUISE_ROLLOUT_API_VERSIONS,
  openTarget,
  resolveSandboxDir,
  targetsKube,
  type Target,
  type TargetOptions,
} from "../operations/index.js";
import { NotFoundError, VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/index.js";
import type { Clock } from "../util/index.js";
import type { AppDetailView, AppGone, AppListView, ClusterHealth } from "./api-types.js";
import { readAppDetail } from "./app-detail.js";
import { summarizeApplications } from "./app-list.js";

/**
 * How the dashboard reads the cluster: the sandbox is opened for each read and closed right after
 * (its lock is never held between requests, so CLI commands in other shells keep working); a real
 * cluster's connection is kept and opened again after it failed. Every read records whether the
 * cluster answered, for the page's banner.
 */

/** An application by namespace and name. */
export interface AppKey {
  readonly namespace: string;
  readonly name: string;
}

/** `namespace/name`. */
export function appKeyString(key: AppKey): string {
  return `${key.namespace}/${key.name}`;
}

/** What one refresh reads. */
export interface ViewRequest {
  readonly apps: boolean;
  readonly details: readonly AppKey[];
}

/** What one refresh read. */
export interface ViewResult {
  readonly apps?: AppListView;
  /** By `namespace/name`. */
  readonly details: ReadonlyMap<string, AppDetailView | AppGone>;
  /** The earliest time a shown release moves by itself (a timed step, a grace period), in ms. */
  readonly wakeAt?: number;
}

/** Options of {@link ClusterReader}. */
export interface ClusterReaderOptions {
  readonly target: TargetOptions;
  /** Show only this namespace. @default all namespaces */
  readonly namespace?: string;
  readonly clock: Clock;
  /** Told when the cluster's health changes (reachable ↔ not). */
  readonly onHealth?: (health: ClusterHealth) => void;
}

function isKindMissing(error: unknown): boolean {
  return error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED";
}

/** Reads the dashboard's views from the sandbox or a real cluster. */
export class ClusterReader {
  readonly kind: "sandbox" | "kube";
  private kube: Promise<Target> | undefined;
  private healthValue: ClusterHealth;
  private descriptionValue: string;

  constructor(private readonly options: ClusterReaderOptions) {
    this.kind = targetsKube(options.target) ? "kube" : "sandbox";
    this.descriptionValue =
      this.kind === "sandbox"
        ? `sandbox ${resolveSandboxDir(options.target)}`
        : `cluster ${options.target.context ?? "(current context)"}${
            options.target.kubeconfig === undefined ? "" : ` of ${options.target.kubeconfig}`
          }`;
    this.healthValue = { reachable: true, checkedAt: this.now() };
  }

  /** `sandbox /path/.vela-ts`, or the cluster's context and server once it was reached. */
  get description(): string {
    return this.descriptionValue;
  }

  get health(): ClusterHealth {
    return this.healthValue;
  }

  /** The sandbox directory, when the target is the sandbox. */
  get sandboxDir(): string | undefined {
    return this.kind === "sandbox" ? resolveSandboxDir(this.options.target) : undefined;
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }

  private setHealth(health: ClusterHealth): void {
    const changed = health.reachable !== this.healthValue.reachable || health.message !== this.healthValue.message;
    this.healthValue = health;
    if (changed) this.options.onHealth?.(health);
  }

  private recordFailure(error: unknown): void {
    const vela = error instanceof VelaError ? error : undefined;
    this.setHealth({
      reachable: false,
      code: vela?.code ?? "E_INTERNAL",
      message: error instanceof Error ? error.message : String(error),
      ...(vela?.hint === undefined ? {} : { hint: vela.hint }),
      since: this.healthValue.reachable ? this.now() : (this.healthValue.since ?? this.now()),
      checkedAt: this.now(),
    });
  }

  /**
   * Runs `work` on the target: the sandbox opened (lock taken) for this call only, or the kept
   * connection of a real cluster. A failure marks the cluster unreachable (and drops a real
   * cluster's connection so the next read opens it again, reading a kubeconfig that may have changed).
   */
  async use<T>(work: (target: Target) => Promise<T>): Promise<T> {
    try {
      const value = this.kind === "kube" ? await this.useKube(work) : await this.useSandbox(work);
      this.setHealth({ reachable: true, checkedAt: this.now() });
      return value;
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.recordFailure(error);
      throw error;
    }
  }

  private async useSandbox<T>(work: (target: Target) => Promise<T>): Promise<T> {
    const target = await openTarget(this.options.target);
    try {
      this.descriptionValue = `sandbox ${resolveSandboxDir(this.options.target)}`;
      return await work(target);
    } finally {
      target.close();
    }
  }

  private async useKube<T>(work: (target: Target) => Promise<T>): Promise<T> {
    // One connection for every concurrent reader and watch: the first caller opens it.
    const opening = (this.kube ??= openTarget(this.options.target));
    let target: Target;
    try {
      target = await opening;
    } catch (error) {
      if (this.kube === opening) this.kube = undefined;
      throw error;
    }
    this.descriptionValue = target.description;
    try {
      return await work(target);
    } catch (error) {
      if (!(error instanceof NotFoundError) && this.kube === opening) {
        target.close();
        this.kube = undefined;
      }
      throw error;
    }
  }

  private async listKind(target: Target, apiVersion: string, kind: string): Promise<KubeObject[]> {
    try {
      return await target.cluster.list(
        apiVersion,
        kind,
        this.options.namespace === undefined ? {} : { namespace: this.options.namespace },
      );
    } catch (error) {
      if (isKindMissing(error)) return [];
      throw error;
    }
  }

  /** The application list: every Application (of the namespace) and the Rollouts that join them. */
  async readAppList(target: Target): Promise<AppListView> {
    const apps = await this.listKind(target, APPLICATION_API_VERSION, APPLICATION_KIND);
    const rollouts = apps.length === 0 ? [] : await this.listKind(target, KRUISE_ROLLOUT_API_VERSIONS[0], "Rollout");
    return { now: this.now(), apps: summarizeApplications(apps, rollouts) };
  }

  /** Whether an app is outside the namespace this dashboard shows. */
  isOutOfScope(key: AppKey): boolean {
    return this.options.namespace !== undefined && key.namespace !== this.options.namespace;
  }

  /** Reads every requested view under one opening of the target. */
  async readViews(request: ViewRequest): Promise<ViewResult> {
    return this.use(async (target) => {
      const details = new Map<string, AppDetailView | AppGone>();
      let wakeAt: number | undefined;
      for (const key of request.details) {
        const gone: AppGone = { now: this.now(), name: key.name, namespace: key.namespace, gone: true };
        if (this.isOutOfScope(key)) {
          details.set(appKeyString(key), gone);
          continue;
        }
        try {
          const view = await readAppDetail(target, key.name, key.namespace);
          details.set(appKeyString(key), view);
          const wake = view.stop === "quiet" && view.nextWakeAt !== undefined ? Date.parse(view.nextWakeAt) : NaN;
          if (Number.isFinite(wake)) wakeAt = Math.min(wakeAt ?? wake, wake);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          details.set(appKeyString(key), gone);
        }
      }
      // The list is read after the details, so it shows what driving the shown apps changed.
      const apps = request.apps ? await this.readAppList(target) : undefined;
      return { ...(apps === undefined ? {} : { apps }), details, ...(wakeAt === undefined ? {} : { wakeAt }) };
    });
  }

  /** Closes a real cluster's kept connection. */
  close(): void {
    void this.kube?.then(
      (target) => target.close(),
      () => undefined,
    );
    this.kube = undefined;
  }
}
