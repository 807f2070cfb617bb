/**
 * The round trip of reverse rendering, property-based: for every built-in definition with
 * decompile rules, objects rendered from generated properties, taken as the live objects, decompile
 * to an Application whose rendering equals them on every field but the application's bookkeeping
 * labels (render(decompile(live)) = live, both ways).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decompileRulesOf, compareWithLive } from "../../src/decompile/index.js";
import { loadDefinitions } from "../../src/definitions/index.js";
import type { KubeObject } from "../../src/model/index.js";
import { decompileObjects, dryRun } from "../../src/operations/index.js";
import type { JsonObject } from "../../src/util/index.js";

const NAME = "shop";
const APP = "store";

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const labelMap = (prefix: string): fc.Arbitrary<Record<string, string>> =>
  fc.dictionary(
    word.map((key) => `${prefix}${key}`),
    word,
    { minKeys: 1, maxKeys: 3 },
  );
const port = fc.integer({ min: 1, max: 65535 });
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });

/** Drops the keys whose value is undefined, so a generated object is plain JSON. */
function defined(record: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(record)) as JsonObject;
}

const probe = fc
  .record({
    action: fc.oneof(
      fc.record({ exec: fc.record({ command: fc.array(word, { minLength: 1, maxLength: 3 }) }) }),
      fc.record({ httpGet: fc.record({ path: word.map((text) => `/${text}`), port, scheme: fc.constant("HTTP") }) }),
      fc.record({ tcpSocket: fc.record({ port }) }),
    ),
    initialDelaySeconds: fc.integer({ min: 0, max: 30 }),
    periodSeconds: fc.integer({ min: 1, max: 60 }),
    timeoutSeconds: fc.integer({ min: 1, max: 10 }),
    successThreshold: fc.integer({ min: 1, max: 3 }),
    failureThreshold: fc.integer({ min: 1, max: 10 }),
  })
  .map(({ action, ...timing }) => defined({ ...action, ...timing }));

const env = fc.uniqueArray(
  fc.record({
    name: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/),
    source: fc.oneof(
      word.map((value) => ({ value })),
      fc.record({ name: word, key: word }).map((ref) => ({ valueFrom: { secretKeyRef: ref } })),
      fc.record({ name: word, key: word }).map((ref) => ({ valueFrom: { configMapKeyRef: ref } })),
    ),
  }),
  { selector: (entry) => entry.name, maxLength: 3 },
);

const webserviceProperties: fc.Arbitrary<JsonObject> = fc
  .record({
    image: word.map((text) => `registry.example.com/${text}:v1`),
    containerName: optional(word),
    selector: optional(labelMap("sel-")),
    labels: optional(labelMap("pod-")),
    annotations: optional(labelMap("note-")),
    imagePullPolicy: optional(fc.constantFrom("Always", "Never", "IfNotPresent")),
    ports: fc.oneof(
      fc.constant(undefined),
      port.map((number) => ({ port: number })),
      fc
        .uniqueArray(
          fc.record({
            port,
            name: optional(fc.stringMatching(/^[a-z]{1,8}$/)),
            protocol: fc.constantFrom("TCP", "UDP"),
            expose: fc.boolean(),
          }),
          { selector: (entry) => `${entry.port}/${entry.protocol}`, minLength: 1, maxLength: 3 },
        )
        .map((ports) => ({ ports })),
    ),
    cmd: optional(fc.array(word, { minLength: 1, maxLength: 3 })),
    args: optional(fc.array(word, { minLength: 1, maxLength: 3 })),
    env: env.map((entries) => entries.map(({ name, source }) => ({ name, ...source }))),
    cpu: optional(fc.constantFrom("100m", "500m", "1", "2")),
    memory: optional(fc.constantFrom("64Mi", "128Mi", "1Gi")),
    livenessProbe: optional(probe),
    readinessProbe: optional(probe),
    hostAliases: optional(
      fc.array(fc.record({ ip: fc.ipV4(), hostnames: fc.array(word, { minLength: 1, maxLength: 2 }) }), {
        minLength: 1,
        maxLength: 2,
      }),
    ),
    imagePullSecrets: optional(fc.array(word, { minLength: 1, maxLength: 2 })),
  })
  .map(({ ports, env: variables, ...rest }) =>
    defined({ ...rest, ...(ports ?? {}), ...(variables.length === 0 ? {} : { env: variables }) }),
  );

interface Case {
  readonly component: JsonObject;
  readonly traits: readonly JsonObject[];
}

/** The component under a trait: its ports not exposed, so the trait's Service is the only one. */
const baseComponent = webserviceProperties.map((properties) =>
  Array.isArray(properties.ports)
    ? { ...properties, ports: properties.ports.map((entry) => ({ ...(entry as JsonObject), expose: false })) }
    : properties,
);
const withTrait = (type: string, properties: fc.Arbitrary<JsonObject>): fc.Arbitrary<Case> =>
  fc.record({ component: baseComponent, properties }).map(({ component, properties: trait }) => ({
    component,
    traits: [{ type, properties: trait }],
  }));

/** A generator per definition with decompile rules: the definition used with generated properties. */
const GENERATORS: Readonly<Record<string, fc.Arbitrary<Case>>> = {
  webservice: webserviceProperties.map((component) => ({ component, traits: [] })),
  scaler: withTrait("scaler", fc.record({ replicas: fc.integer({ min: 0, max: 20 }) })),
  "node-label-affinity": withTrait(
    "node-label-affinity",
    fc
      .record({ isRequired: fc.boolean(), labels: labelMap("zone-"), weight: fc.integer({ min: 1, max: 100 }) })
      .map(({ isRequired, labels, weight }) => (isRequired ? { isRequired, labels } : { isRequired, labels, weight })),
  ),
  labels: withTrait("labels", labelMap("team-")),
  annotations: withTrait("annotations", labelMap("owner-")),
  expose: withTrait(
    "expose",
    fc
      .record({
        ports: fc.uniqueArray(
          fc.record({
            port,
            name: optional(fc.stringMatching(/^[a-z]{1,8}$/)),
            protocol: fc.constantFrom("TCP", "UDP"),
          }),
          { selector: (entry) => `${entry.port}/${entry.protocol}`, minLength: 1, maxLength: 3 },
        ),
        type: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer"),
        matchLabels: optional(labelMap("sel-")),
        annotations: optional(labelMap("note-")),
      })
      .map(defined),
  ),
  gateway: withTrait(
    "gateway",
    fc
      .record({
        domain: optional(word.map((text) => `${text}.example.com`)),
        http: fc.dictionary(
          word.map((text) => `/${text}`),
          port,
          { minKeys: 1, maxKeys: 3 },
        ),
        class: fc.constantFrom("nginx", "traefik"),
        classInSpec: fc.boolean(),
        pathType: fc.constantFrom("ImplementationSpecific", "Prefix", "Exact"),
        secretName: optional(word),
        matchLabels: optional(labelMap("sel-")),
      })
      .map(defined),
  ),
};

function render(component: JsonObject): readonly KubeObject[] {
  const application = {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: APP, namespace: "default" },
    spec: { components: [component] },
  };
  return dryRun({ text: JSON.stringify(application), file: "generated.yaml" }).objects;
}

const { registry } = loadDefinitions();
const withRules = [...registry.list("ComponentDefinition"), ...registry.list("TraitDefinition")]
  .filter((definition) => definition.origin.source === "builtin" && decompileRulesOf(definition).length > 0)
  .map((definition) => definition.name)
  .sort();

describe("render(decompile(live)) = live", () => {
  it("has a generator for every built-in definition with decompile rules", () => {
    expect(withRules).toEqual(Object.keys(GENERATORS).sort());
  });

  for (const name of withRules) {
    it(`${name}: the decompiled Application renders the live objects again`, () => {
      const generator = GENERATORS[name];
      if (generator === undefined) throw new Error(`no generator for ${name}`);
      fc.assert(
        fc.property(generator, ({ component, traits }) => {
          const live = render({
            name: NAME,
            type: "webservice",
            properties: component,
            ...(traits.length === 0 ? {} : { traits: [...traits] }),
          });
          const proposal = decompileObjects({ appName: APP, namespace: "default", objects: live, registry });
          expect(proposal.undescribed).toEqual([]);
          expect(proposal.differences).toEqual([]);
          // Both ways: nothing of the live objects is missing from the rendering either.
          for (const object of live) {
            const again = proposal.rendered.find(
              (candidate) => candidate.kind === object.kind && candidate.metadata.name === object.metadata.name,
            );
            expect(compareWithLive(object, again)).toEqual([]);
          }
        }),
        { seed: 22, numRuns: name === "webservice" ? 40 : 15 },
      );
    });
  }
});
