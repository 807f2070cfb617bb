/**
 * The fuzz campaign: seeded mutations of real inputs (the example Applications, the bundled
 * definitions, the example chart and its values) run through the public CLI (`dry-run`, `up`,
 * `def vet`, `dry-run --definitions`, `chart template`). Every input must end with an exit code
 * of 0–4 and no stack trace within 5 seconds. Workers run `main()` in-process; one that passes
 * the time limit is killed and the input counted as a hang.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { parse as parseYaml, stringify } from "yaml";
import { seededRandom } from "../../src/cluster/sandbox/store/random.js";
import { PROJECT_ROOT } from "./runner.js";

export interface FuzzOptions {
  /** @default 10000 */
  readonly inputs?: number;
  /** @default "fuzz" */
  readonly seed?: string;
  /** Parallel workers. @default 2 */
  readonly workers?: number;
  /** An input running longer is a hang. @default 5000 */
  readonly hangMs?: number;
  /** Where failing inputs are written, to reproduce them. @default none */
  readonly failuresDir?: string;
  /** Only inputs of these commands (`dry-run`, `up`, `def vet`, `dry-run --definitions`, `chart template`). @default all */
  readonly commands?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface FuzzFigures {
  readonly inputs: number;
  readonly byCommand: Readonly<Record<string, number>>;
  readonly exitCodes: Readonly<Record<string, number>>;
  readonly hangs: number;
  /** Exit codes other than 0, 1, 2, 3, 4. */
  readonly badExitCodes: number;
  readonly stackTraces: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly failures: readonly string[];
}

interface FuzzCase {
  readonly id: number;
  readonly command: string;
  readonly argv: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Values that break things: huge, deep, odd types, YAML tricks, names the API server refuses. */
function nastyValue(random: Random): unknown {
  const choices: (() => unknown)[] = [
    () => "x".repeat(1 + Math.floor(random() * 200_000)),
    () => "ap:i",
    () => "-leading-dash",
    () => "UPPER",
    () => "",
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1e308,
    () => 2 ** 53 + 1,
    () => 0.5,
    () => "1.10",
    () => "null",
    () => "a\nb: injected",
    () => "{{json parameter}}",
    () => "^(a+)+$",
    () => "[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b, [0,1,2,3,4,5,6,7,8,9].all(c, true)))",
    () => Array.from({ length: Math.floor(random() * 5000) }, (_, index) => index),
    () => {
      // A list nested 150–450 deep: past the YAML nesting limit.
      let nested: unknown = [];
      for (let depth = 150 + Math.floor(random() * 300); depth > 0; depth--) nested = [nested];
      return nested;
    },
    () => ({}),
    () => [],
    () => ({ nested: { deeper: ["x", { y: 1 }] } }),
    () => "\u0000\u202e\ud83d\ude00",
  ];
  return pick(random, choices)();
}

/** Replaces one random node of a parsed value (a map entry or list item) with a nasty value, or removes it. */
function mutateValue(value: unknown, random: Random): unknown {
  if (value === null || typeof value !== "object") return nastyValue(random);
  const copy = structuredClone(value) as Record<string, unknown> | unknown[];
  let node: Record<string, unknown> | unknown[] = copy;
  for (let depth = 0; depth < 12; depth++) {
    const keys = Array.isArray(node) ? node.map((_, index) => index) : Object.keys(node);
    if (keys.length === 0) break;
    const key = pick(random, keys as (string | number)[]);
    const child = (node as Record<string | number, unknown>)[key];
    const stop = child === null || typeof child !== "object" || random() < 0.25;
    if (stop) {
      const action = random();
      if (action < 0.15 && !Array.isArray(node)) delete node[key as string];
      else if (action < 0.25 && !Array.isArray(node)) node[`${String(key)}-extra`] = nastyValue(random);
      else (node as Record<string | number, unknown>)[key] = nastyValue(random);
      return copy;
    }
    node = child as Record<string, unknown> | unknown[];
  }
  return copy;
}

const TOKENS = [
  "*nope",
  "&a ",
  "<<: *a",
  " !!binary ",
  "{{",
  "}}",
  "{{#if parameter.x}}",
  "{{/if}}",
  "{{json parameter}}",
  '{{indent 100000000 "x"}}',
  "\t",
  '"',
  "'",
  "|",
  ">-",
  "- ",
  ": ",
  "#",
  "---\n",
  "[",
  "]",
  "{",
  "}",
  "%YAML 1.1\n",
  "\u0000",
];

/** A text-level mutation: a changed, deleted, duplicated or inserted piece. */
function mutateText(text: string, random: Random): string {
  const lines = text.split("\n");
  const at = Math.floor(random() * lines.length);
  switch (Math.floor(random() * 6)) {
    case 0: {
      const position = Math.floor(random() * text.length);
      return `${text.slice(0, position)}${pick(random, TOKENS)}${text.slice(position)}`;
    }
    case 1:
      lines.splice(at, 1 + Math.floor(random() * 3));
      return lines.join("\n");
    case 2:
      lines.splice(at, 0, ...lines.slice(at, at + 1 + Math.floor(random() * 4)));
      return lines.join("\n");
    case 3: {
      const position = Math.floor(random() * text.length);
      return `${text.slice(0, position)}${String.fromCharCode(32 + Math.floor(random() * 95))}${text.slice(position + 1)}`;
    }
    case 4:
      lines[at] = `  ${lines[at] ?? ""}`;
      return lines.join("\n");
    default: {
      // An alias bomb grafted onto the document.
      const bomb = ["x-a: &a [x, x, x, x, x, x, x, x, x, x]"];
      for (const [index, letter] of [..."bcdefghi"].entries())
        bomb.push(`x-${letter}: &${letter} [${Array(10).fill(`*${"abcdefghi"[index]}`).join(", ")}]`);
      return `${text.trimEnd()}\n${bomb.join("\n")}\n`;
    }
  }
}

/** A structural mutation when the text parses, else a text one; sometimes several. */
function mutate(text: string, random: Random): string {
  let current = text;
  const rounds = 1 + Math.floor(random() * 3);
  for (let round = 0; round < rounds; round++) {
    if (random() < 0.6) {
      try {
        const documents = current.split(/^---$/m).map((part) => parseYaml(part) as unknown);
        const index = Math.floor(random() * documents.length);
        documents[index] = mutateValue(documents[index], random);
        current = documents.map((document) => stringify(document, { lineWidth: 0 })).join("---\n");
        continue;
      } catch {
        // falls through to a text mutation
      }
    }
    current = mutateText(current, random);
  }
  return current;
}

interface Seeds {
  readonly apps: readonly string[];
  readonly definitions: readonly { readonly file: string; readonly text: string }[];
  readonly chart: Readonly<Record<string, string>>;
}

function readSeeds(): Seeds {
  const appsDir = join(PROJECT_ROOT, "examples", "apps");
  const apps = readdirSync(appsDir)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => readFileSync(join(appsDir, file), "utf8"));
  const minimal = [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata: {name: fuzz}",
    "spec:",
    "  components:",
    "    - name: web",
    "      type: webservice",
    "      properties: {image: nginx:1.25, ports: [{port: 80, expose: true}]}",
    "      traits:",
    "        - type: scaler",
    "          properties: {replicas: 2}",
    "        - type: labels",
    "          properties: {team: a}",
    "  workflow:",
    "    steps:",
    "      - {name: deploy, type: apply-component, properties: {component: web}}",
    "      - {name: gate, type: suspend, if: 'status.deploy.phase == \"succeeded\"'}",
  ].join("\n");
  const definitions = filesUnder(join(PROJECT_ROOT, "definitions"))
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => ({ file: relative(join(PROJECT_ROOT, "definitions"), file), text: readFileSync(file, "utf8") }));
  const chartDir = join(PROJECT_ROOT, "examples", "charts", "src", "demo-app");
  const chart = Object.fromEntries(
    filesUnder(chartDir).map((file) => [relative(chartDir, file), readFileSync(file, "utf8")]),
  );
  return { apps: [...apps, minimal], definitions, chart };
}

/** The seeded case number `id`. */
function makeCase(id: number, seeds: Seeds, random: Random): FuzzCase {
  const roll = random();
  if (roll < 0.5) {
    const text = mutate(pick(random, seeds.apps), random);
    return { id, command: "dry-run", argv: ["dry-run", "-f", "app.yaml"], files: { "app.yaml": text } };
  }
  if (roll < 0.58) {
    const text = mutate(pick(random, seeds.apps), random);
    return {
      id,
      command: "up",
      argv: ["up", "-f", "app.yaml", "--sandbox", "sandbox"],
      files: { "app.yaml": text },
    };
  }
  if (roll < 0.73) {
    const definition = pick(random, seeds.definitions);
    return {
      id,
      command: "def vet",
      argv: ["def", "vet", "def.yaml"],
      files: { "def.yaml": mutate(definition.text, random) },
    };
  }
  if (roll < 0.83) {
    // A mutated user definition overriding a bundled one, used by an Application.
    const definition = pick(random, seeds.definitions);
    return {
      id,
      command: "dry-run --definitions",
      argv: ["dry-run", "-f", "app.yaml", "--definitions", "defs"],
      files: {
        "app.yaml": seeds.apps.at(-1) ?? "",
        [`defs/${definition.file.replaceAll("/", "-")}`]: mutate(definition.text, random),
      },
    };
  }
  const files: Record<string, string> = Object.fromEntries(
    Object.entries(seeds.chart).map(([file, text]) => [`chart/${file}`, text]),
  );
  if (random() < 0.5) files["values.yaml"] = mutate(seeds.chart["values.yaml"] ?? "", random);
  else {
    const template = pick(
      random,
      Object.keys(seeds.chart).filter((file) => file.startsWith("templates/")),
    );
    files[`chart/${template}`] = mutate(seeds.chart[template] ?? "", random);
    files["values.yaml"] = seeds.chart["values.yaml"] ?? "";
  }
  return { id, command: "chart template", argv: ["chart", "template", "chart", "-f", "values.yaml"], files };
}

interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly answers: AsyncIterator<string>;
}

function startWorker(): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "scripts/campaigns/fuzz-worker.ts")], {
    cwd: PROJECT_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stderr.on("data", () => undefined);
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, answers };
}

async function ask(
  worker: Worker,
  fuzzCase: FuzzCase,
  limitMs: number,
): Promise<{ readonly code: number; readonly stderr: string } | "hang"> {
  worker.child.stdin.write(`${JSON.stringify({ id: fuzzCase.id, argv: fuzzCase.argv, files: fuzzCase.files })}\n`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"hang">((resolve) => (timer = setTimeout(() => resolve("hang"), limitMs)));
  const answer = await Promise.race([worker.answers.next(), timeout]);
  clearTimeout(timer);
  if (answer === "hang" || answer.done === true) return "hang";
  return JSON.parse(answer.value) as { code: number; stderr: string };
}

const STACK = /\n\s+at .+(:\d+:\d+\)?|\(native\))|E_INTERNAL|uncaught:/;

/** Runs the campaign and returns its figures. */
export async function runFuzzCampaign(options: FuzzOptions = {}): Promise<FuzzFigures> {
  const total = options.inputs ?? 10_000;
  const hangMs = options.hangMs ?? 5000;
  const random = seededRandom(options.seed ?? "fuzz");
  const seeds = readSeeds();
  const cases: FuzzCase[] = [];
  // Generated in one seeded sequence, so a filtered campaign sees the same inputs as a full one.
  for (let id = 0; cases.length < total && id < total * 20; id++) {
    const fuzzCase = makeCase(id, seeds, random);
    if (options.commands === undefined || options.commands.includes(fuzzCase.command)) cases.push(fuzzCase);
  }
  const byCommand: Record<string, number> = {};
  const exitCodes: Record<string, number> = {};
  const durations: number[] = [];
  const failures: string[] = [];
  let hangs = 0;
  let badExitCodes = 0;
  let stackTraces = 0;
  let next = 0;
  let done = 0;
  const record = (fuzzCase: FuzzCase, kind: string, detail: string): void => {
    failures.push(`input ${fuzzCase.id} (${fuzzCase.command}): ${kind}: ${detail.slice(0, 300)}`);
    if (options.failuresDir === undefined) return;
    const dir = join(options.failuresDir, `input-${fuzzCase.id}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "case.json"), JSON.stringify(fuzzCase, null, 2));
  };
  const runWorker = async (): Promise<void> => {
    let worker = startWorker();
    // Warm-up: compiling the CLI once takes a few seconds, which is not the first input's fault.
    await ask(
      worker,
      {
        id: -1,
        command: "warm-up",
        argv: ["dry-run", "-f", "app.yaml"],
        files: { "app.yaml": seeds.apps.at(-1) ?? "" },
      },
      60_000,
    );
    while (next < cases.length) {
      const fuzzCase = cases[next++] as FuzzCase;
      byCommand[fuzzCase.command] = (byCommand[fuzzCase.command] ?? 0) + 1;
      const started = Date.now();
      const answer = await ask(worker, fuzzCase, hangMs);
      const elapsed = Date.now() - started;
      durations.push(elapsed);
      if (answer === "hang") {
        hangs++;
        exitCodes["hang"] = (exitCodes["hang"] ?? 0) + 1;
        record(fuzzCase, "hang", `no answer after ${hangMs} ms`);
        worker.child.kill("SIGKILL");
        worker = startWorker();
        await ask(worker, { id: -1, command: "warm-up", argv: ["--version"], files: {} }, 60_000);
      } else {
        exitCodes[String(answer.code)] = (exitCodes[String(answer.code)] ?? 0) + 1;
        if (![0, 1, 2, 3, 4].includes(answer.code)) {
          badExitCodes++;
          record(fuzzCase, `exit ${answer.code}`, answer.stderr);
        } else if (STACK.test(answer.stderr)) {
          stackTraces++;
          record(fuzzCase, "stack trace", answer.stderr);
        }
      }
      done++;
      if (done % 500 === 0) options.log?.(`fuzz: ${done}/${total} inputs, ${hangs} hangs, ${failures.length} failures`);
    }
    worker.child.kill("SIGKILL");
  };
  await Promise.all(Array.from({ length: options.workers ?? 2 }, runWorker));
  durations.sort((a, b) => a - b);
  return {
    inputs: total,
    byCommand,
    exitCodes,
    hangs,
    badExitCodes,
    stackTraces,
    p99Ms: durations[Math.floor(durations.length * 0.99)] ?? 0,
    maxMs: durations.at(-1) ?? 0,
    failures,
  };
}

/** The figures as lines for a terminal. */
export function formatFuzzFigures(figures: FuzzFigures): string {
  return [
    `fuzz campaign: ${figures.inputs} inputs (${Object.entries(figures.byCommand)
      .map(([command, count]) => `${command} ${count}`)
      .join(", ")})`,
    `  exit codes: ${Object.entries(figures.exitCodes)
      .sort()
      .map(([code, count]) => `${code}: ${count}`)
      .join(", ")}`,
    `  hangs over the limit: ${figures.hangs}`,
    `  exit codes other than 0-4: ${figures.badExitCodes}`,
    `  stack traces: ${figures.stackTraces}`,
    `  time per input: p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms`,
    ...figures.failures.slice(0, 30).map((failure) => `  FAIL ${failure}`),
  ].join("\n");
}
