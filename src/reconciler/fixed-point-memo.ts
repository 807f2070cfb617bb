import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readChartMirrors } from "../cluster/sandbox/charts/mirrors.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import { isJsonObject, type JsonObject } from "../util/index.js";
import type { WorkflowStatus } from "../workflow/index.js";
import type { ServiceHealth } from "./component-runtime.js";
import type { ReconcileOutcome } from "./reconcile.js";

/**
 * The sandbox's record of the last fixed point an app reached: the store's resourceVersion then,
 * and what the pass found. A reconcile pass is a function of the stored objects, the definitions,
 * the chart mirrors, the vela-ts build and the time; so while the store has not been written since
 * (same resourceVersion), those inputs are the same and no timer is due, a new pass would write
 * nothing and find the same — `status` and other read-mostly commands then skip it. Any write by
 * anyone, a changed input or a passed wake time makes the record useless, never wrong.
 * One record is kept: a write for any app changes the resourceVersion, so older ones could never match.
 */
export interface FixedPointMemo {
  /** The recorded outcome (without the app object) when it still holds now. */
  recall(
    name: string,
    namespace: string,
    resourceVersion: string,
    now: Date,
    controllersWakeAt: Date | undefined,
  ): RecalledOutcome | undefined;
  remember(
    name: string,
    namespace: string,
    resourceVersion: string,
    outcome: ReconcileOutcome,
    controllersWakeAt: Date | undefined,
  ): void;
}

export type RecalledOutcome = Omit<ReconcileOutcome, "app">;

/** The file in a sandbox directory. */
export const FIXED_POINT_FILE = "fixed-point.json";

const FORMAT = 1;

interface FixedPointRecord {
  readonly format: number;
  readonly app: string;
  readonly resourceVersion: string;
  readonly inputs: string;
  /** The earliest time something happens by itself (a timed step, a controller timer); absent: never. */
  readonly wakeAt?: string;
  readonly outcome: {
    readonly phase: string;
    readonly workflow?: WorkflowStatus;
    readonly nextWakeAt?: string;
    readonly waitingForPerson: boolean;
    readonly services: readonly ServiceHealth[];
  };
}

function sha256(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\u0000");
  return hash.digest("hex");
}

/** The build of vela-ts doing the reconciling: every build writes its modules anew. */
function buildStamp(): string {
  const file = fileURLToPath(import.meta.url);
  const stat = statSync(file);
  return `${file}:${stat.size}:${stat.mtimeMs}`;
}

function chartMirrorsStamp(sandboxDir: string): string[] {
  return readChartMirrors(sandboxDir).map((mirror) => {
    const index = join(mirror.dir, "index.yaml");
    return `${mirror.url}=${mirror.dir}:${existsSync(index) ? readFileSync(index, "utf8") : "(none)"}`;
  });
}

/** Everything a pass reads besides the store and the clock, as one hash. */
export function reconcileInputsFingerprint(
  registry: DefinitionRegistry,
  sandboxDir: string,
  settings: JsonObject,
): string {
  const definitions = registry
    .list()
    .map(
      (definition) =>
        `${definition.kind}/${definition.name}=${registry.fingerprint(definition.kind, definition.name) ?? ""}`,
    );
  return sha256([buildStamp(), JSON.stringify(settings), ...definitions, ...chartMirrorsStamp(sandboxDir)]);
}

function readRecord(path: string): FixedPointRecord | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    // Our own memo file, versioned by `format`; a stale record only costs one full pass.
    return isJsonObject(parsed) && parsed.format === FORMAT ? (parsed as unknown as FixedPointRecord) : undefined;
  } catch {
    return undefined;
  }
}

function earliest(times: readonly (string | undefined)[]): string | undefined {
  const valid = times.filter((time): time is string => time !== undefined && Number.isFinite(Date.parse(time)));
  return valid.length === 0 ? undefined : valid.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
}

/** The memo of a sandbox directory; `inputs` from {@link reconcileInputsFingerprint}. */
export function sandboxFixedPointMemo(sandboxDir: string, inputs: string): FixedPointMemo {
  const path = join(sandboxDir, FIXED_POINT_FILE);
  const key = (name: string, namespace: string): string => `${namespace}/${name}`;
  return {
    recall(name, namespace, resourceVersion, now, controllersWakeAt) {
      const record = readRecord(path);
      if (
        record === undefined ||
        record.app !== key(name, namespace) ||
        record.resourceVersion !== resourceVersion ||
        record.inputs !== inputs
      )
        return undefined;
      const wakeAt = earliest([record.wakeAt, controllersWakeAt?.toISOString()]);
      if (wakeAt !== undefined && Date.parse(wakeAt) <= now.getTime()) return undefined;
      return { ...record.outcome, wrote: false };
    },
    remember(name, namespace, resourceVersion, outcome, controllersWakeAt) {
      const wakeAt = earliest([outcome.nextWakeAt, controllersWakeAt?.toISOString()]);
      const record: FixedPointRecord = {
        format: FORMAT,
        app: key(name, namespace),
        resourceVersion,
        inputs,
        ...(wakeAt === undefined ? {} : { wakeAt }),
        outcome: {
          phase: outcome.phase,
          ...(outcome.workflow === undefined ? {} : { workflow: outcome.workflow }),
          ...(outcome.nextWakeAt === undefined ? {} : { nextWakeAt: outcome.nextWakeAt }),
          waitingForPerson: outcome.waitingForPerson,
          services: outcome.services,
        },
      };
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(record));
      renameSync(temp, path);
    },
  };
}
