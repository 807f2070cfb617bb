import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "../../src/model/index.js";

/**
 * How a rendered Application compares with what KubeVela renders for it: the expectations of
 * `test/fixtures/kubevela-docs/*.yaml` (objects by kind and name, the OAM contract's labels, the
 * Application's own labels and annotations, the fields the example is about).
 */

/** One object KubeVela renders for a documented example. */
export interface ExpectedObject {
  readonly kind: string;
  readonly name: string;
  readonly apiVersion?: string;
  /** Default: the Application's namespace (none for cluster-scoped kinds). */
  readonly namespace?: string;
  /** `workload.oam.dev/type` of a component's main object. */
  readonly workloadType?: string;
  /** `trait.oam.dev/type` (`AuxiliaryWorkload` for a component's own extra objects). */
  readonly traitType?: string;
  readonly traitResource?: string;
  /** Labels beyond the contract and the Application's own (from the template or a trait). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Every annotation the object carries (none when absent). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Dotted paths (list indexes as numbers) and their exact values. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A documented example: the page it comes from, the Application, the objects KubeVela renders. */
export interface DocumentedExample {
  readonly source: string;
  readonly application: {
    readonly metadata: {
      readonly name: string;
      readonly namespace?: string;
      readonly labels?: Record<string, string>;
      readonly annotations?: Record<string, string>;
    };
    readonly spec: { readonly components: readonly { readonly name: string }[] };
  };
  readonly expect: readonly ExpectedObject[];
}

const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding", "Namespace", "PersistentVolume"]);

/** The value at a dotted path (`spec.template.spec.containers.0.image`). */
export function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const segment of path.split(".")) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (current !== null && typeof current === "object") current = (current as Record<string, unknown>)[segment];
    else return undefined;
  }
  return current;
}

/** The OAM contract's labels KubeVela puts on an object of a first-revision Application. */
export function contractLabels(
  app: DocumentedExample["application"],
  component: string,
  expected: ExpectedObject,
): Record<string, string> {
  const namespace = app.metadata.namespace ?? "default";
  const owner =
    expected.workloadType !== undefined
      ? { "workload.oam.dev/type": expected.workloadType, "app.oam.dev/resourceType": "WORKLOAD" }
      : {
          "trait.oam.dev/type": expected.traitType ?? "",
          ...(expected.traitResource === undefined ? {} : { "trait.oam.dev/resource": expected.traitResource }),
          "app.oam.dev/resourceType": "TRAIT",
        };
  return {
    ...app.metadata.labels,
    ...expected.labels,
    ...owner,
    "app.oam.dev/name": app.metadata.name,
    "app.oam.dev/namespace": namespace,
    "app.oam.dev/appRevision": `${app.metadata.name}-v1`,
    "app.oam.dev/component": component,
  };
}

/** The differences between the rendered objects and KubeVela's (empty when they match). */
export function compareWithUpstream(example: DocumentedExample, objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const key = (kind: string, name: string): string => `${kind}/${name}`;
  const rendered = new Map(objects.map((object) => [key(object.kind, object.metadata.name ?? ""), object]));
  const wanted = new Set(example.expect.map((object) => key(object.kind, object.name)));
  for (const name of rendered.keys()) if (!wanted.has(name)) problems.push(`${name}: rendered, KubeVela does not`);
  const component = example.application.spec.components[0]?.name ?? "";
  for (const expected of example.expect) {
    const object = rendered.get(key(expected.kind, expected.name));
    const where = key(expected.kind, expected.name);
    if (object === undefined) {
      problems.push(`${where}: not rendered`);
      continue;
    }
    if (expected.apiVersion !== undefined && object.apiVersion !== expected.apiVersion)
      problems.push(`${where}: apiVersion ${object.apiVersion}, KubeVela ${expected.apiVersion}`);
    const namespace = CLUSTER_SCOPED.has(expected.kind)
      ? undefined
      : (expected.namespace ?? example.application.metadata.namespace ?? "default");
    if (object.metadata.namespace !== namespace)
      problems.push(`${where}: namespace ${String(object.metadata.namespace)}, KubeVela ${String(namespace)}`);
    const labels = contractLabels(example.application, component, expected);
    if (!isDeepStrictEqual(object.metadata.labels ?? {}, labels))
      problems.push(`${where}: labels ${JSON.stringify(object.metadata.labels)}, KubeVela ${JSON.stringify(labels)}`);
    const annotations = { ...example.application.metadata.annotations, ...expected.annotations };
    if (!isDeepStrictEqual(object.metadata.annotations ?? {}, annotations))
      problems.push(
        `${where}: annotations ${JSON.stringify(object.metadata.annotations)}, KubeVela ${JSON.stringify(annotations)}`,
      );
    for (const [path, value] of Object.entries(expected.fields ?? {})) {
      const actual = valueAt(object, path);
      if (!isDeepStrictEqual(actual, value))
        problems.push(`${where}: ${path} is ${JSON.stringify(actual)}, KubeVela ${JSON.stringify(value)}`);
    }
  }
  return problems;
}
