/**
 * `canary-deploy` releases in the hub only: a step naming placement policies is refused by `up`
 * and `dry-run` at its line, before anything is written (KubeVela's step would deploy per placement).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { storySandbox } from "../support/story.js";

const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: api
      type: webservice
      properties: {image: nginx:1.25}
  policies:
    - name: prod
      type: topology
      properties: {clusters: [local], namespace: prod}
  workflow:
    steps:
      - name: canary
        type: canary-deploy
        properties:
          weight: 20
          policies: [prod]
`;

describe("canary-deploy with policies", () => {
  it("is refused at the step's policies, nothing written", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "shop.yaml");
    writeFileSync(file, APP);
    await story.velaOk(["addon", "enable", "kruise-rollout"]);
    const before = await story.resourceVersion();
    for (const argv of [
      ["up", "-f", file],
      ["dry-run", "--file", file],
    ]) {
      const run = await story.vela(argv);
      expect(run.code, run.stderr).not.toBe(0);
      expect(run.stderr).toContain("error[E_POLICY_UNSUPPORTED]");
      expect(run.stderr).toContain('step "canary": canary-deploy does not deploy per placement');
      expect(run.stderr).toContain("shop.yaml:20:21");
      expect(run.stderr).toContain("hint: release in the hub without policies");
    }
    expect(await story.resourceVersion()).toBe(before);
  });
});
