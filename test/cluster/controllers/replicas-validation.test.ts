/**
 * The sandbox refuses a negative `spec.replicas` on every workload kind that has one, as the API
 * server (and OpenKruise's and Argo Rollouts' webhooks) answer 422 Invalid.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors/index.js";
import { openSandbox } from "../../../src/cluster/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";

const TEMPLATE = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } };

function workload(apiVersion: string, kind: string, replicas: number): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas,
      ...(kind === "StatefulSet" ? { serviceName: "web" } : {}),
      selector: { matchLabels: { app: "web" } },
      template: TEMPLATE,
      ...(kind === "Rollout" ? { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } } : {}),
    },
  };
}

async function refusal(write: Promise<unknown>): Promise<ValidationError> {
  const error = await write.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

const KINDS = [
  ["apps/v1", "Deployment"],
  ["apps/v1", "ReplicaSet"],
  ["apps/v1", "StatefulSet"],
  ["apps.kruise.io/v1alpha1", "CloneSet"],
  ["apps.kruise.io/v1beta1", "StatefulSet"],
  ["argoproj.io/v1alpha1", "Rollout"],
] as const;

describe("negative spec.replicas", () => {
  it.each(KINDS)("is refused on a %s %s, at create and at update; 0 is accepted", async (apiVersion, kind) => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock(), controllers: [] });
    const created = await refusal(sandbox.apply(workload(apiVersion, kind, -1)));
    expect(created.message).toBe(
      `${kind} default/web: spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
    );
    expect(await sandbox.get({ apiVersion, kind, name: "web", namespace: "default" })).toBeUndefined();
    await sandbox.apply(workload(apiVersion, kind, 0));
    const updated = await refusal(sandbox.apply(workload(apiVersion, kind, -3)));
    expect(updated.message).toContain("spec.replicas: Invalid value: -3: must be greater than or equal to 0");
    const stored = await sandbox.get({ apiVersion, kind, name: "web", namespace: "default" });
    expect((stored?.spec as { replicas: number }).replicas).toBe(0);
    sandbox.close();
  });
});
