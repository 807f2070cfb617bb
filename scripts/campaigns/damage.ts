/**
 * The damage campaign: damages the files of a sandbox in every way a disk, an editor or a crash
 * can (bit flips at seeded offsets of each file, the journal cut short, snapshot headers edited,
 * files emptied, nulled or deleted, a torn unacknowledged last write) and runs the public CLI on
 * each copy. Every case must end one of two ways: the read-only command shows exactly the
 * acknowledged state, or it refuses with E_SANDBOX_CORRUPT and a repair command, without changing
 * a byte; then `sandbox repair` recovers, keeps a backup and lists every loss. A command that
 * shows different data with exit 0 is a silent loss.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { openSandboxStore } from "../../src/cluster/sandbox/store/durable-store.js";
import { SANDBOX_FILES } from "../../src/cluster/sandbox/store/load.js";
import { seededRandom } from "../../src/cluster/sandbox/store/random.js";
import { FakeClock } from "../../src/util/clock.js";
import type { CampaignRunner } from "./runner.js";

export interface DamageCampaignOptions {
  /** Scratch directory (one sub-directory per case). */
  readonly workDir: string;
  /** How many damage cases. @default 240 */
  readonly cases?: number;
  /** @default "damage" */
  readonly seed?: string;
  readonly run: CampaignRunner;
  readonly log?: (line: string) => void;
}

export interface DamageCampaignFigures {
  readonly cases: number;
  /** Refused with E_SANDBOX_CORRUPT and the repair command. */
  readonly detected: number;
  /** Read back exactly the acknowledged state (e.g. a torn unacknowledged tail). */
  readonly intact: number;
  /** Exit 0 with different data: the figure that must be 0. */
  readonly silentLosses: number;
  /** A read-only command changed a file. */
  readonly readOnlyWrites: number;
  /** Exit codes other than 0/1/4, or a stack trace. */
  readonly crashes: number;
  /** `sandbox repair` ran and the sandbox then read back. */
  readonly repaired: number;
  /** Repairs whose result differs from the acknowledged state without listing a loss. */
  readonly repairSilentLosses: number;
  readonly failures: readonly string[];
}

type Damage = (dir: string) => string;

const FILES = [SANDBOX_FILES.journal, SANDBOX_FILES.snapshot, SANDBOX_FILES.metadata, SANDBOX_FILES.mark] as const;

function flipBit(file: string, random: () => number): Damage {
  return (dir) => {
    const path = join(dir, file);
    const data = readFileSync(path);
    const offset = Math.floor(random() * data.length);
    const bit = Math.floor(random() * 8);
    data[offset] = (data[offset] ?? 0) ^ (1 << bit);
    writeFileSync(path, data);
    return `${file}: bit ${bit} of byte ${offset} flipped`;
  };
}

function cutShort(random: () => number): Damage {
  return (dir) => {
    const path = join(dir, SANDBOX_FILES.journal);
    const data = readFileSync(path);
    const length = Math.floor(random() * data.length);
    writeFileSync(path, data.subarray(0, length));
    return `journal cut to ${length} of ${data.length} bytes`;
  };
}

function replaceFile(file: string, contents: string | undefined): Damage {
  return (dir) => {
    if (contents === undefined) rmSync(join(dir, file));
    else writeFileSync(join(dir, file), contents);
    return `${file} ${contents === undefined ? "deleted" : contents === "" ? "emptied" : `replaced by ${JSON.stringify(contents)}`}`;
  };
}

function raiseHeader(recomputeChecksum: boolean, random: () => number): Damage {
  return (dir) => {
    const path = join(dir, SANDBOX_FILES.snapshot);
    const lines = readFileSync(path, "utf8").split("\n");
    const by = 1 + Math.floor(random() * 10);
    const json = (lines[0] ?? "")
      .slice(9)
      .replace(/"resourceVersion":(\d+)/, (_, n: string) => `"resourceVersion":${Number(n) + by}`);
    const checksum = recomputeChecksum ? crc32(json).toString(16).padStart(8, "0") : (lines[0] ?? "").slice(0, 8);
    writeFileSync(path, [`${checksum} ${json}`, ...lines.slice(1)].join("\n"));
    return `snapshot header resourceVersion raised by ${by}${recomputeChecksum ? " (checksum recomputed)" : ""}`;
  };
}

/** The cases, in a seeded order: most weight on the journal, where acknowledged writes live. */
function damages(count: number, random: () => number): Damage[] {
  const fixed: Damage[] = [
    ...FILES.flatMap((file) => [replaceFile(file, "null"), replaceFile(file, ""), replaceFile(file, undefined)]),
    raiseHeader(false, random),
    raiseHeader(true, random),
    raiseHeader(true, random),
  ];
  const weighted: (() => Damage)[] = [
    () => flipBit(SANDBOX_FILES.journal, random),
    () => flipBit(SANDBOX_FILES.journal, random),
    () => flipBit(SANDBOX_FILES.journal, random),
    () => cutShort(random),
    () => cutShort(random),
    () => flipBit(SANDBOX_FILES.snapshot, random),
    () => flipBit(SANDBOX_FILES.snapshot, random),
    () => flipBit(SANDBOX_FILES.metadata, random),
    () => flipBit(SANDBOX_FILES.mark, random),
    () => raiseHeader(random() < 0.5, random),
  ];
  const cases = [...fixed];
  while (cases.length < count) cases.push((weighted[Math.floor(random() * weighted.length)] ?? weighted[0]!)());
  return cases.slice(0, count);
}

interface ObjectView {
  readonly name: string;
  readonly data: string;
  readonly resourceVersion: string;
}

function stateOf(stdout: string): Map<string, ObjectView> | undefined {
  try {
    const list = JSON.parse(stdout) as {
      items?: { metadata: { name: string; resourceVersion: string }; data?: unknown }[];
    };
    return new Map(
      (list.items ?? []).map((item) => [
        item.metadata.name,
        {
          name: item.metadata.name,
          data: JSON.stringify(item.data ?? null),
          resourceVersion: item.metadata.resourceVersion,
        },
      ]),
    );
  } catch {
    return undefined;
  }
}

function sameState(a: Map<string, ObjectView>, b: Map<string, ObjectView>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, view] of a) {
    const other = b.get(name);
    if (other === undefined || other.data !== view.data || other.resourceVersion !== view.resourceVersion) return false;
  }
  return true;
}

function filesOf(dir: string): string {
  return readdirSync(dir)
    .filter((entry) => entry !== "lock" && statSync(join(dir, entry)).isFile())
    .sort()
    .map((entry) => `${entry}:${crc32(readFileSync(join(dir, entry)))}`)
    .join(",");
}

const isCrash = (code: number, stderr: string): boolean =>
  ![0, 1, 4].includes(code) || /E_INTERNAL|\n\s+at .+\(.+:\d+:\d+\)/.test(stderr);

/**
 * The sandbox every case starts from: addon objects installed by the CLI, 40 ConfigMaps, a
 * compaction (so there is a snapshot), then 40 more writes and deletes in the journal.
 */
async function buildBase(dir: string, run: CampaignRunner): Promise<void> {
  const first = await run(["sandbox", "get", "configmaps", "-A", "-o", "json", "--sandbox", dir], dir);
  if (first.code !== 0) throw new Error(`campaign set-up failed: ${first.stderr}`);
  const clock = new FakeClock();
  const sandbox = await openSandboxStore({ dir, clock });
  const cm = (name: string, value: string): Parameters<typeof sandbox.store.apply>[0] => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    data: { value },
  });
  for (let index = 0; index < 40; index++) sandbox.store.apply(cm(`config-${index}`, `first-${index}`));
  sandbox.compact();
  for (let index = 0; index < 40; index++) sandbox.store.apply(cm(`config-${(index * 7) % 50}`, `second-${index}`));
  for (const index of [3, 17, 44])
    sandbox.store.delete({ apiVersion: "v1", kind: "ConfigMap", name: `config-${index}`, namespace: "default" });
  sandbox.close();
}

/** Runs the campaign and returns its figures. */
export async function runDamageCampaign(options: DamageCampaignOptions): Promise<DamageCampaignFigures> {
  const random = seededRandom(options.seed ?? "damage");
  const log = options.log ?? (() => undefined);
  const base = join(options.workDir, "base");
  await buildBase(base, options.run);
  const getArgs = (dir: string): string[] => ["sandbox", "get", "configmaps", "-A", "-o", "json", "--sandbox", dir];
  const baseline = await options.run(getArgs(base), base);
  const expected = stateOf(baseline.stdout);
  if (baseline.code !== 0 || expected === undefined) throw new Error(`campaign baseline failed: ${baseline.stderr}`);

  const figures = {
    cases: 0,
    detected: 0,
    intact: 0,
    silentLosses: 0,
    readOnlyWrites: 0,
    crashes: 0,
    repaired: 0,
    repairSilentLosses: 0,
  };
  const failures: string[] = [];
  const list = damages(options.cases ?? 240, random);
  // A torn unacknowledged write: a command killed mid-append (no clean close, so no new mark).
  list.push((dir) => {
    const path = join(dir, SANDBOX_FILES.journal);
    writeFileSync(
      path,
      Buffer.concat([readFileSync(path), Buffer.from([77, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 123, 34, 118])]),
    );
    return "journal: a torn unacknowledged write appended";
  });
  for (const [index, damage] of list.entries()) {
    const dir = join(options.workDir, `case-${index}`);
    cpSync(base, dir, { recursive: true });
    const what = damage(dir);
    figures.cases++;
    const before = filesOf(dir);
    const read = await options.run(getArgs(dir), dir);
    if (filesOf(dir) !== before) {
      figures.readOnlyWrites++;
      failures.push(`case ${index} (${what}): the read-only command changed a file`);
    }
    if (isCrash(read.code, read.stderr)) {
      figures.crashes++;
      failures.push(`case ${index} (${what}): exit ${read.code}: ${read.stderr.slice(0, 300)}`);
      continue;
    }
    if (read.code === 0) {
      const state = stateOf(read.stdout);
      if (state !== undefined && sameState(state, expected)) figures.intact++;
      else {
        figures.silentLosses++;
        failures.push(`case ${index} (${what}): exit 0 with different data`);
      }
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!/E_SANDBOX_CORRUPT/.test(read.stderr) || !/vela-ts sandbox repair/.test(read.stderr)) {
      failures.push(
        `case ${index} (${what}): exit ${read.code} without the repair command: ${read.stderr.slice(0, 300)}`,
      );
      continue;
    }
    figures.detected++;
    const repair = await options.run(["sandbox", "repair", "--sandbox", dir], dir);
    const after = await options.run(getArgs(dir), dir);
    const repairedState = stateOf(after.stdout);
    const backups = existsSync(join(dir, "backups")) ? readdirSync(join(dir, "backups")) : [];
    if (repair.code !== 0 || after.code !== 0 || repairedState === undefined || backups.length === 0) {
      failures.push(
        `case ${index} (${what}): repair exit ${repair.code}, read after it exit ${after.code}: ` +
          `${repair.stderr.slice(0, 200)}${after.stderr.slice(0, 200)}`,
      );
    } else {
      figures.repaired++;
      const listsLoss = /lost \(could not be recovered\)/.test(repair.stdout);
      if (!sameState(repairedState, expected) && !listsLoss) {
        figures.repairSilentLosses++;
        failures.push(`case ${index} (${what}): repair changed data without listing a loss`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    if ((index + 1) % 50 === 0) log(`damage: ${index + 1}/${list.length} cases`);
  }
  return { ...figures, failures };
}

/** The figures as lines for a terminal. */
export function formatDamageFigures(figures: DamageCampaignFigures): string {
  return [
    `damage campaign: ${figures.cases} cases`,
    `  detected (E_SANDBOX_CORRUPT + repair command): ${figures.detected}`,
    `  read back intact: ${figures.intact}`,
    `  silent losses: ${figures.silentLosses}`,
    `  read-only commands that changed a file: ${figures.readOnlyWrites}`,
    `  crashes: ${figures.crashes}`,
    `  repaired and readable: ${figures.repaired}/${figures.detected}`,
    `  repairs that lost data without listing it: ${figures.repairSilentLosses}`,
    ...figures.failures.slice(0, 20).map((failure) => `  FAIL ${failure}`),
  ].join("\n");
}
