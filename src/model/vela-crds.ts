/**
 * The CustomResourceDefinitions vela-ts stores its state in on a real cluster (what `vela-ts install`
 * applies, and what the served sandbox publishes as OpenAPI), compatible with KubeVela's: same
 * group, kinds, plurals, short names and scope, so `kubectl get app` and KubeVela's tooling read
 * them. Schemas keep `spec`/`status` open (`x-kubernetes-preserve-unknown-fields`): vela-ts
 * validates Applications and definitions itself, with better messages than the API server could give.
 */
import type { JsonObject } from "../util/index.js";
import type { KubeObject } from "./kube-object.js";

const GROUP = "core.oam.dev";

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
const OPEN_LIST = (description: string): JsonObject => ({
  type: "array",
  description,
  items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
});

const APPLICATION_SPEC: JsonObject = {
  type: "object",
  description: "What the application is made of and how it is delivered.",
  required: ["components"],
  "x-kubernetes-preserve-unknown-fields": true,
  properties: {
    components: {
      type: "array",
      description: "The components of the application: each one workload and its traits.",
      items: {
        type: "object",
        required: ["name", "type"],
        "x-kubernetes-preserve-unknown-fields": true,
        properties: {
          name: { type: "string", description: "The component's name, unique in the application." },
          type: { type: "string", description: "The ComponentDefinition that renders it (webservice, worker…)." },
          properties: {
            type: "object",
            description: "The parameters of its ComponentDefinition.",
            "x-kubernetes-preserve-unknown-fields": true,
          },
          traits: OPEN_LIST("Operational features attached to the component (scaler, gateway…): type and properties."),
          dependsOn: { type: "array", description: "Components deployed before this one.", items: { type: "string" } },
        },
      },
    },
    policies: OPEN_LIST("Policies of the application (topology, override, garbage-collect…): name, type, properties."),
    workflow: {
      type: "object",
      description: "The steps that deliver the application; without it, every component is applied.",
      "x-kubernetes-preserve-unknown-fields": true,
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
