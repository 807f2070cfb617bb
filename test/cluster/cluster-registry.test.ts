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
  it.each<ClusterEntry>([
    { name: "prod", labels: { env: "prod" }, endpoint: { kind: "sandbox", dir: "/tmp/sb.members/prod" } },
    { name: "eu", labels: {}, endpoint: { kind: "kubeconfig", kubeconfig: "/home/me/.kube/eu", context: "eu-admin" } },
  ])("$name: written as KubeVela's cluster Secret and read back", (entry) => {
    const secret = clusterSecret(entry);
    expect(secret.metadata).toMatchObject({ name: entry.name, namespace: "vela-system" });
    expect(secret.metadata.labels?.[LABEL_CLUSTER_CREDENTIAL_TYPE]).toBe(
      entry.endpoint.kind === "sandbox" ? "Sandbox" : "Kubeconfig",
    );
    expect(clusterEntryOf(secret)).toEqual(entry);
  });

  it("a Secret of another credential type is not a vela-ts member", () => {
    const secret = clusterSecret({ name: "x", labels: {}, endpoint: { kind: "sandbox", dir: "/d" } });
    const other = { ...secret, metadata: { ...secret.metadata, labels: { [LABEL_CLUSTER_CREDENTIAL_TYPE]: "X509" } } };
    expect(clusterEntryOf(other)).toBeUndefined();
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
