/**
 * `vela-ts install`: the CustomResourceDefinitions vela-ts stores its state in on a real cluster,
 * compatible with KubeVela's (same group, kinds, plurals, short names and scope), so `kubectl get app`
 * and KubeVela's tooling read them. Schemas keep `spec`/`status` open
 * (`x-kubernetes-preserve-unknown-fields`): vela-ts validates Applications and definitions itself,
 * with better messages than the API server could give.
 */
import type { KubeObject } from "../model/kube-object.js";
import type { JsonObject } from "../util/index.js";
import { openKubeTarget } from "../target/kube-target.js";
import type { KubeClusterOptions } from "../cluster/kube/index.js";

const GROUP = "core.oam.dev";
const FIELD_MANAGER = "vela-ts";

interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "date" | "boolean";
  readonly jsonPath: string;
  readonly priority?: number;
}

interface CrdShape {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
  readonly columns: readonly PrinterColumn[];
  /** The spec schema; open unless given. */
  readonly spec?: JsonObject;
}

const OPEN: JsonObject = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const AGE: PrinterColumn = { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" };
const DESCRIPTION: PrinterColumn = {
  name: "DESCRIPTION",
  type: "string",
  jsonPath: ".metadata.annotations.definition\\.oam\\.dev/description",
  priority: 1,
};

/** `spec.components[]` must be there with a name and type each; everything else is vela-ts's to check. */
const APPLICATION_SPEC: JsonObject = {
  type: "object",
  required: ["components"],
  "x-kubernetes-preserve-unknown-fields": true,
  properties: {
    components: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "type"],
        "x-kubernetes-preserve-unknown-fields": true,
        properties: { name: { type: "string" }, type: { type: "string" } },
      },
    },
  },
};

const SHAPES: readonly CrdShape[] = [
  {
    kind: "Application",
    plural: "applications",
    singular: "application",
    shortNames: ["app", "velaapp"],
    scope: "Namespaced",
    spec: APPLICATION_SPEC,
    columns: [
      { name: "COMPONENT", type: "string", jsonPath: ".spec.components[*].name" },
      { name: "TYPE", type: "string", jsonPath: ".spec.components[*].type" },
      { name: "PHASE", type: "string", jsonPath: ".status.status" },
      { name: "HEALTHY", type: "boolean", jsonPath: ".status.services[*].healthy" },
      { name: "STATUS", type: "string", jsonPath: ".status.services[*].message" },
      AGE,
    ],
  },
  {
    kind: "ApplicationRevision",
    plural: "applicationrevisions",
    singular: "applicationrevision",
    shortNames: ["apprev"],
    scope: "Namespaced",
    columns: [
      { name: "SUCCEEDED", type: "boolean", jsonPath: ".status.succeeded" },
      { name: "PUBLISH_VERSION", type: "string", jsonPath: ".metadata.annotations.app\\.oam\\.dev/publishVersion" },
      AGE,
    ],
  },
  {
    kind: "ResourceTracker",
    plural: "resourcetrackers",
    singular: "resourcetracker",
    shortNames: ["rt"],
    scope: "Cluster",
    columns: [{ name: "TYPE", type: "string", jsonPath: ".spec.type" }, AGE],
  },
  {
    kind: "ComponentDefinition",
    plural: "componentdefinitions",
    singular: "componentdefinition",
    shortNames: ["comp"],
    scope: "Namespaced",
    columns: [{ name: "WORKLOAD-KIND", type: "string", jsonPath: ".spec.workload.definition.kind" }, DESCRIPTION, AGE],
  },
  {
    kind: "TraitDefinition",
    plural: "traitdefinitions",
    singular: "traitdefinition",
    shortNames: ["trait"],
    scope: "Namespaced",
    columns: [{ name: "APPLIES-TO", type: "string", jsonPath: ".spec.appliesToWorkloads" }, DESCRIPTION, AGE],
  },
  {
    kind: "PolicyDefinition",
    plural: "policydefinitions",
    singular: "policydefinition",
    shortNames: ["def-policy"],
    scope: "Namespaced",
    columns: [DESCRIPTION, AGE],
  },
  {
    kind: "WorkflowStepDefinition",
    plural: "workflowstepdefinitions",
    singular: "workflowstepdefinition",
    shortNames: ["workflowstep"],
    scope: "Namespaced",
    columns: [DESCRIPTION, AGE],
  },
];

function crdOf(shape: CrdShape): KubeObject {
  const schema: JsonObject = {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: shape.spec ?? OPEN,
      status: OPEN,
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${shape.plural}.${GROUP}`, labels: { "app.kubernetes.io/part-of": "vela-ts" } },
    spec: {
      group: GROUP,
      names: {
        kind: shape.kind,
        listKind: `${shape.kind}List`,
        plural: shape.plural,
        singular: shape.singular,
        shortNames: [...shape.shortNames],
        categories: ["oam"],
      },
      scope: shape.scope,
      versions: [
        {
          name: "v1beta1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {} },
          additionalPrinterColumns: shape.columns.map((column) => ({ ...column })),
        },
      ],
    },
  };
}

/**
 * The CRDs `vela-ts install` applies: Application, ApplicationRevision, ResourceTracker and the four
 * definition kinds, `apiextensions.k8s.io/v1`, group `core.oam.dev`, version `v1beta1`.
 */
export function velaCustomResourceDefinitions(): KubeObject[] {
  return SHAPES.map(crdOf);
}

/** Options of {@link install}. */
export interface InstallOptions {
  /** `--kubeconfig` */
  readonly kubeconfig?: string;
  /** `--context` */
  readonly context?: string;
  /** `KUBECONFIG`, `HOME`, in-cluster variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Only return the CRDs; touch no cluster. @default false */
  readonly dryRun?: boolean;
  /** Take over fields another field manager owns (e.g. CRDs a KubeVela install left). @default false */
  readonly forceConflicts?: boolean;
  readonly kubeClient?: KubeClusterOptions;
}

/** What one CRD apply did, in kubectl's words. */
export interface InstalledCrd {
  readonly name: string;
  readonly outcome: "created" | "configured" | "unchanged";
}

/** What {@link install} did. */
export interface InstallResult {
  readonly crds: readonly KubeObject[];
  /** Empty on a dry run. */
  readonly applied: readonly InstalledCrd[];
  /** `cluster <context> at <server>`, absent on a dry run. */
  readonly target?: string;
}

/**
 * `vela-ts install`: server-side applies the vela-ts CRDs to the real cluster the kubeconfig names
 * (field manager `vela-ts`). Safe to run again: unchanged CRDs are reported as such.
 */
export async function install(options: InstallOptions): Promise<InstallResult> {
  const crds = velaCustomResourceDefinitions();
  if (options.dryRun === true) return { crds, applied: [] };
  const cluster = await openKubeTarget({
    env: options.env,
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.kubeClient === undefined ? {} : { cluster: options.kubeClient }),
  });
  try {
    const applied: InstalledCrd[] = [];
    for (const crd of crds) {
      const name = crd.metadata.name ?? "";
      const before = await cluster.get({ apiVersion: crd.apiVersion, kind: crd.kind, name });
      const after = await cluster.apply(crd, {
        fieldManager: FIELD_MANAGER,
        ...(options.forceConflicts === true ? { force: true } : {}),
      });
      const outcome =
        before === undefined
          ? "created"
          : before.metadata.resourceVersion === after.metadata.resourceVersion
            ? "unchanged"
            : "configured";
      applied.push({ name, outcome });
    }
    return { crds, applied, target: `cluster ${cluster.contextName} at ${cluster.server}` };
  } finally {
    cluster.close();
  }
}
