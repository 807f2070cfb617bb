/**
 * The `vela-ts sandbox …` operations (apply, get, delete, reset, repair): opening
 * the sandbox under its lock and turning objects into what the commands print. Long because each
 * subcommand's operation is short and they share the opening, lock and warning handling.
 */
import {
  ClusterError,
  ConflictError,
  NotFoundError,
  ValidationError,
  VelaError,
  type ValidationIssue,
} from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { groupOf, kubeObjectOf } from "../model/kube-object.js";
import { locateInSource, parseYamlDocuments, type YamlDocument } from "../model/parse-yaml.js";
import type { Clock, JsonValue } from "../util/index.js";
import { isJsonObject } from "../util/index.js";
import {
  apiVersionOf,
  findObjectIssues,
  formatAge,
  parseLabelSelector,
  qualifiedKindName,
  qualifiedResourceName,
  repairSandbox,
  resolveResource,
  type RepairReport,
  findWebhookIssues,
  SIMULATED_VALIDATIONS,
  type ResourceType,
  type SandboxCluster,
  type SettleResult,
} from "../cluster/index.js";
import { openCommandSandbox } from "../target/addon-objects.js";
import { resolveSandboxDir } from "../target/target.js";

export type { SandboxCluster };

/** What every `sandbox …` command needs: where the sandbox is and the injected clock. */
export interface SandboxCommandOptions {
  readonly cwd: string;
  /** `--sandbox DIR` */
  readonly sandboxDir?: string;
  /** `VELA_TS_SANDBOX` */
  readonly sandboxEnv?: string;
  readonly clock: Clock;
  /** Shown to other commands waiting for the sandbox lock, e.g. `vela-ts sandbox apply`. */
  readonly command: string;
}

/** A controller failure after settling, as a line for stderr. */
export type SandboxWarning = string;

function warningsOf(result: SettleResult): SandboxWarning[] {
  return result.errors.map((failure) => `controller ${failure.controller}: ${failure.error.message}`);
}

/**
 * Opens the sandbox for one command, runs `work`, settles the controllers when `settleAfter` says so
 * (so the command leaves the sandbox at a fixed point), and always releases the lock.
 */
export async function withSandbox<T>(
  options: SandboxCommandOptions,
  work: (sandbox: SandboxCluster) => Promise<T> | T,
  settleAfter = true,
): Promise<{ readonly value: T; readonly warnings: readonly SandboxWarning[] }> {
  const sandbox = await openCommandSandbox({
    dir: resolveSandboxDir(options),
    clock: options.clock,
    command: options.command,
  });
  try {
    const value = await work(sandbox);
    const warnings = settleAfter ? warningsOf(await sandbox.settle()) : [];
    return { value, warnings };
  } finally {
    sandbox.close();
  }
}

/** `deployment.apps/web`: how kubectl names an object in its output. */
export function describeObject(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  return `${qualifiedKindName({ kind: object.kind, group: groupOf(object.apiVersion) })}/${object.metadata.name ?? ""}`;
}

export interface SandboxApplyOptions extends SandboxCommandOptions {
  /** The YAML text (one or more documents; `kind: List` documents are expanded). */
  readonly text: string;
  /** The file name for messages (`<stdin>` for `-f -`). */
  readonly file: string;
  /** @default "sandbox-apply" */
  readonly fieldManager?: string;
  /** Take over fields other managers own (kubectl's `--force-conflicts`). @default false */
  readonly forceConflicts?: boolean;
}

export interface AppliedObject {
  /** `deployment.apps/web` */
  readonly name: string;
  readonly outcome: "created" | "configured" | "unchanged";
}

export interface SandboxApplyResult {
  readonly applied: readonly AppliedObject[];
  readonly warnings: readonly SandboxWarning[];
}

interface SourcedObject {
  readonly object: KubeObject;
  readonly document: YamlDocument;
  readonly pointer: string;
}

/** Every object of the documents, each checked; all problems thrown together, before any write. */
function objectsOf(documents: readonly YamlDocument[], file: string): SourcedObject[] {
  const objects: SourcedObject[] = [];
  const issues: ValidationIssue[] = [];
  const check = (value: JsonValue, document: YamlDocument, pointer: string): void => {
    const where = `document ${document.index + 1}${pointer === "" ? "" : ` item ${pointer.split("/").at(-1) ?? ""}`}`;
    const found = findObjectIssues(value, `${where} of ${file}`);
    if (found.length === 0) {
      objects.push({ object: kubeObjectOf(value, `${where} of ${file}`), document, pointer });
      return;
    }
    for (const issue of found) {
      const path = `${pointer}${issue.path ?? ""}`;
      const source = locateInSource(document.sourceMap, path);
      issues.push({ ...issue, path, ...(source === undefined ? {} : { source }) });
    }
  };
  for (const document of documents) {
    const value = document.value;
    if (
      isJsonObject(value) &&
      typeof value["kind"] === "string" &&
      value["kind"].endsWith("List") &&
      Array.isArray(value["items"])
    ) {
      value["items"].forEach((item, index) => check(item, document, `/items/${index}`));
    } else {
      check(value, document, "");
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return objects;
}

/**
 * `sandbox apply -f FILE`: server-side applies every object of a multi-document YAML (as
 * `kubectl apply --server-side` would), after checking all of them, then settles the controllers.
 */
export async function sandboxApply(options: SandboxApplyOptions): Promise<SandboxApplyResult> {
  const objects = objectsOf(parseYamlDocuments(options.text, options.file), options.file);
  if (objects.length === 0) {
    throw new ValidationError([
      {
        code: "E_NO_OBJECTS",
        message: `${options.file} holds no objects`,
        hint: "give a YAML file with at least one Kubernetes object",
      },
    ]);
  }
  const { value, warnings } = await withSandbox(options, async (sandbox) => {
    // The validating webhooks judge every object before the first write: nothing is half-applied.
    const refused = objects.flatMap(({ object, document, pointer }) =>
      findWebhookIssues(SIMULATED_VALIDATIONS, sandbox.store, sandbox.enabledAddons, object).map((issue) => {
        const path = `${pointer}${issue.path ?? ""}`;
        const source = locateInSource(document.sourceMap, path);
        return {
          ...issue,
          message: `${describeObject(object)}: ${issue.message}`,
          path,
          ...(source === undefined ? {} : { source }),
        };
      }),
    );
    if (refused.length > 0) throw new ValidationError(refused);
    const applied: AppliedObject[] = [];
    for (const { object, document, pointer } of objects) {
      const before = await sandbox.get({
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name ?? "",
        ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
      });
      let stored: KubeObject;
      try {
        stored = await sandbox.apply(object, {
          fieldManager: options.fieldManager ?? "sandbox-apply",
          force: options.forceConflicts === true,
        });
      } catch (error) {
        if (!(error instanceof VelaError)) throw error;
        const source = locateInSource(document.sourceMap, pointer);
        const hint =
          error instanceof ConflictError && error.message.startsWith("apply failed")
            ? "re-run with --force-conflicts to take these fields over"
            : error.hint;
        throw new VelaError(error.code, `${describeObject(object)}: ${error.message}`, {
          ...(source === undefined ? {} : { source }),
          ...(hint === undefined ? {} : { hint }),
          cause: error,
        });
      }
      const outcome =
        before === undefined
          ? "created"
          : before.metadata.resourceVersion === stored.metadata.resourceVersion
            ? "unchanged"
            : "configured";
      applied.push({ name: describeObject(stored), outcome });
    }
    return applied;
  });
  return { applied: value, warnings };
}

export interface SandboxGetOptions extends SandboxCommandOptions {
  readonly resource: string;
  readonly name?: string;
  /** @default "default" */
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly labelSelector?: string;
  /** Include wide columns in the table. @default false */
  readonly wide?: boolean;
  /** Keep metadata.managedFields in the objects (kubectl hides them). @default false */
  readonly showManagedFields?: boolean;
}

export interface SandboxGetResult {
  readonly resource: ResourceType;
  /** The object when a NAME was given. */
  readonly object?: KubeObject;
  /** The listed objects (or the one named). */
  readonly objects: readonly KubeObject[];
  readonly table: { readonly headers: readonly string[]; readonly rows: readonly (readonly string[])[] };
  /** kubectl's note when nothing matched (`No resources found in default namespace.`), for stderr. */
  readonly emptyMessage?: string;
  readonly warnings: readonly SandboxWarning[];
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _hidden, ...metadata } = object.metadata;
  return { ...object, metadata };
}

function tableOf(
  type: ResourceType,
  objects: readonly KubeObject[],
  now: Date,
  options: { readonly wide: boolean; readonly namespaces: boolean },
): SandboxGetResult["table"] {
  const columns = (type.columns ?? []).filter((column) => options.wide || column.wide !== true);
  const wideTail = columns.filter((column) => column.wide === true);
  const main = columns.filter((column) => column.wide !== true);
  const headers = [
    ...(options.namespaces ? ["NAMESPACE"] : []),
    "NAME",
    ...main.map((column) => column.header),
    "AGE",
    ...wideTail.map((column) => column.header),
  ];
  const rows = objects.map((object) => [
    ...(options.namespaces ? [object.metadata.namespace ?? ""] : []),
    object.metadata.name ?? "",
    ...main.map((column) => column.value(object, now)),
    formatAge(object.metadata.creationTimestamp, now),
    ...wideTail.map((column) => column.value(object, now)),
  ]);
  return { headers, rows };
}

/**
 * `sandbox get RESOURCE [NAME]`: settles the controllers first (they run "in the background" of a
 * real cluster, so time that passed shows), then reads objects as kubectl does.
 */
export async function sandboxGet(options: SandboxGetOptions): Promise<SandboxGetResult> {
  const type = resolveResource(options.resource);
  if (options.labelSelector !== undefined) parseLabelSelector(options.labelSelector);
  const namespace = type.namespaced && options.allNamespaces !== true ? (options.namespace ?? "default") : undefined;
  const apiVersion = apiVersionOf(type);
  const settleWarnings: SandboxWarning[] = [];
  const { value } = await withSandbox(
    options,
    async (sandbox) => {
      try {
        settleWarnings.push(...warningsOf(await sandbox.settle()));
      } catch (error) {
        // Reading must work even when the controllers cannot settle: that is when people look.
        if (!(error instanceof ClusterError && error.code === "E_SANDBOX_NOT_CONVERGED")) throw error;
        settleWarnings.push(error.message);
      }
      if (options.name !== undefined) {
        const found = await sandbox.get({
          apiVersion,
          kind: type.kind,
          name: options.name,
          ...(namespace === undefined ? {} : { namespace }),
        });
        if (found === undefined) {
          throw new NotFoundError(
            "E_NOT_FOUND",
            `${qualifiedResourceName(type)} "${options.name}" not found${namespace === undefined ? "" : ` in namespace "${namespace}"`}`,
            {
              hint: `list what exists with \`vela-ts sandbox get ${type.plural}${namespace === undefined ? "" : " -A"}\``,
            },
          );
        }
        return [found];
      }
      return sandbox.list(apiVersion, type.kind, {
        ...(namespace === undefined ? {} : { namespace }),
        ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
      });
    },
    false,
  );
  const objects = options.showManagedFields === true ? value : value.map(withoutManagedFields);
  const table = tableOf(type, objects, options.clock.now(), {
    wide: options.wide === true,
    namespaces: type.namespaced && options.allNamespaces === true,
  });
  const emptyMessage =
    objects.length > 0
      ? undefined
      : namespace === undefined
        ? "No resources found"
        : `No resources found in ${namespace} namespace.`;
  return {
    resource: type,
    ...(options.name === undefined || objects[0] === undefined ? {} : { object: objects[0] }),
    objects,
    table,
    ...(emptyMessage === undefined ? {} : { emptyMessage }),
    warnings: settleWarnings,
  };
}

export interface SandboxDeleteOptions extends SandboxCommandOptions {
  readonly resource: string;
  readonly name: string;
  /** @default "default" */
  readonly namespace?: string;
  /** kubectl's `--cascade`. @default "background" */
  readonly cascade?: "background" | "foreground" | "orphan";
}

export interface SandboxDeleteResult {
  /** `deployment.apps "web" deleted` */
  readonly message: string;
  readonly warnings: readonly SandboxWarning[];
}

/** `sandbox delete RESOURCE NAME`: deletes (dependents by ownerReference per `--cascade`), then settles. */
export async function sandboxDelete(options: SandboxDeleteOptions): Promise<SandboxDeleteResult> {
  const type = resolveResource(options.resource);
  const namespace = type.namespaced ? (options.namespace ?? "default") : undefined;
  const policy =
    options.cascade === "orphan" ? "Orphan" : options.cascade === "foreground" ? "Foreground" : "Background";
  const { warnings } = await withSandbox(options, async (sandbox) => {
    const deleted = await sandbox.delete(
      {
        apiVersion: apiVersionOf(type),
        kind: type.kind,
        name: options.name,
        ...(namespace === undefined ? {} : { namespace }),
      },
      { propagationPolicy: policy },
    );
    if (!deleted) {
      throw new NotFoundError(
        "E_NOT_FOUND",
        `${qualifiedResourceName(type)} "${options.name}" not found${namespace === undefined ? "" : ` in namespace "${namespace}"`}`,
        {
          hint: `list what exists with \`vela-ts sandbox get ${type.plural}\``,
        },
      );
    }
  });
  return { message: `${qualifiedKindName(type)} "${options.name}" deleted`, warnings };
}

export interface SandboxResetResult {
  readonly dir: string;
  readonly deleted: number;
}

/** `sandbox reset --yes`: deletes every object of the sandbox (its metadata and chart mirrors stay). */
export async function sandboxReset(options: SandboxCommandOptions): Promise<SandboxResetResult> {
  const dir = resolveSandboxDir(options);
  const { value } = await withSandbox(options, (sandbox) => sandbox.reset(), false);
  return { dir, deleted: value };
}

export interface SandboxRepairOptions extends SandboxCommandOptions {
  /** `--dry-run`: report only. @default false */
  readonly dryRun?: boolean;
}

/** `sandbox repair [--dry-run]`: recovers a damaged sandbox after backing its files up (see {@link repairSandbox}). */
export async function sandboxRepair(options: SandboxRepairOptions): Promise<RepairReport & { readonly dir: string }> {
  const dir = resolveSandboxDir(options);
  const report = await repairSandbox({
    dir,
    clock: options.clock,
    command: options.command,
    ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
  });
  return { ...report, dir };
}
