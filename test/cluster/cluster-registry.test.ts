import { describe, expect, it } from "vitest";
import {
  checkClusterName,
  clusterEntryOf,
  clusterSecret,
  LABEL_CLUSTER_CREDENTIAL_TYPE,
  type ClusterEntry,
} from "../../src/cluster/cluster-registry.js";
import { buildResourceTracker, resourcesToCollect, type TrackedResource } from "../../src/cluster/tracker.js";
import { UsageError } from "../../src/errors/index.js";

describe("the cluster registry's Secrets", () => {
  const caData = Buffer.from("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n").toString("base64");
  it.each<ClusterEntry>([
    { name: "prod", labels: { env: "prod" }, endpoint: { kind: "sandbox", dir: "/tmp/sb.members/prod" } },
    {
      name: "eu",
      labels: { region: "eu" },
      endpoint: {
        kind: "remote",
        credentials: {
          server: "https://eu.example.com:6443",
          caData,
          credential: { type: "ServiceAccountToken", token: "t0k" },
        },
      },
    },
    {
      name: "us",
      labels: {},
      endpoint: {
        kind: "remote",
        credentials: {
          server: "https://us.example.com",
          credential: { type: "X509Certificate", certData: "Q0VSVA==", keyData: "S0VZ" },
        },
      },
    },
  ])("$name: written as KubeVela's cluster Secret and read back", (entry) => {
    const secret = clusterSecret(entry);
    expect(secret.metadata).toMatchObject({ name: entry.name, namespace: "vela-system" });
    expect(secret.metadata.labels?.[LABEL_CLUSTER_CREDENTIAL_TYPE]).toBe(
      entry.endpoint.kind === "sandbox" ? "Sandbox" : entry.endpoint.credentials.credential.type,
    );
    expect(clusterEntryOf(secret)).toEqual(entry);
  });

  it("a token member's Secret holds endpoint, ca.crt and token as KubeVela's cluster gateway reads them", () => {
    const secret = clusterSecret({
      name: "eu",
      labels: {},
      endpoint: {
        kind: "remote",
        credentials: {
          server: "https://eu.example.com",
          caData,
          credential: { type: "ServiceAccountToken", token: "t0k" },
        },
      },
    });
    const data = secret.data as Record<string, string>;
    const text = (key: string): string => Buffer.from(data[key] ?? "", "base64").toString("utf8");
    expect(Object.keys(data).sort()).toEqual(["ca.crt", "endpoint", "token"]);
    expect(text("endpoint")).toBe("https://eu.example.com");
    expect(text("ca.crt")).toContain("BEGIN CERTIFICATE");
    expect(text("token")).toBe("t0k");
  });

  it("an X.509 member's Secret holds tls.crt and tls.key; no ca.crt means the server's certificate is not verified", () => {
    const secret = clusterSecret({
      name: "us",
      labels: {},
      endpoint: {
        kind: "remote",
        credentials: {
          server: "https://us",
          credential: { type: "X509Certificate", certData: "Q0VSVA==", keyData: "S0VZ" },
        },
      },
    });
    expect(secret.data).toEqual({
      endpoint: Buffer.from("https://us").toString("base64"),
      "tls.crt": "Q0VSVA==",
      "tls.key": "S0VZ",
    });
  });

  it("a Secret vela-ts cannot connect with is not a member: another credential type, or a token type without a token", () => {
    const secret = clusterSecret({ name: "x", labels: {}, endpoint: { kind: "sandbox", dir: "/d" } });
    const other = {
      ...secret,
      metadata: { ...secret.metadata, labels: { [LABEL_CLUSTER_CREDENTIAL_TYPE]: "Dynamic" } },
    };
    expect(clusterEntryOf(other)).toBeUndefined();
    const tokenless = {
      ...secret,
      metadata: { ...secret.metadata, labels: { [LABEL_CLUSTER_CREDENTIAL_TYPE]: "ServiceAccountToken" } },
      data: { endpoint: Buffer.from("https://x").toString("base64") },
    };
    expect(clusterEntryOf(tokenless)).toBeUndefined();
  });

  it.each(["local", "Prod", "a_b", "-a", ""])("cluster name %j is refused with a hint", (name) => {
    expect(() => checkClusterName(name)).toThrow(UsageError);
  });
});

describe("garbage collection across clusters", () => {
  const deployment = (cluster?: string): TrackedResource => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: "web",
    namespace: "prod",
    component: "web",
    ...(cluster === undefined ? {} : { cluster }),
  });

  it("the same object in two clusters is two resources: the one no longer rendered is collected, in its cluster", () => {
    const older = buildResourceTracker({ name: "app", namespace: "default" }, "app-v1", [
      deployment("eu"),
      deployment("us"),
    ]);
    expect(resourcesToCollect([older], [deployment("eu")])).toEqual([
      {
        cluster: "us",
        ref: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "prod" },
        resource: deployment("us"),
      },
    ]);
  });

  it("an object on the hub is not kept by its namesake in a member", () => {
    const older = buildResourceTracker({ name: "app", namespace: "default" }, "app-v1", [deployment()]);
    expect(resourcesToCollect([older], [deployment("eu")]).map((item) => item.cluster)).toEqual(["local"]);
  });
});
