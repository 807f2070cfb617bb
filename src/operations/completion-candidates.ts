import { existsSync } from "node:fs";
import type { Cluster } from "../cluster/cluster.js";
import { RESOURCE_TYPES } from "../cluster/resources.js";
import { listBundledAddons, type DefinitionType } from "../definitions/index.js";
import { openCommandSandbox } from "../target/addon-objects.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import { loadClusterRegistry } from "../reconciler/definitions-for-app.js";
import { detectClusterAddons } from "../target/kube-addons.js";
import { kubeTargetOf, openKubeTarget } from "../target/kube-target.js";
import { listApplicationRevisions, revisionRecordOf } from "../reconciler/revision-objects.js";
import { resolveSandboxDir, targetsKube, type TargetOptions } from "../target/target.js";

/** What a shell completes from the target cluster (or from vela-ts's own catalogue). */
export type CompletionSource =
  | { readonly kind: "apps"; readonly namespace: string }
  | { readonly kind: "revisions"; readonly app: string; readonly namespace: string }
  | { readonly kind: "namespaces" }
  | { readonly kind: "definitions"; readonly type?: DefinitionType }
  | { readonly kind: "addons" }
  | { readonly kind: "contexts" }
  | { readonly kind: "resources" };

/** One completion: the word and a short description (shown by zsh and fish). */
export interface CompletionCandidate {
  readonly value: string;
  readonly description?: string;
}

/** A shell waits on completion: a sandbox another command holds, or a slow cluster, must not make it hang. */
const LOCK_TIMEOUT_MS = 500;
const KUBE_TIMING = { reachDeadlineMs: 1500, connectTimeoutMs: 1000, responseTimeoutMs: 2000 } as const;

/** Runs `read` on the target cluster, if there is one to read: never creates a sandbox. */
async function readCluster<T>(
  options: TargetOptions,
  read: (cluster: Cluster, enabledAddons: () => Promise<readonly string[]>) => Promise<T>,
): Promise<T | undefined> {
  if (targetsKube(options)) {
    const kube = await openKubeTarget({
      env: options.env ?? {},
      cluster: KUBE_TIMING,
      ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
      ...(options.context === undefined ? {} : { context: options.context }),
    });
    try {
      return await read(kube, () => detectClusterAddons(kube));
    } finally {
      kube.close();
    }
  }
  const dir = resolveSandboxDir(options);
  if (!existsSync(dir)) return undefined;
  const sandbox = await openCommandSandbox({
    dir,
    clock: options.clock,
    command: "vela-ts completion",
    lockTimeoutMs: LOCK_TIMEOUT_MS,
  });
  try {
    return await read(sandbox, () => Promise.resolve([...sandbox.enabledAddons]));
  } finally {
    sandbox.close();
  }
}

async function candidatesOf(source: CompletionSource, options: TargetOptions): Promise<CompletionCandidate[]> {
  switch (source.kind) {
    case "apps": {
      const apps = await readCluster(options, (cluster) =>
        cluster.list(APPLICATION_API_VERSION, APPLICATION_KIND, { namespace: source.namespace }),
      );
      return (apps ?? []).map((app) => ({
        value: app.metadata.name ?? "",
        description: `Application in ${app.metadata.namespace ?? source.namespace}`,
      }));
    }
    case "revisions": {
      const revisions = await readCluster(options, (cluster) =>
        listApplicationRevisions(cluster, source.app, source.namespace),
      );
      return (revisions ?? []).map((revision) => {
        const record = revisionRecordOf(revision);
        return { value: String(record.number), description: record.name };
      });
    }
    case "namespaces": {
      const names = await readCluster(options, async (cluster) => {
        const namespaces = await cluster.list("v1", "Namespace").catch(() => []);
        const apps = await cluster.list(APPLICATION_API_VERSION, APPLICATION_KIND);
        return [...namespaces, ...apps].map((object) =>
          object.kind === "Namespace" ? (object.metadata.name ?? "") : (object.metadata.namespace ?? "default"),
        );
      });
      return [...new Set(["default", ...(names ?? [])])].sort().map((value) => ({ value }));
    }
    case "definitions": {
      // A sandbox not created yet starts with every bundled addon enabled.
      const enabled =
        (await readCluster(options, (_cluster, addons) => addons())) ?? listBundledAddons().map((addon) => addon.name);
      const { registry } = loadClusterRegistry({
        definitionDirs: options.definitionDirs ?? [],
        cwd: options.cwd,
        enabledAddons: [...enabled],
      });
      return registry
        .listByType(source.type)
        .map((definition) => ({ value: definition.name, description: definition.description }));
    }
    case "addons":
      return listBundledAddons().map((addon) => ({ value: addon.name, description: addon.description }));
    case "contexts": {
      const { loadKubeConfig } = await import("../cluster/kube/index.js");
      const loaded = loadKubeConfig(
        kubeTargetOf({
          env: options.env ?? {},
          ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
        }),
      );
      return loaded.config.getContexts().map((context) => ({ value: context.name, description: context.cluster }));
    }
    case "resources": {
      // Two groups may serve a plural (Kruise's and Argo's rollouts): one word, both kinds described.
      const kinds = new Map<string, string[]>();
      for (const type of RESOURCE_TYPES)
        kinds.set(type.plural, [
          ...(kinds.get(type.plural) ?? []),
          `${type.kind}${type.group === "" ? "" : ` (${type.group})`}`,
        ]);
      return [...kinds].map(([value, described]) => ({ value, description: described.join(", ") }));
    }
  }
}

/**
 * The candidates a shell offers for an argument (`vela-ts __complete …`): application names, revision
 * numbers, namespaces, definition names, addons, kubeconfig contexts, sandbox resource types. Completion
 * must never get in the way: anything that fails (no kubeconfig, an unreachable cluster, a sandbox
 * another command holds for more than half a second) gives no candidates rather than an error.
 */
export async function completionCandidates(
  source: CompletionSource,
  options: TargetOptions,
): Promise<readonly CompletionCandidate[]> {
  try {
    return (await candidatesOf(source, options)).filter((candidate) => candidate.value !== "");
  } catch {
    return [];
  }
}
