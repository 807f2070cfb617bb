/**
 * Render cost: the headline app (helm + kruise-rollout + scaler) and a 200-component webservice
 * app, each as a ratio to serialising the same output objects to YAML in the same run (the floor).
 * Definitions are loaded once, as a long-running process does; templates and validators compile once.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { bindAppfile } from "../src/appfile/index.js";
import { loadDefinitions } from "../src/definitions/index.js";
import type { ApplicationInput, ComponentInput } from "../src/model/index.js";
import { flattenManifests, renderAppfile } from "../src/render/index.js";
import { medianMs, printFigure } from "./measure.js";

const ROOT = join(import.meta.dirname, "..");
const HAS_HEADLINE_DEFINITIONS =
  existsSync(join(ROOT, "addons/fluxcd/definitions/helm.yaml")) &&
  existsSync(join(ROOT, "addons/kruise-rollout/definitions/kruise-rollout.yaml"));

function application(name: string, components: readonly ComponentInput[]): ApplicationInput {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, annotations: { "app.oam.dev/publishVersion": "v2" } },
    spec: { components },
  };
}

function headlineApp(): ApplicationInput {
  if (!HAS_HEADLINE_DEFINITIONS) {
    return application("canary-demo", [
      {
        name: "canary-demo",
        type: "webservice",
        properties: { image: "barnett/canarydemo:v2", ports: [{ port: 8090, expose: true }] },
        traits: [{ type: "scaler", properties: { replicas: 5 } }],
      },
    ]);
  }
  return application("canary-demo", [
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
  ]);
}

function bigApp(count: number): ApplicationInput {
  return application(
    "big",
    Array.from({ length: count }, (_, index) => ({
      name: `svc-${index}`,
      type: "webservice",
      properties: {
        image: `registry.example.com/svc-${index}:1.${index}`,
        ports: [{ port: 8080, expose: true }],
        env: [{ name: "INDEX", value: String(index) }],
        cpu: "250m",
        memory: "128Mi",
      },
      traits: [{ type: "scaler", properties: { replicas: 1 + (index % 5) } }],
    })),
  );
}

async function measure(label: string, app: ApplicationInput): Promise<void> {
  const { registry } = loadDefinitions();
  const render = (): ReturnType<typeof flattenManifests> => flattenManifests(renderAppfile(bindAppfile(app, registry)));
  const objects = render();
  const serialise = (): string =>
    objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
  // Both sides are measured warm (JIT-compiled), as in a long-running reconciler.
  const iterations = objects.length > 50 ? 15 : 200;
  const warmup = objects.length > 50 ? 5 : 100;
  const floorMs = await medianMs(serialise, iterations, warmup);
  const renderMs = await medianMs(render, iterations, warmup);
  printFigure(`${label}: render (parse-free bind + render, ${objects.length} objects)`, renderMs, "ms");
  printFigure(`${label}: serialise the same objects to YAML (floor)`, floorMs, "ms");
  printFigure(`${label}: render ÷ floor`, renderMs / floorMs, "×", { max: 3 });
}

export async function run(): Promise<void> {
  if (!HAS_HEADLINE_DEFINITIONS) {
    process.stdout.write(
      "note: addons/fluxcd/definitions/helm.yaml or addons/kruise-rollout/definitions/kruise-rollout.yaml missing; " +
        "the headline app falls back to webservice + scaler\n",
    );
  }
  await measure(
    HAS_HEADLINE_DEFINITIONS
      ? "headline app (helm + kruise-rollout + scaler)"
      : "headline app fallback (webservice + scaler)",
    headlineApp(),
  );
  await measure("200-component webservice app", bigApp(200));
}
