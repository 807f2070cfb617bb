/**
 * `kubectl auth can-i` against `sandbox serve`, with the real kubectl: the served sandbox has one
 * user and no RBAC, so its SelfSubjectAccessReview answers yes for what the server serves and no —
 * with the reason — for what it does not (a verb it has no use for, a subresource it lacks, a
 * resource it does not know).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import {
  KUBECTL,
  KUBECTL_MISSING_REASON,
  servedSandboxForKubectl,
  type ServedForKubectl,
} from "../cluster/server/support.js";

describe.skipIf(KUBECTL === undefined)(
  `kubectl auth can-i on the served sandbox${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    let served: ServedForKubectl;
    let workspace: ServedForKubectl["workspace"];

    beforeAll(async () => {
      served = await servedSandboxForKubectl("vela-ts-served-", clock);
      workspace = served.workspace;
    });

    afterAll(() => served.close());

    it.each([
      ["create", "deployments"],
      ["delete", "pods"],
      ["watch", "applications.core.oam.dev"],
      ["patch", "rollouts.rollouts.kruise.io"],
      ["list", "namespaces"],
    ])("can-i %s %s: yes (exit 0)", async (verb, resource) => {
      const run = await workspace.kubectl(["auth", "can-i", verb, resource, "-n", "default"]);
      expect(run.stdout.trim(), run.stderr).toBe("yes");
      expect(run.code).toBe(0);
    });

    it("a subresource it serves: yes; one it lacks: no", async () => {
      const status = await workspace.kubectl(["auth", "can-i", "patch", "deployments", "--subresource=status"]);
      expect(status.stdout.trim(), status.stderr).toBe("yes");
      const exec = await workspace.kubectl(["auth", "can-i", "create", "pods", "--subresource=exec"]);
      expect(exec.stdout.trim(), exec.stderr).toBe("no - the served sandbox has no pods/exec");
      expect(exec.code).toBe(1);
    });

    it("a verb the server does not serve: no, with the reason", async () => {
      const run = await workspace.kubectl(["auth", "can-i", "escalate", "roles.rbac.authorization.k8s.io", "-v=0"]);
      expect(run.stdout.trim()).toMatch(/^no/);
      expect(run.stdout).toContain("does not serve the verb escalate");
      expect(run.code).toBe(1);
    });

    it("a resource the server does not know: no (kubectl warns about it too)", async () => {
      const run = await workspace.kubectl(["auth", "can-i", "get", "widgets.example.com"]);
      expect(run.stdout.trim()).toMatch(/^no/);
      expect(run.code).toBe(1);
    });

    it("non-resource URLs: get /version yes, post /version no", async () => {
      const get = await workspace.kubectl(["auth", "can-i", "get", "/version"]);
      expect(get.stdout.trim(), get.stderr).toBe("yes");
      const post = await workspace.kubectl(["auth", "can-i", "post", "/version"]);
      expect(post.stdout.trim()).toMatch(/^no/);
    });
  },
);
