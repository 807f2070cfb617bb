import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import type { ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { createAjv } from "../../src/model/index.js";
import { HAS_SHARED, sharedPath } from "./shared.js";

/**
 * Validates rendered objects against the real upstream schemas (DESIGN §5):
 * - CRD kinds against `../shared/reference/crds/*.yaml`, the served version picked by apiVersion;
 * - built-in kinds against the Kubernetes OpenAPI schemas that `kubernetes-models` ships (compiled
 *   validators: types, required fields, enums, formats) plus an unknown-field check walked over the
 *   OpenAPI type map of `@kubernetes/client-node`, because the OpenAPI schemas leave
 *   `additionalProperties` open and would let a misspelt field through;
 * - kinds with neither must be listed in {@link NO_UPSTREAM_SCHEMA}, so a new kind cannot escape
 *   validation silently.
 */

/** One schema violation: JSON pointer into the object and what is wrong. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** Where the schema of a kind comes from. */
export type SchemaSource = "crd" | "kubernetes" | "none";

/**
 * Kinds vela-ts renders that have no upstream schema here, with the reason. Objects of these kinds
 * are checked only for apiVersion/kind/metadata.
 */
export const NO_UPSTREAM_SCHEMA: ReadonlyMap<string, string> = new Map([
  [
    "standard.oam.dev/v1alpha1/Rollout",
    "KubeVela v1.1 rollout CRD, removed upstream (kubevela#6041); not in reference/crds",
  ],
  ["networking.istio.io/v1alpha3/Gateway", "istio Gateway CRD not in reference/crds"],
  ["source.toolkit.fluxcd.io/v1/GitRepository", "Flux GitRepository CRD not in reference/crds"],
  ["source.toolkit.fluxcd.io/v1beta2/Bucket", "Flux Bucket CRD not in reference/crds"],
  ["vector.oam.dev/v1alpha1/Config", "vector controller Config (KubeVela loki addon) has no published CRD"],
  ["rollouts.kruise.io/v1alpha1/BatchRelease", "Kruise BatchRelease CRD not in reference/crds"],
  ["gateway.networking.k8s.io/v1/HTTPRoute", "Gateway API CRDs not in reference/crds"],
]);

interface CrdVersionSchema {
  readonly validate: ValidateFunction;
}

const requireCjs = createRequire(import.meta.url);

/**
 * Models of CRD kinds that npm packages ship (`@kubernetes-models/argo-rollouts`: the Argo
 * Rollouts CRD's schema), keyed `group/version/Kind`. They are ES modules, loaded once here.
 */
const NPM_CRD_MODELS: ReadonlyMap<string, KubernetesModelClass> = new Map([
  [
    "argoproj.io/v1alpha1/Rollout",
    (await import("@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1")).Rollout as unknown as KubernetesModelClass,
  ],
]);
const ajv = createAjv({ useDefaults: false });

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The API server prunes unknown fields of structural schemas rather than rejecting them; to catch
 * typos we close every object schema that declares `properties` and does not preserve unknown
 * fields. `x-kubernetes-validations` (CEL rules) stay annotations: ajv does not evaluate CEL, and
 * the rules of these CRDs only constrain combinations we do not render.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!isRecord(schema)) return schema;
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === "properties" && isRecord(value)
        ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, closeObjects(sub)]))
        : closeObjects(value);
  }
  const preserves = schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (isRecord(schema.properties) && !preserves && schema.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

let crdCache: Map<string, CrdVersionSchema> | undefined;

/** `group/version/Kind` → compiled schema of every served version of every reference CRD. */
function crdSchemas(): Map<string, CrdVersionSchema> {
  if (crdCache !== undefined) return crdCache;
  const schemas = new Map<string, CrdVersionSchema>();
  const dir = sharedPath("reference", "crds");
  if (HAS_SHARED && existsSync(dir)) {
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith(".yaml"))
      .sort()) {
      for (const document of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
        const crd: unknown = document.toJS();
        if (!isRecord(crd) || crd.kind !== "CustomResourceDefinition" || !isRecord(crd.spec)) continue;
        const spec = crd.spec;
        const names = spec.names;
        if (
          typeof spec.group !== "string" ||
          !isRecord(names) ||
          typeof names.kind !== "string" ||
          !Array.isArray(spec.versions)
        )
          continue;
        for (const version of spec.versions) {
          if (
            !isRecord(version) ||
            version.served !== true ||
            typeof version.name !== "string" ||
            !isRecord(version.schema)
          )
            continue;
          const openApi = closeObjects(version.schema.openAPIV3Schema);
          if (!isRecord(openApi)) continue;
          // Some CRDs (istio) leave apiVersion/kind/metadata out of the root schema; metadata is
          // checked like a built-in object's metadata instead of by the CRD's `type: object`.
          const properties = {
            ...(isRecord(openApi.properties) ? openApi.properties : {}),
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { type: "object" },
          };
          schemas.set(`${spec.group}/${version.name}/${names.kind}`, {
            validate: ajv.compile({ ...openApi, properties }),
          });
        }
      }
    }
  }
  crdCache = schemas;
  return schemas;
}

/** `kubernetes-models` module of a built-in kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
function kubernetesModelsModule(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

interface KubernetesModel {
  validate(): void;
}
type KubernetesModelClass = new (data: unknown) => KubernetesModel;

function objectMetaModel(): KubernetesModelClass {
  const module = requireCjs("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta") as {
    ObjectMeta: KubernetesModelClass;
  };
  return module.ObjectMeta;
}

function findKubernetesModel(apiVersion: string, kind: string): KubernetesModelClass | undefined {
  try {
    const module = requireCjs(kubernetesModelsModule(apiVersion, kind)) as Record<string, unknown>;
    const model = module[kind];
    return typeof model === "function" ? (model as KubernetesModelClass) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the object's kind is checked against a CRD, the Kubernetes schemas, or nothing. */
export function schemaSourceOf(apiVersion: string, kind: string): SchemaSource {
  if (crdSchemas().has(`${apiVersion}/${kind}`) || NPM_CRD_MODELS.has(`${apiVersion}/${kind}`)) return "crd";
  if (!apiVersion.includes(".") || apiVersion.includes(".k8s.io/")) {
    if (findKubernetesModel(apiVersion, kind) !== undefined) return "kubernetes";
  }
  return "none";
}

/** Whether a CRD kind is known from reference/crds (false when ../shared is absent). */
export function hasCrdSchema(apiVersion: string, kind: string): boolean {
  return crdSchemas().has(`${apiVersion}/${kind}`);
}

interface AttributeType {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { getAttributeTypeMap?: () => readonly AttributeType[] };

const k8sModels = k8s as unknown as Record<string, ModelClass | undefined>;

function attributesOf(typeName: string): readonly AttributeType[] | undefined {
  const model = k8sModels[typeName];
  return typeof model?.getAttributeTypeMap === "function" ? model.getAttributeTypeMap() : undefined;
}

/** client-node's class of a built-in kind: `apps/v1` Deployment → `V1Deployment`. */
function clientNodeTypeOf(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split("/").at(-1) ?? "";
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return attributesOf(name) === undefined ? undefined : name;
}

const ARRAY_TYPE = /^Array<(.+)>$/;
const MAP_TYPE = /^\{ \[key: string\]: (.+); \}$/;

/** Fields that the OpenAPI type map does not know, walked recursively. */
function unknownFields(value: unknown, typeName: string, path: string, issues: SchemaIssue[]): void {
  const arrayOf = ARRAY_TYPE.exec(typeName);
  if (arrayOf !== null) {
    if (Array.isArray(value))
      value.forEach((item, index) => unknownFields(item, arrayOf[1] ?? "any", `${path}/${index}`, issues));
    return;
  }
  const mapOf = MAP_TYPE.exec(typeName);
  if (mapOf !== null) {
    if (isRecord(value))
      for (const [key, item] of Object.entries(value))
        unknownFields(item, mapOf[1] ?? "any", `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, issues);
    return;
  }
  const attributes = attributesOf(typeName);
  if (attributes === undefined || !isRecord(value)) return;
  const known = new Map(attributes.map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value)) {
    const type = known.get(key);
    const childPath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (type === undefined) issues.push({ path: childPath, message: `unknown field "${key}" (not in ${typeName})` });
    else unknownFields(item, type, childPath, issues);
  }
}

interface AjvLikeError {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: unknown;
}

function issuesOfAjvErrors(errors: readonly AjvLikeError[] | null | undefined): SchemaIssue[] {
  return (errors ?? []).map((error) => {
    const params = isRecord(error.params) ? error.params : {};
    const extra =
      typeof params.additionalProperty === "string"
        ? ` "${params.additionalProperty}"`
        : Array.isArray(params.allowedValues)
          ? ` ${JSON.stringify(params.allowedValues)}`
          : "";
    return { path: error.instancePath ?? "", message: `${error.message ?? "is invalid"}${extra}` };
  });
}

/**
 * Checks one object against its upstream schema. Returns every problem found (empty = valid). A
 * kind with no schema and not listed in {@link NO_UPSTREAM_SCHEMA} is itself an issue; so is a CRD
 * kind when ../shared is absent (callers skip such tests with `HAS_SHARED`).
 */
export function validateAgainstSchema(object: unknown): SchemaIssue[] {
  if (!isRecord(object)) return [{ path: "", message: "not an object" }];
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string")
    return [{ path: "", message: "apiVersion and kind must be strings" }];
  const issues: SchemaIssue[] = [];
  if (!isRecord(object.metadata)) issues.push({ path: "/metadata", message: "metadata must be an object" });
  else {
    unknownFields(object.metadata, "V1ObjectMeta", "/metadata", issues);
    issues.push(
      ...kubernetesModelIssues(objectMetaModel(), object.metadata).map((issue) => ({
        ...issue,
        path: `/metadata${issue.path}`,
      })),
    );
  }

  const crd = crdSchemas().get(`${apiVersion}/${kind}`);
  if (crd !== undefined) {
    if (!crd.validate(object)) issues.push(...issuesOfAjvErrors(crd.validate.errors));
    return issues;
  }
  const npmModel = NPM_CRD_MODELS.get(`${apiVersion}/${kind}`);
  if (npmModel !== undefined) {
    issues.push(...kubernetesModelIssues(npmModel, { ...object, metadata: {} }));
    return issues;
  }
  const model = findKubernetesModel(apiVersion, kind);
  if (model !== undefined && (!apiVersion.includes(".") || apiVersion.includes(".k8s.io/"))) {
    // metadata was checked above; leave it out so its issues are not reported twice.
    issues.push(...kubernetesModelIssues(model, { ...object, metadata: {} }));
    const typeName = clientNodeTypeOf(apiVersion, kind);
    if (typeName === undefined)
      issues.push({ path: "", message: `no OpenAPI type map for ${apiVersion} ${kind} to check unknown fields` });
    else {
      const { metadata: _metadata, ...rest } = object;
      unknownFields(rest, typeName, "", issues);
    }
    return issues;
  }
  if (NO_UPSTREAM_SCHEMA.has(`${apiVersion}/${kind}`)) return issues;
  const known = [...crdSchemas().keys()].join(", ");
  return [
    ...issues,
    {
      path: "",
      message:
        `no schema for ${apiVersion} ${kind}: add its CRD to reference/crds or list it in NO_UPSTREAM_SCHEMA ` +
        `(CRDs known: ${known === "" ? "none, ../shared is absent" : known})`,
    },
  ];
}

function kubernetesModelIssues(model: KubernetesModelClass, object: unknown): SchemaIssue[] {
  try {
    new model(structuredClone(object)).validate();
    return [];
  } catch (error) {
    const errors =
      isRecord(error) && Array.isArray(error.errors)
        ? (error.errors as AjvLikeError[])
        : [{ instancePath: "", message: String(error) }];
    return issuesOfAjvErrors(errors);
  }
}

/** Formats issues for an assertion message: `Kind/name /path: message` per line. */
export function describeIssues(object: unknown, issues: readonly SchemaIssue[]): string {
  const record = isRecord(object) ? object : {};
  const metadata = isRecord(record.metadata) ? record.metadata : {};
  const subject = `${String(record.apiVersion)} ${String(record.kind)}/${String(metadata.name)}`;
  return issues.map((issue) => `${subject} ${issue.path || "/"}: ${issue.message}`).join("\n");
}
