import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { bindAppfile } from "../../src/appfile/index.js";
import { loadDefinitions } from "../../src/definitions/index.js";
import { parseApplication, type ApplicationInput } from "../../src/model/index.js";
import { evaluateHealth, flattenManifests, renderAppfile, renderTemplate } from "../../src/render/index.js";
import { isJsonObject, type JsonValue } from "../../src/util/index.js";
import { ValidationError } from "../../src/errors/index.js";
import { PROJECT_ROOT } from "../support/shared.js";

const { registry } = loadDefinitions({ addonsDir: null, userDirs: [join(PROJECT_ROOT, "test/fixtures/definitions")] });
const APP_FILE = join(PROJECT_ROOT, "test/fixtures/apps/webservice-scaler.yaml");

function renderYaml(app: ApplicationInput): string {
  return flattenManifests(renderAppfile(bindAppfile(app, registry)))
    .map((object) => stringify(object))
    .join("---\n");
}

/** The same JSON value with object keys in a shuffled order. */
function shuffleKeys(value: JsonValue, seed: number): JsonValue {
  if (Array.isArray(value)) return value.map((item, index) => shuffleKeys(item, seed + index));
  if (!isJsonObject(value)) return value;
  const keys = Object.keys(value);
  const order = keys
    .map((key, index) => ({ key, rank: (index * 7919 + seed * 104729) % (keys.length + 13) }))
    .sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(order.map(({ key }) => [key, shuffleKeys(value[key] as JsonValue, seed + 1)]));
}

describe("renderAppfile", () => {
  const parsed = parseApplication(readFileSync(APP_FILE, "utf8"), APP_FILE);

  it("renders objects in component order with the OAM contract and ordered keys", () => {
    const objects = flattenManifests(renderAppfile(bindAppfile(parsed.application, registry)));
    expect(objects.map((object) => `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`)).toEqual([
      "Deployment/prod/frontend",
      "Service/prod/frontend",
      "Deployment/prod/worker",
    ]);
    expect(Object.keys(objects[0] ?? {}).slice(0, 3)).toEqual(["apiVersion", "kind", "metadata"]);
    expect(objects[0]?.metadata.labels).toEqual({
      "app.oam.dev/appRevision": "shop-v1",
      "app.oam.dev/component": "frontend",
      "app.oam.dev/name": "shop",
      "app.oam.dev/namespace": "prod",
      "app.oam.dev/resourceType": "WORKLOAD",
      "workload.oam.dev/type": "webservice",
    });
    expect(objects[1]?.metadata.labels).toEqual({
      "app.oam.dev/appRevision": "shop-v1",
      "app.oam.dev/component": "frontend",
      "app.oam.dev/name": "shop",
      "app.oam.dev/namespace": "prod",
      "app.oam.dev/resourceType": "TRAIT",
      "trait.oam.dev/type": "AuxiliaryWorkload",
      "trait.oam.dev/resource": "webserviceExpose",
    });
    expect((objects[0]?.spec as { replicas?: number }).replicas).toBe(3);
  });

  it("marks ops-only traits and takes revisions from options", () => {
    const [frontend] = renderAppfile(bindAppfile(parsed.application, registry), {
      appRevision: "shop-v7",
      appRevisionNum: 7,
      componentRevisions: { frontend: "frontend-v3" },
    });
    expect(frontend?.opsOnlyTraits).toEqual(["scaler"]);
    expect(frontend?.traits.map((trait) => ({ type: trait.type, opsOnly: trait.opsOnly }))).toEqual([
      { type: "scaler", opsOnly: true },
    ]);
    expect(frontend?.revision).toBe("frontend-v3");
    expect(frontend?.workload?.metadata.labels?.["app.oam.dev/appRevision"]).toBe("shop-v7");
  });

  it("is deterministic: the key order of the input does not change the output bytes", () => {
    const expected = renderYaml(parsed.application);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
        const shuffled = shuffleKeys(parsed.application as unknown as JsonValue, seed) as unknown as ApplicationInput;
        expect(renderYaml(shuffled)).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });

  it("merges a trait's env patch into the container by name", () => {
    const app = parseApplication(
      "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: d\nspec:\n  components:\n" +
        "    - name: api\n      type: webservice\n      properties:\n        image: x\n        env: [{name: A, value: '1'}]\n" +
        "      traits:\n        - type: env-patch\n          properties:\n            env: {B: '2', A: '3'}\n",
      "a.yaml",
    ).application;
    const [deployment] = flattenManifests(renderAppfile(bindAppfile(app, registry)));
    const containers = (
      (deployment?.spec as Record<string, unknown>).template as { spec: { containers: { env: unknown }[] } }
    ).spec.containers;
    expect(containers[0]?.env).toEqual([
      { name: "A", value: "3" },
      { name: "B", value: "2" },
    ]);
  });
});

describe("the OAM contract: the Application's labels and annotations", () => {
  const render = (metadata: Record<string, unknown>): ReturnType<typeof flattenManifests> =>
    flattenManifests(
      renderAppfile(
        bindAppfile(
          {
            apiVersion: "core.oam.dev/v1beta1",
            kind: "Application",
            metadata: { name: "shop", namespace: "prod", ...metadata },
            spec: {
              components: [
                {
                  name: "web",
                  type: "webservice",
                  properties: { image: "nginx", ports: [{ port: 80, expose: true }] },
                  traits: [{ type: "labels", properties: { tier: "front" } }],
                },
              ],
            },
          } as unknown as ApplicationInput,
          registry,
        ),
      ),
    );

  it("propagates the Application's labels to every object, under KubeVela's own keys", () => {
    const objects = render({ labels: { team: "payments", "app.oam.dev/name": "spoofed" } });
    for (const object of objects) {
      expect(object.metadata.labels?.team).toBe("payments");
      expect(object.metadata.labels?.["app.oam.dev/name"]).toBe("shop");
    }
    expect(objects[0]?.metadata.labels?.tier).toBe("front");
  });

  it("filters the keys listed in filter.oam.dev/label-keys from the Application's labels only", () => {
    const objects = render({
      labels: { team: "payments", tier: "back", cost: "a" },
      annotations: { "filter.oam.dev/label-keys": "tier, cost" },
    });
    // the template's own tier label stays: the filter applies to what the Application propagates
    expect(objects[0]?.metadata.labels).toMatchObject({ team: "payments", tier: "front" });
    expect(objects[0]?.metadata.labels?.cost).toBeUndefined();
    expect(objects[1]?.metadata.labels?.tier).toBeUndefined();
  });

  it("propagates annotations except KubeVela's filtered ones and those listed in filter.oam.dev/annotation-keys", () => {
    const objects = render({
      annotations: {
        owner: "alice",
        secret: "x",
        "filter.oam.dev/annotation-keys": "secret",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "app.oam.dev/publishVersion": "v3",
      },
    });
    for (const object of objects)
      expect(object.metadata.annotations).toEqual({ owner: "alice", "app.oam.dev/publishVersion": "v3" });
  });

  it("leaves annotations out when the Application has none to propagate", () => {
    expect(render({}).every((object) => object.metadata.annotations === undefined)).toBe(true);
  });
});

describe("renderTemplate helpers", () => {
  it.each([
    { name: "json", template: "v: {{json parameter.x}}", parameter: { x: { a: [1] } }, want: { v: { a: [1] } } },
    {
      name: "toYaml + nindent",
      template: "v:{{nindent 2 (toYaml parameter.x)}}",
      parameter: { x: { a: 1 } },
      want: { v: { a: 1 } },
    },
    { name: "default", template: "v: {{json (default parameter.x 5)}}", parameter: { x: null }, want: { v: 5 } },
    {
      name: "comparisons",
      template:
        "v: {{json (list (eq 1 1) (ne 1 2) (lt 1 2) (le 2 2) (gt 3 2) (ge 3 3) (and true false) (or false true) (not false))}}",
      parameter: {},
      want: { v: [true, true, true, true, true, true, false, true, true] },
    },
    {
      name: "strings",
      template:
        'v: {{json (list (join parameter.l "-") (lower "AB") (upper "ab") (trunc "abcdef" 3) (replace "a.b" "." "-") (concat "a" 1))}}',
      parameter: { l: ["x", "y"] },
      want: { v: ["x-y", "ab", "AB", "abc", "a-b", "a1"] },
    },
    { name: "quote", template: "v: {{quote parameter.x}}", parameter: { x: "a: b" }, want: { v: "a: b" } },
    {
      name: "int",
      template: 'v: {{json (list (int "80%") (int parameter.n) (int "12.7") (int "none") (int null))}}',
      parameter: { n: 5 },
      want: { v: [80, 5, 12, null, null] },
    },
    {
      name: "collections",
      template:
        'v: {{json (list (contains parameter.l "y") (len parameter.l) (hasKey parameter.m "k") ' +
        '(get parameter.m "k") (dict "a" 1) (pluck parameter.o "n"))}}',
      parameter: { l: ["x", "y"], m: { k: 2 }, o: [{ n: 1 }, {}] },
      want: { v: [true, 2, true, 2, { a: 1 }, [1, null]] },
    },
    {
      name: "indented block tags vanish",
      template: "a:\n  {{#if parameter.x}}\n  b: 1\n  {{else}}\n  c: 2\n  {{/if}}\nd: 3\n",
      parameter: { x: false },
      want: { a: { c: 2 }, d: 3 },
    },
    {
      name: "blank output is skipped",
      template: "{{#if parameter.x}}\na: 1\n{{/if}}\n# nothing\n",
      parameter: { x: false },
      want: undefined,
    },
  ])("$name", ({ template, parameter, want }) => {
    expect(renderTemplate(template, { parameter, context: {} })).toEqual(want);
  });

  it("has no log helper and fails on unknown helpers", () => {
    expect(() => renderTemplate("{{log 1}}", { parameter: {} })).toThrow();
  });
});

describe("evaluateHealth", () => {
  const webservice = registry.getComponent("webservice");
  it.each([
    {
      name: "ready",
      output: { spec: { replicas: 2 }, status: { readyReplicas: 2 } },
      healthy: true,
      message: "Ready:2/2",
    },
    {
      name: "not ready",
      output: { spec: { replicas: 3 }, status: { readyReplicas: 1 } },
      healthy: false,
      message: "Ready:1/3",
    },
    { name: "no status yet", output: { spec: { replicas: 1 } }, healthy: false, message: "Ready:0/1" },
  ])("$name", ({ output, healthy, message }) => {
    expect(
      evaluateHealth(webservice, { output, outputs: {}, parameter: {}, context: {} }, { cache: registry.cache }),
    ).toEqual({ healthy, message });
  });
});

describe("two outputs rendering the same object", () => {
  const { registry: bundled } = loadDefinitions({});
  const text = [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    "  name: shop",
    "spec:",
    "  components:",
    "    - name: orders-api",
    "      type: webservice",
    "      properties:",
    "        image: nginx:1.25",
    "        ports:",
    "          - {port: 8080, expose: true}",
    "      traits:",
    "        - type: gateway",
    "          properties:",
    "            domain: orders.example.com",
    '            http: {"/": 8080}',
    "",
  ].join("\n");

  it("is a render error naming both sources, at the trait's line (not rewrites at apply time)", () => {
    const parsed = parseApplication(text, "shop.yaml");
    let error: unknown;
    try {
      renderAppfile(bindAppfile(parsed.application, bundled, { sourceMap: parsed.sourceMap }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "E_DUPLICATE_OBJECT",
      path: "/spec/components/0/traits/0/type",
      source: { file: "shop.yaml", line: 14 },
    });
    expect(issues[0]?.message).toBe(
      'Service default/orders-api is rendered twice: by component "orders-api" (its webservice outputs.webserviceExpose)' +
        ' and by trait "gateway" of component "orders-api" (outputs.service)',
    );
  });

  it("without expose the gateway's Service is the only one: no error", () => {
    const named = text.replace("          - {port: 8080, expose: true}", "          - {port: 8080}");
    const parsed = parseApplication(named, "shop.yaml");
    expect(() => renderAppfile(bindAppfile(parsed.application, bundled))).not.toThrow();
  });
});
