/**
 * An Application's status read back from the cluster is checked where it is read: a field someone
 * edited into the wrong shape (kubectl edit --subresource=status) is a clear error naming the field,
 * never a crash such as "status.steps.map is not a function"; `workflow restart` gets out of it.
 */
import { describe, expect, it } from "vitest";
import { openCommandSandbox } from "../../src/target/addon-objects.js";
import type { JsonObject } from "../../src/util/index.js";
import { exampleApp, readApplication, storySandbox, type StorySandbox } from "../support/story.js";

async function editStatus(story: StorySandbox, edit: (status: JsonObject) => JsonObject): Promise<void> {
  const sandbox = await openCommandSandbox({ dir: story.dir, clock: story.clock, command: "kubectl edit" });
  try {
    const ref = { apiVersion: "core.oam.dev/v1beta1", kind: "Application", name: "shop", namespace: "default" };
    const app = await sandbox.get(ref);
    if (app === undefined) throw new Error("no app");
    await sandbox.updateStatus({ ...app, status: edit(structuredClone(app.status as JsonObject)) });
  } finally {
    sandbox.close();
  }
}

describe("a malformed Application status", () => {
  it.each([
    {
      name: "workflow.steps is not a list",
      edit: (status: JsonObject): JsonObject => ({
        ...status,
        workflow: { ...(status.workflow as JsonObject), steps: "x" },
      }),
      path: "/status/workflow/steps",
    },
    {
      name: "a step phase KubeVela does not know",
      edit: (status: JsonObject): JsonObject => {
        const workflow = status.workflow as { steps: JsonObject[] };
        return {
          ...status,
          workflow: { ...workflow, steps: [{ ...workflow.steps[0], phase: "done" }] },
        };
      },
      path: "/status/workflow/steps/0/phase",
    },
    {
      name: "latestRevision is a string",
      edit: (status: JsonObject): JsonObject => ({ ...status, latestRevision: "shop-v1" }),
      path: "/status/latestRevision",
    },
  ])(
    "$name: status and workflow commands give E_STATUS_INVALID with the field (exit 1, no stack)",
    async ({ edit, path }) => {
      const story = await storySandbox({ charts: false });
      await story.velaOk(["up", "-f", exampleApp("shop-v1.yaml"), "--wait"]);
      await editStatus(story, edit);
      for (const argv of [
        ["status", "shop"],
        ["workflow", "resume", "shop"],
        ["up", "-f", exampleApp("shop-v1.yaml")],
      ]) {
        const run = await story.vela(argv);
        expect(run.code, argv.join(" ")).toBe(1);
        expect(run.stderr).toMatch(/^error\[E_STATUS_INVALID\]: application "shop" has a malformed status: /);
        expect(run.stderr).toContain(`(${path})`);
        expect(run.stderr).toContain("vela-ts workflow restart shop");
        expect(run.stderr).not.toContain("    at ");
      }
    },
  );

  it("workflow restart starts the run over and the app is well again", async () => {
    const story = await storySandbox({ charts: false });
    await story.velaOk(["up", "-f", exampleApp("shop-v1.yaml"), "--wait"]);
    await editStatus(story, (status) => ({ ...status, workflow: { ...(status.workflow as JsonObject), steps: "x" } }));
    const restart = await story.velaOk(["workflow", "restart", "shop", "--wait"]);
    expect(restart.stdout).toContain("the workflow finished");
    expect((await readApplication(story, "shop"))?.status.workflow?.status).toBe("succeeded");
    await story.velaOk(["status", "shop"]);
  });
});
