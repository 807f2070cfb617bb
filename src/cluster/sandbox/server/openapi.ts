import { createHash } from "node:crypto";
import type { JsonObject } from "../../../util/index.js";
import { servedTypes, type DiscoveryScope } from "./discovery.js";
import { kindSchema, schemaName } from "./openapi-schemas.js";

/** `api/v1`, `apis/apps/v1`: the keys of the OpenAPI v3 root document. */
function groupVersionPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function groupVersions(scope: DiscoveryScope): { readonly group: string; readonly version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const type of servedTypes(scope))
    for (const version of type.versions)
      seen.set(groupVersionPath(type.group, version), { group: type.group, version });
  return [...seen.values()];
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32).toUpperCase();
}

/**
 * `GET /openapi/v3`: the discovery document listing one spec per group/version. kubectl fetches it
 * before `apply`/`create` to learn whether the server validates fields itself (`fieldValidation`).
 */
export function openApiRoot(scope: DiscoveryScope): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions(scope)) {
    const path = groupVersionPath(group, version);
    paths[path] = {
      serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(openApiGroupVersion(scope, group, version))}`,
    };
  }
  return { paths };
}

const QUERY_PARAMETERS = ["dryRun", "fieldManager", "fieldValidation", "force"].map((name) => ({
  name,
  in: "query",
  schema: { type: "string", uniqueItems: true },
}));

/** Each served kind of a group/version with its schema, tagged with its group-version-kind. */
function schemasOf(scope: DiscoveryScope, group: string, version: string): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = {};
  for (const type of servedTypes(scope))
    if (type.group === group && type.versions.includes(version))
      schemas[schemaName(group, version, type.kind)] = {
        ...kindSchema(type, version),
        "x-kubernetes-group-version-kind": [{ group, version, kind: type.kind }],
      };
  return schemas;
}

/**
 * `GET /openapi/v3/apis/<group>/<version>`: an OpenAPI v3 document with one PATCH operation per
 * served kind, tagged with `x-kubernetes-group-version-kind` and declaring the `fieldValidation`
 * query parameter (kubectl reads that to leave validation to the server), and each kind's schema
 * in `components.schemas` (what `kubectl explain` reads; `server/openapi-schemas.ts`). The PATCH
 * operations declare no request body, so kubectl still builds its apply patches as before: from
 * its compiled-in types (built-in kinds) or as JSON merge patches (custom kinds).
 */
export function openApiGroupVersion(
  scope: DiscoveryScope,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = servedTypes(scope).filter((type) => type.group === group && type.versions.includes(version));
  if (types.length === 0) return undefined;
  const prefix = `/${groupVersionPath(group, version)}`;
  const paths: Record<string, unknown> = {};
  for (const type of types) {
    const item = type.namespaced
      ? `${prefix}/namespaces/{namespace}/${type.plural}/{name}`
      : `${prefix}/${type.plural}/{name}`;
    paths[item] = {
      patch: {
        operationId: `patch${type.kind}`,
        parameters: QUERY_PARAMETERS,
        responses: { "200": { description: "OK" } },
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": { group, version, kind: type.kind },
      },
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "vela-ts sandbox", version: "v1.30.0" },
    paths,
    components: { schemas: schemasOf(scope, group, version) },
  };
}

function protoString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}

function protoMessage(field: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, content.length]), content]);
}

/**
 * The protobuf media type of `/openapi/v2` as the API server answers it (kubectl asks with `@v1.0`,
 * which Go's MIME parser cannot read back, so the server writes `.v1.0`).
 */
const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/** True when an Accept header asks for the protobuf form of `/openapi/v2`. */
export function wantsProtobufOpenApi(accept: string | undefined): boolean {
  return accept?.includes("com.github.proto-openapi.spec.v2") === true;
}

/**
 * `GET /openapi/v2`. As JSON: every served kind's schema in `definitions` (the same schemas as
 * `/openapi/v3`, for clients that read v2). As protobuf (what kubectl asks for): a document
 * without definitions. Older kubectl versions (such as Debian's 1.20 `kubernetes-client`) download
 * it before `apply` to validate objects client-side; a kind without a schema is not validated, so
 * an empty document lets them apply. `swagger` is field 1 and `info` (title = 1, version = 2)
 * field 2 of gnostic's `Document`.
 */
export function openApiV2(
  protobuf: boolean,
  scope: DiscoveryScope = {},
): { readonly contentType: string; readonly body: Buffer } {
  if (protobuf) {
    const body = Buffer.concat([
      protoString(1, "2.0"),
      protoMessage(2, Buffer.concat([protoString(1, "vela-ts sandbox"), protoString(2, "v1.30.0")])),
    ]);
    return { contentType: OPENAPI_V2_PROTOBUF, body };
  }
  const definitions: Record<string, JsonObject> = {};
  for (const { group, version } of groupVersions(scope)) Object.assign(definitions, schemasOf(scope, group, version));
  return {
    contentType: "application/json",
    body: Buffer.from(
      JSON.stringify({
        swagger: "2.0",
        info: { title: "vela-ts sandbox", version: "v1.30.0" },
        paths: {},
        definitions,
      }),
    ),
  };
}
