import { describe, expect, it } from "vitest";
import { SIMULATED_ADMISSIONS } from "../../../src/cluster/sandbox/controllers/index.js";
import { openSandboxStore, type SandboxStore } from "../../../src/cluster/sandbox/store/durable-store.js";
import { ClusterError } from "../../../src/errors/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";

const clock = new FakeClock("2026-01-01T00:00:00Z");

function nodePortService(name: string, namespace: string, nodePort?: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: {
      type: "NodePort",
      selector: { app: name },
      ports: [{ port: 80, ...(nodePort === undefined ? {} : { nodePort }) }],
    },
  };
}

const open = (dir: string): Promise<SandboxStore> => openSandboxStore({ dir, clock, admissions: SIMULATED_ADMISSIONS });

function refusedMessage(sandbox: SandboxStore, object: KubeObject): string {
  try {
    sandbox.store.apply(object);
  } catch (error) {
    if (error instanceof ClusterError) return error.message;
    throw error;
  }
  return "(accepted)";
}

const TAKEN = /spec\.ports\[0\]\.nodePort: Invalid value: 30100: provided port is already allocated/;

describe("the store's allocation index across commands", () => {
  it("a node port stays taken after reopening (from the journal, then from the compacted snapshot) and is free once deleted", async () => {
    const dir = tempDir();
    const first = await open(dir);
    for (let index = 0; index < 30; index++) first.store.apply(nodePortService("web", `team-${index}`));
    first.store.apply(nodePortService("fixed", "team-3", 30100));
    first.close();

    const fromJournal = await open(dir);
    expect(refusedMessage(fromJournal, nodePortService("other", "team-9", 30100))).toMatch(TAKEN);
    fromJournal.compact();
    fromJournal.close();

    const fromSnapshot = await open(dir);
    expect(fromSnapshot.store.allocatedTo("nodePort/30100")).toEqual({
      apiVersion: "v1",
      kind: "Service",
      name: "fixed",
      namespace: "team-3",
    });
    expect(refusedMessage(fromSnapshot, nodePortService("other", "team-9", 30100))).toMatch(TAKEN);
    // Every allocated port of the snapshot is known without listing the Services.
    const allocated = fromSnapshot.store
      .list("v1", "Service")
      .map((service) => (service.spec as { ports: { nodePort: number }[] }).ports[0]?.nodePort);
    expect(new Set(allocated).size).toBe(31);
    for (const port of allocated) expect(fromSnapshot.store.allocatedTo(`nodePort/${String(port)}`)).toBeDefined();
    fromSnapshot.store.delete({ apiVersion: "v1", kind: "Service", namespace: "team-3", name: "fixed" });
    fromSnapshot.close();

    const afterDelete = await open(dir);
    expect(afterDelete.store.allocatedTo("nodePort/30100")).toBeUndefined();
    afterDelete.store.apply(nodePortService("other", "team-9", 30100));
    afterDelete.compact();
    afterDelete.close();

    const last = await open(dir);
    expect(last.store.allocatedTo("nodePort/30100")).toMatchObject({ namespace: "team-9", name: "other" });
    expect(last.store.findInconsistencies()).toEqual([]);
    last.close();
  });
});
