import { loadDefinitions, type DefinitionRegistry } from "../definitions/index.js";
import {
  compareWithLive,
  decompileRulesOf,
  runDecompileRule,
  ruleTargets,
  type DecompileContext,
  type DecompileRule,
  type FieldDifference,
} from "../decompile/index.js";
import { InternalError, VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import type { JsonObject } from "../util/index.js";
import { bindAppfile } from "../appfile/index.js";
import { parseApplications } from "../model/index.js";
import { flattenManifests, renderAppfile } from "../render/index.js";

/** What {@link decompileObjects} proposes. */
export interface DecompiledApplication {
  /** The Application: one component (the workload's definition) with the traits the rules proposed. */
  readonly application: KubeObject;
  /** The objects rendering the Application produces. */
  readonly rendered: readonly KubeObject[];
  /** Fields the rendering sets to something else than the live objects have (what applying changes). */
  readonly differences: readonly FieldDifference[];
  /** Some difference is in a pod template: applying replaces the pods. */
  readonly restartsPods: boolean;
  /** Live objects no rule describes (the Application leaves them as they are). */
  readonly undescribed: readonly KubeObject[];
}

/** Options of {@link decompileObjects}. */
export interface DecompileObjectsOptions {
  readonly appName: string;
  readonly namespace: string;
  /** The live objects: one workload (a kind some ComponentDefinition decompiles) and what goes with it. */
  readonly objects: readonly KubeObject[];
  /** @default the bundled definitions */
  readonly registry?: DefinitionRegistry;
}

function describe(object: KubeObject, namespace: string): string {
  return `${object.kind} ${namespace}/${object.metadata.name ?? ""}`;
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  const group = (apiVersion: string): string => (apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "");
  return a.kind === b.kind && group(a.apiVersion) === group(b.apiVersion) && a.metadata.name === b.metadata.name;
}

/**
 * Objects that point at others (an Ingress at its Service) are decompiled first: the trait that
 * reproduces them may render what they point at too (the `gateway` trait renders the Service).
 */
const KIND_ORDER = ["Ingress", "HTTPRoute", "Gateway", "Service"];
function kindRank(object: KubeObject): number {
  const rank = KIND_ORDER.indexOf(object.kind);
  return rank < 0 ? KIND_ORDER.length : rank;
}

function rulesOf(registry: DefinitionRegistry, kind: "ComponentDefinition" | "TraitDefinition"): DecompileRule[] {
  return registry.list(kind).flatMap((definition) => decompileRulesOf(definition));
}

/**
 * The objects no rule describes stay adopted as they are, in a `ref-objects` component: left out of
 * the Application, objects it had taken over would be garbage-collected by the next apply.
 */
function referencesOf(componentName: string, objects: readonly KubeObject[]): JsonObject[] {
  if (objects.length === 0) return [];
  return [
    {
      name: `${componentName}-objects`,
      type: "ref-objects",
      properties: {
        objects: objects.map((object) => ({
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name ?? "",
        })),
      },
    },
  ];
}

function applicationOf(appName: string, namespace: string, components: readonly JsonObject[]): KubeObject {
  return {
    apiVersion: APPLICATION_API_VERSION,
    kind: APPLICATION_KIND,
    metadata: { name: appName, namespace, labels: { "app.oam.dev/adopt": "native" } },
    spec: {
      components: [...components],
      policies: [
        {
          name: "take-over",
          type: "take-over",
          properties: {
            rules: [{ selector: { componentNames: components.map((component) => component.name ?? "") } }],
          },
        },
      ],
    },
  };
}

/** The objects the Application renders to (as `dry-run` renders them), with the registry already loaded. */
function renderApplication(application: KubeObject, registry: DefinitionRegistry): readonly KubeObject[] {
  const [parsed] = parseApplications(JSON.stringify(application), "<decompiled application>");
  if (parsed === undefined) throw new InternalError("the decompiled Application did not parse");
  const appfile = bindAppfile(parsed.application, registry, { sourceMap: parsed.sourceMap });
  return flattenManifests(renderAppfile(appfile));
}

/**
 * Reverse rendering: turns live objects into an Application whose rendering reproduces them. The
 * workload (the first object some ComponentDefinition's rule reads) becomes the component; the
 * trait rules that read it add traits (`scaler`, `node-label-affinity`, `labels`…); every other
 * object is given to the trait rules that read its kind, unless what is proposed already renders it.
 * The proposal is then rendered and compared with the live objects on the fields the rendering sets.
 */
export function decompileObjects(options: DecompileObjectsOptions): DecompiledApplication {
  const registry = options.registry ?? loadDefinitions().registry;
  const componentRules = rulesOf(registry, "ComponentDefinition");
  const traitRules = rulesOf(registry, "TraitDefinition");
  const workload = options.objects.find((object) => componentRules.some((rule) => ruleTargets(rule, object)));
  if (workload === undefined) {
    const kinds = [...new Set(componentRules.map((rule) => rule.targetResource.kind))].join(", ");
    throw new VelaError(
      "E_DECOMPILE_NO_RULE",
      `no component definition decompiles ${options.objects.map((object) => object.kind).join(", ")}`,
      { hint: `name a workload of a kind the definitions decompile (${kinds}), e.g. deployment/web` },
    );
  }
  const componentName = workload.metadata.name ?? "";
  const context: DecompileContext = {
    name: componentName,
    namespace: options.namespace,
    workload,
    objects: options.objects,
  };
  const componentRule = componentRules.find((rule) => ruleTargets(rule, workload));
  if (componentRule === undefined) throw new VelaError("E_DECOMPILE_NO_RULE", `no rule decompiles ${workload.kind}`);
  const properties = runDecompileRule(componentRule, workload, context);
  if (properties === undefined)
    throw new VelaError(
      "E_DECOMPILE_RULE",
      `decompile rule of "${componentRule.definition.name}" gave no properties for ${describe(workload, options.namespace)}`,
      { hint: `the rule is ${componentRule.location}` },
    );
  const traits: JsonObject[] = [];
  const addTraits = (object: KubeObject): boolean => {
    let added = false;
    for (const rule of traitRules.filter((candidate) => ruleTargets(candidate, object))) {
      const traitProperties = runDecompileRule(rule, object, context);
      if (traitProperties === undefined) continue;
      traits.push({ type: rule.definition.name, properties: traitProperties });
      added = true;
      if (object !== workload) break;
    }
    return added;
  };
  addTraits(workload);
  const component = (): JsonObject => ({
    name: componentName,
    type: componentRule.definition.name,
    properties,
    ...(traits.length === 0 ? {} : { traits: [...traits] }),
  });
  let application = applicationOf(options.appName, options.namespace, [component()]);
  let rendered = renderApplication(application, registry);
  const others = options.objects.filter((object) => object !== workload).sort((a, b) => kindRank(a) - kindRank(b));
  for (const object of others) {
    if (rendered.some((candidate) => sameObject(candidate, object))) continue;
    if (!addTraits(object)) continue;
    application = applicationOf(options.appName, options.namespace, [component()]);
    rendered = renderApplication(application, registry);
  }
  const differences = rendered.flatMap((object) =>
    compareWithLive(
      { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? options.namespace } },
      options.objects.find((live) => sameObject(live, object)),
    ),
  );
  const undescribed = options.objects.filter((object) => !rendered.some((candidate) => sameObject(candidate, object)));
  return {
    application: applicationOf(options.appName, options.namespace, [
      component(),
      ...referencesOf(componentName, undescribed),
    ]),
    rendered,
    differences,
    restartsPods: differences.some((difference) => difference.restartsPods),
    undescribed,
  };
}
