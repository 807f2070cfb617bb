import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxServer, strategicMerge, type SandboxServer } from "../../../src/cluster/sandbox/server/index.js";
import { parseRoute } from "../../../src/cluster/sandbox/server/route.js";
import { FakeClock } from "../../../src/util/clock.js";
import type { JsonValue } from "../../../src/util/index.js";
import { MemoryCluster } from "./memory-cluster.js";

interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

function call(
  server: SandboxServer,
  method: string,
  path: string,
  options: {
    readonly body?: unknown;
    readonly contentType?: string;
    readonly accept?: string;
    readonly token?: string | null;
    readonly until?: (text: string) => boolean;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const outgoing = httpsRequest(
      `${server.url}${path}`,
      {
        method,
        ca: server.certificate.certPem,
        headers: {
          ...(options.token === null ? {} : { Authorization: `Bearer ${options.token ?? server.token}` }),
          ...(options.accept === undefined ? {} : { Accept: options.accept }),
          ...(body === undefined ? {} : { "Content-Type": options.contentType ?? "application/json" }),
        },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          if (options.until?.(text) === true) {
            response.destroy();
            resolve({
              status: response.statusCode ?? 0,
              contentType: String(response.headers["content-type"]),
              body: text,
            });
          }
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers["content-type"]),
            body: text,
          }),
        );
        response.on("error", () => undefined);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

const json = (response: RawResponse): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

describe("parseRoute", () => {
  it.each([
    {
      name: "core namespaced item",
      path: "/api/v1/namespaces/prod/pods/web-1",
      want: { type: "resource", group: "", version: "v1", plural: "pods", namespace: "prod", name: "web-1" },
    },
    {
      name: "all-namespaces list",
      path: "/apis/apps/v1/deployments",
      want: { type: "resource", group: "apps", version: "v1", plural: "deployments" },
    },
    {
      name: "status subresource",
      path: "/apis/rollouts.kruise.io/v1alpha1/namespaces/d/rollouts/r/status",
      want: {
        type: "resource",
        group: "rollouts.kruise.io",
        version: "v1alpha1",
        plural: "rollouts",
        namespace: "d",
        name: "r",
        subresource: "status",
      },
    },
    {
      name: "a Namespace object",
      path: "/api/v1/namespaces/prod",
      want: { type: "resource", group: "", version: "v1", plural: "namespaces", name: "prod" },
    },
    {
      name: "a Namespace's status",
      path: "/api/v1/namespaces/prod/status",
      want: { type: "resource", group: "", version: "v1", plural: "namespaces", name: "prod", subresource: "status" },
    },
    {
      name: "a namespaced collection",
      path: "/api/v1/namespaces/prod/configmaps",
      want: { type: "resource", group: "", version: "v1", plural: "configmaps", namespace: "prod" },
    },
    {
      name: "group discovery",
      path: "/apis/core.oam.dev/v1beta1",
      want: { type: "resourceList", group: "core.oam.dev", version: "v1beta1" },
    },
    {
      name: "OpenAPI v3 of the core group",
      path: "/openapi/v3/api/v1",
      want: { type: "openapiGroupVersion", group: "", version: "v1" },
    },
    { name: "too deep", path: "/apis/apps/v1/namespaces/a/deployments/b/status/extra", want: { type: "unknown" } },
  ])("$name", ({ path, want }) => {
    expect(parseRoute(path)).toEqual(want);
  });
});

describe("strategicMerge", () => {
  it.each<{ name: string; target: JsonValue; patch: JsonValue; want: JsonValue }>([
    {
      name: "containers merge by name",
      target: {
        containers: [
          { name: "a", image: "1" },
          { name: "b", image: "1" },
        ],
      },
      patch: {
        containers: [
          { name: "b", image: "2" },
          { name: "c", image: "1" },
        ],
      },
      want: {
        containers: [
          { name: "a", image: "1" },
          { name: "b", image: "2" },
          { name: "c", image: "1" },
        ],
      },
    },
    {
      name: "$patch: delete removes a keyed item",
      target: {
        env: [
          { name: "X", value: "1" },
          { name: "Y", value: "2" },
        ],
      },
      patch: { env: [{ name: "X", $patch: "delete" }] },
      want: { env: [{ name: "Y", value: "2" }] },
    },
    { name: "unkeyed lists replace", target: { args: ["a", "b"] }, patch: { args: ["c"] }, want: { args: ["c"] } },
    { name: "null deletes a field", target: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
    {
      name: "$setElementOrder is ignored",
      target: { ports: [{ containerPort: 80 }] },
      patch: { "$setElementOrder/ports": [{ containerPort: 80 }], ports: [{ containerPort: 80, name: "http" }] },
      want: { ports: [{ containerPort: 80, name: "http" }] },
    },
    {
      name: "$retainKeys drops the others",
      target: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
      patch: { $retainKeys: ["type"], type: "Recreate" },
      want: { type: "Recreate" },
    },
  ])("$name", ({ target, patch, want }) => {
    expect(strategicMerge(target, patch)).toEqual(want);
  });
});

describe("the served API over HTTPS", () => {
  const clock = new FakeClock("2026-01-01T00:00:00Z");
  let cluster: MemoryCluster;
  let server: SandboxServer;

  beforeAll(async () => {
    cluster = new MemoryCluster(clock, 3);
    server = await startSandboxServer({ cluster, clock, settleIntervalMs: 0, bookmarkIntervalMs: 50 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("answers 401 with a Status without the bearer token", async () => {
    for (const token of [null, "wrong"]) {
      const response = await call(server, "GET", "/api/v1/pods", { token });
      expect(response.status).toBe(401);
      expect(json(response)).toMatchObject({ kind: "Status", status: "Failure", reason: "Unauthorized", code: 401 });
    }
  });

  it("lists every API group of the kinds table, and status subresources", async () => {
    const groups = (json(await call(server, "GET", "/apis")).groups as { name: string }[]).map((group) => group.name);
    expect(groups).toEqual(
      expect.arrayContaining([
        "apps",
        "networking.k8s.io",
        "rollouts.kruise.io",
        "helm.toolkit.fluxcd.io",
        "source.toolkit.fluxcd.io",
        "networking.istio.io",
        "core.oam.dev",
        "apps.kruise.io",
        "coordination.k8s.io",
      ]),
    );
    const rollouts = json(await call(server, "GET", "/apis/rollouts.kruise.io/v1alpha1")).resources as {
      name: string;
      namespaced: boolean;
      kind: string;
    }[];
    expect(rollouts.filter((resource) => resource.name.startsWith("rollouts"))).toEqual([
      expect.objectContaining({ name: "rollouts", singularName: "rollout", namespaced: true, kind: "Rollout" }),
      expect.objectContaining({
        name: "rollouts/status",
        namespaced: true,
        kind: "Rollout",
        verbs: ["get", "patch", "update"],
      }),
    ]);
    expect((await call(server, "GET", "/apis/no.such.group/v1")).status).toBe(404);
  });

  it("returns a Table with the kind's columns when kubectl asks for one", async () => {
    await cluster.apply({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "canary", namespace: "demo" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary" } },
        strategy: { canary: { steps: [{ weight: 20 }] } },
      },
      status: {
        phase: "Progressing",
        message: "waiting",
        canaryStatus: { currentStepIndex: 1, currentStepState: "StepPaused" },
      },
    });
    clock.advanceSeconds(300);
    const table = json(
      await call(server, "GET", "/apis/rollouts.kruise.io/v1alpha1/namespaces/demo/rollouts", {
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      }),
    );
    expect((table.columnDefinitions as { name: string }[]).map((column) => column.name)).toEqual([
      "Name",
      "STATUS",
      "CANARY_STEP",
      "CANARY_STATE",
      "MESSAGE",
      "Age",
    ]);
    expect((table.rows as { cells: string[] }[]).map((row) => row.cells)).toEqual([
      ["canary", "Progressing", "1", "StepPaused", "waiting", "5m"],
    ]);
  });

  it("dryRun=All answers like a write but stores nothing", async () => {
    const created = await call(server, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", {
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dry" }, data: { a: "1" } },
    });
    expect(created.status).toBe(201);
    expect(json(created)).toMatchObject({ metadata: { name: "dry", namespace: "default" } });
    expect((await call(server, "GET", "/api/v1/namespaces/default/configmaps/dry")).status).toBe(404);
  });

  it("errors are Status objects: 404 NotFound, 409 AlreadyExists, 415 for an unknown patch type", async () => {
    const missing = await call(server, "GET", "/apis/apps/v1/namespaces/default/deployments/nope");
    expect(missing.status).toBe(404);
    expect(json(missing)).toMatchObject({
      reason: "NotFound",
      message: 'deployments.apps "nope" not found',
      details: { name: "nope", group: "apps", kind: "Deployment" },
    });
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "twice" } };
    await call(server, "POST", "/api/v1/namespaces/default/configmaps", { body });
    const again = await call(server, "POST", "/api/v1/namespaces/default/configmaps", { body });
    expect(again.status).toBe(409);
    expect(json(again)).toMatchObject({ reason: "AlreadyExists", message: 'configmaps "twice" already exists' });
    const badPatch = await call(server, "PATCH", "/api/v1/namespaces/default/configmaps/twice", {
      body: {},
      contentType: "text/plain",
    });
    expect(badPatch.status).toBe(415);
  });

  it("watch streams newline-delimited events and BOOKMARKs", async () => {
    const from = cluster.resourceVersion;
    const pending = call(
      server,
      "GET",
      `/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`,
      { until: (text) => text.includes('"BOOKMARK"') && text.includes('"watched"') },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cluster.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched", namespace: "default" } });
    const response = await pending;
    expect(response.status).toBe(200);
    const events = response.body
      .trim()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as { type: string; object: { metadata: { name?: string; resourceVersion: string } } },
      );
    expect(events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "watched" } } });
    expect(events.find((event) => event.type === "BOOKMARK")?.object.metadata.resourceVersion).toBe(
      events[0]?.object.metadata.resourceVersion,
    );
  });

  it("a watch from a resourceVersion older than the history gets a 410 Expired ERROR event", async () => {
    const old = cluster.resourceVersion;
    for (const name of ["h1", "h2", "h3", "h4", "h5"])
      await cluster.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
    const response = await call(
      server,
      "GET",
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${old}`,
    );
    expect(JSON.parse(response.body.trim())).toMatchObject({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired" },
    });
  });
});
