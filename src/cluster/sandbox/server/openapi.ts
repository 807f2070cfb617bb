import { createHash } from "node:crypto";
import { servedTypes, type DiscoveryScope } from "./discovery.js";

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

/**
 * `GET /openapi/v3/apis/<group>/<version>`: a minimal OpenAPI v3 document with one PATCH operation
 * per served kind, tagged with `x-kubernetes-group-version-kind` and declaring the `fieldValidation`
 * query parameter. That is what kubectl's query-parameter check reads; it then leaves validation to
 * the server and does not need schemas. No component schemas are published, so kubectl builds its
 * apply patches from its compiled-in types (built-in kinds) or as JSON merge patches (custom kinds).
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
    components: { schemas: {} },
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
 * `GET /openapi/v2`: an OpenAPI v2 document without definitions. Older kubectl versions (such as
 * Debian's 1.20 `kubernetes-client`) download it, as protobuf, before `apply` to validate objects
 * client-side; a kind without a schema is not validated, so an empty document lets them apply.
 * `swagger` is field 1 and `info` (title = 1, version = 2) field 2 of gnostic's `Document`.
 */
export function openApiV2(protobuf: boolean): { readonly contentType: string; readonly body: Buffer } {
  if (protobuf) {
    const body = Buffer.concat([
      protoString(1, "2.0"),
      protoMessage(2, Buffer.concat([protoString(1, "vela-ts sandbox"), protoString(2, "v1.30.0")])),
    ]);
    return { contentType: OPENAPI_V2_PROTOBUF, body };
  }
  return {
    contentType: "application/json",
    body: Buffer.from(
      JSON.stringify({
        swagger: "2.0",
        info: { title: "vela-ts sandbox", version: "v1.30.0" },
        paths: {},
        definitions: {},
      }),
    ),
  };
}
