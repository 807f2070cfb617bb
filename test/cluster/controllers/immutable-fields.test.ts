/**
 * The sandbox refuses the updates a real API server refuses (422 Invalid): a Deployment's selector,
 * a Service's allocated cluster IP, StatefulSet spec fields other than the mutable ones, a Job's
 * template — and still accepts the updates a real server accepts.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors/index.js";
import { openSandbox } from "../../../src/cluster/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";

function deployment(selector: string, replicas = 1): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: selector } },
      template: { metadata: { labels: { app: selector } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
    },
  };
}

function statefulSet(serviceName: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default" },
    spec: {
      replicas,
      serviceName,
      selector: { matchLabels: { app: "db" } },
      template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "postgres" }] } },
    },
  };
}

function job(image: string, parallelism = 1): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default" },
    spec: {
      parallelism,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image }] } },
    },
  };
}

async function refusal(write: Promise<unknown>): Promise<string> {
  const error = await write.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).message;
}

describe("immutable fields on the sandbox", () => {
  it("refuses a Deployment selector change and accepts a replicas change", async () => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock(), controllers: [] });
    await sandbox.apply(deployment("web"));
    expect(await refusal(sandbox.apply(deployment("web-v2")))).toBe(
      'Deployment default/web: spec.selector: Invalid value: {"matchLabels":{"app":"web-v2"}}: field is immutable',
    );
    const scaled = await sandbox.apply(deployment("web", 3));
    expect((scaled.spec as { replicas: number }).replicas).toBe(3);
    sandbox.close();
  });

  it("keeps a Service's allocated cluster IP: omitting it is fine, changing it is refused", async () => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock(), controllers: [] });
    const service: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    };
    const created = await sandbox.apply(service);
    const allocated = (created.spec as { clusterIP: string }).clusterIP;
    expect(allocated).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await sandbox.apply({ ...service, spec: { selector: { app: "web" }, ports: [{ port: 8080 }] } });
    const message = await refusal(
      sandbox.apply({ ...service, spec: { selector: { app: "web" }, ports: [{ port: 80 }], clusterIP: "10.0.0.99" } }),
    );
    expect(message).toContain('spec.clusterIP: Invalid value: "10.0.0.99": field is immutable');
    sandbox.close();
  });

  it("refuses StatefulSet spec fields other than the mutable ones", async () => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock(), controllers: [] });
    await sandbox.apply(statefulSet("db", 1));
    await sandbox.apply(statefulSet("db", 3));
    expect(await refusal(sandbox.apply(statefulSet("db-headless", 3)))).toBe(
      "StatefulSet default/db: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', " +
        "'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' " +
        "are forbidden (changed: spec.serviceName)",
    );
    sandbox.close();
  });

  it("refuses a Job template change and accepts a parallelism change", async () => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock(), controllers: [] });
    await sandbox.apply(job("perl:5.34"));
    await sandbox.apply(job("perl:5.34", 2));
    expect(await refusal(sandbox.apply(job("perl:5.36", 2)))).toMatch(
      /^Job default\/pi: spec\.template: Invalid value: \{.*"image":"perl:5\.36".*\}: field is immutable$/,
    );
    sandbox.close();
  });
});

describe("merge patches on interned objects", () => {
  it("a merge patch of metadata.labels leaves an equal spec.selector alone", async () => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock(), controllers: [] });
    const web = deployment("web");
    await sandbox.apply({ ...web, metadata: { ...web.metadata, labels: { app: "web" } } });
    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" };
    const patched = await sandbox.patch(ref, { type: "merge", patch: { metadata: { labels: { release: "v2" } } } });
    expect(patched.metadata.labels).toEqual({ app: "web", release: "v2" });
    expect((patched.spec as { selector: unknown }).selector).toEqual({ matchLabels: { app: "web" } });
    sandbox.close();
  });
});
