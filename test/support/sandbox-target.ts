/** A sandbox {@link Target} in a fresh temporary directory on a fake clock, for reconciler tests. */
import { join } from "node:path";
import type { KubeObject } from "../../src/model/kube-object.js";
import { openTarget, type Target } from "../../src/target/target.js";
import { FakeClock } from "../../src/util/clock.js";
import type { WorkflowStatus } from "../../src/workflow/index.js";
import { tempDir } from "./cli.js";
import { PROJECT_ROOT } from "./shared.js";

const noHttp = (): Promise<never> => Promise.reject(new Error("no webhooks in these tests"));

/** Runs `work` on a new sandbox target (its directory named after `prefix`), closing it afterwards. */
export async function withSandboxTarget<T>(prefix: string, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await openTarget({
    cwd: PROJECT_ROOT,
    sandboxDir: join(tempDir(`vela-ts-${prefix}-`), "sandbox"),
    clock: new FakeClock(),
    http: noHttp,
    command: "test",
  });
  try {
    return await work(target);
  } finally {
    target.close();
  }
}

/** An Application's `status.workflow`, if any. */
export function workflowOf(app: KubeObject | undefined): WorkflowStatus | undefined {
  return (app?.status as { workflow?: WorkflowStatus } | undefined)?.workflow;
}
