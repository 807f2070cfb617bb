import { existsSync } from "node:fs";
import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION, LABEL_APP_COMPONENT, LABEL_APP_NAME } from "../model/labels.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND, statusOf } from "../reconciler/application-object.js";
import { canaryProgressOf, type CanaryProgress } from "./canary-progress.js";
import { KRUISE_ROLLOUT_API_VERSIONS } from "../rollout/rollout-coupling.js";
import { resolveSandboxDir, targetsKube, withTarget, type TargetOptions } from "../target/target.js";

/** Options of {@link listApplications}. */
export interface AppListOptions extends TargetOptions {
  /** Only this namespace's Applications; ignored with `allNamespaces`. @default "default" */
  readonly namespace?: string;
  /** Every namespace (`-A`). @default false */
  readonly allNamespaces?: boolean;
}

/** One component of a listed app: its type and traits (spec) and its health (`status.services`). */
export interface AppListComponent {
  readonly name: string;
  readonly type: string;
  readonly traits: readonly string[];
  /** Absent until the component was applied and its health read. */
  readonly healthy?: boolean;
  readonly message?: string;
  /** The Kruise Rollout of this component, if it has one. */
  readonly canary?: CanaryProgress;
}

/** One Application as `vela-ts ls` shows it (KubeVela's `vela ls` plus revision, workflow and canary). */
export interface AppListEntry {
  readonly name: string;
  readonly namespace: string;
  readonly createdAt?: string;
  /** `status.status`: running, runningWorkflow, workflowSuspending, workflowFailed… (absent before the first reconcile). */
  readonly phase?: string;
  /** `status.latestRevision.name`. */
  readonly revision?: string;
  readonly publishVersion?: string;
  readonly workflow?: {
    readonly status: string;
    readonly message?: string;
    /** Steps that succeeded or were skipped, of all steps. */
    readonly done: number;
    readonly total: number;
    /** The step running or suspending now, with its phase and message. */
    readonly current?: { readonly name: string; readonly phase: string; readonly message?: string };
  };
  readonly components: readonly AppListComponent[];
  /** The stored Application with its status, without `managedFields` (what `-o json|yaml` print). */
  readonly application: KubeObject;
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function list(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function workflowOf(status: JsonObject): AppListEntry["workflow"] {
  const workflow = status.workflow;
  if (!isJsonObject(workflow)) return undefined;
  const steps = list(workflow.steps);
  const current = steps.find((step) => step.phase === "running" || step.phase === "suspending");
  const message = text(workflow.message);
  const currentMessage = current === undefined ? undefined : text(current.message);
  return {
    status: text(workflow.status) ?? "initializing",
    ...(message === undefined ? {} : { message }),
    done: steps.filter((step) => step.phase === "succeeded" || step.phase === "skipped").length,
    total: steps.length,
    ...(current === undefined
      ? {}
      : {
          current: {
            name: text(current.name) ?? "",
            phase: text(current.phase) ?? "",
            ...(currentMessage === undefined ? {} : { message: currentMessage }),
          },
        }),
  };
}

function componentsOf(app: KubeObject, status: JsonObject, rollouts: readonly KubeObject[]): AppListComponent[] {
  const services = new Map(list(status.services).map((service) => [text(service.name) ?? "", service] as const));
  const spec = isJsonObject(app.spec) ? app.spec : {};
  return list(spec.components).map((component) => {
    const name = text(component.name) ?? "";
    const service = services.get(name);
    const message = service === undefined ? undefined : text(service.message);
    const rollout = rollouts.find((candidate) => candidate.metadata.labels?.[LABEL_APP_COMPONENT] === name);
    return {
      name,
      type: text(component.type) ?? "",
      traits: list(component.traits).map((trait) => text(trait.type) ?? ""),
      ...(service === undefined ? {} : { healthy: service.healthy === true }),
      ...(message === undefined ? {} : { message }),
      ...(rollout === undefined ? {} : { canary: canaryProgressOf(rollout, []) }),
    };
  });
}

function entryOf(app: KubeObject, rollouts: readonly KubeObject[]): AppListEntry {
  const status = statusOf(app);
  const latest = status.latestRevision;
  const revision = isJsonObject(latest) ? text(latest.name) : undefined;
  const publishVersion = app.metadata.annotations?.[ANNOTATION_PUBLISH_VERSION];
  const phase = text(status.status);
  const workflow = workflowOf(status);
  const name = app.metadata.name ?? "";
  const namespace = app.metadata.namespace ?? "default";
  const { managedFields: _managedFields, ...metadata } = app.metadata;
  const own = rollouts.filter(
    (rollout) =>
      rollout.metadata.labels?.[LABEL_APP_NAME] === name && (rollout.metadata.namespace ?? "default") === namespace,
  );
  return {
    name,
    namespace,
    ...(app.metadata.creationTimestamp === undefined ? {} : { createdAt: app.metadata.creationTimestamp }),
    ...(phase === undefined ? {} : { phase }),
    ...(revision === undefined ? {} : { revision }),
    ...(publishVersion === undefined ? {} : { publishVersion }),
    ...(workflow === undefined ? {} : { workflow }),
    components: componentsOf(app, status, own),
    application: { ...app, metadata },
  };
}

/** The Kruise Rollouts of a namespace (or all); none when the cluster does not serve the kind. */
async function listRollouts(cluster: Cluster, namespace: string | undefined): Promise<KubeObject[]> {
  try {
    return await cluster.list(KRUISE_ROLLOUT_API_VERSIONS[0], "Rollout", {
      ...(namespace === undefined ? {} : { namespace }),
    });
  } catch (error) {
    if (error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED") return [];
    throw error;
  }
}

/**
 * `vela-ts ls`: the Applications of a namespace (or all), each with its components, phase, latest
 * revision, workflow progress and Kruise canary step, as last reconciled. Only reads: unlike
 * `status`, it does not run apps to a fixed point first.
 */
export async function listApplications(
  options: AppListOptions,
): Promise<{ readonly target: string; readonly apps: readonly AppListEntry[] }> {
  const namespace = options.allNamespaces === true ? undefined : (options.namespace ?? "default");
  // Listing is no reason to create a sandbox in the working directory.
  if (!targetsKube(options) && !existsSync(resolveSandboxDir(options)))
    return { target: `sandbox ${resolveSandboxDir(options)}`, apps: [] };
  return withTarget(options, async (target) => {
    const apps = await target.cluster.list(APPLICATION_API_VERSION, APPLICATION_KIND, {
      ...(namespace === undefined ? {} : { namespace }),
    });
    const rollouts = apps.length === 0 ? [] : await listRollouts(target.cluster, namespace);
    const entries = apps.map((app) => entryOf(app, rollouts));
    entries.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return { target: target.description, apps: entries };
  });
}
