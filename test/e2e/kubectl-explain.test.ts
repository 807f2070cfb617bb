/**
 * `kubectl explain` against `sandbox serve`, with the real kubectl: the server publishes each served
 * kind's schema in `/openapi/v3` (and `/openapi/v2` as JSON): compact schemas of the built-in
 * kinds' fields the sandbox supports, the Kruise and Argo Rollouts kinds, and the schemas
 * `vela-ts install` puts in the KubeVela CRDs. Publishing them must not change how kubectl applies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import {
  KUBECTL,
  KUBECTL_MISSING_REASON,
  servedSandboxForKubectl,
  type ServedForKubectl,
} from "../cluster/server/support.js";
import { documentedOutput, normalised } from "./kubectl-docs.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
`;

const APPLICATION = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, namespace: default}
spec:
  components:
    - name: shop
      type: webservice
      properties: {image: "nginx:1.25"}
`;

const KRUISE_ROLLOUT = `apiVersion: rollouts.kruise.io/v1beta1
kind: Rollout
metadata: {name: web, namespace: default}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  strategy:
    canary:
      steps: [{replicas: 1, traffic: 20%}]
`;

describe.skipIf(KUBECTL === undefined)(
  `kubectl explain on the served sandbox${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    let served: ServedForKubectl;
    let workspace: ServedForKubectl["workspace"];

    beforeAll(async () => {
      served = await servedSandboxForKubectl("vela-ts-served-explain-", new FakeClock("2026-01-01T00:00:00Z"));
      workspace = served.workspace;
    });

    afterAll(() => served.close());

    async function explain(...args: string[]): Promise<string> {
      const run = await workspace.kubectl(["explain", ...args]);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout;
    }

    it("a built-in field: deployment.spec.replicas", async () => {
      const text = await explain("deployment.spec.replicas");
      expect(text).toMatch(/GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/);
      expect(text).toContain("FIELD: replicas <integer>");
      expect(text).toContain("Number of desired pods. Defaults to 1.");
      expect(normalised(text)).toBe(documentedOutput("explain deployment.spec.replicas"));
    });

    it("nested built-in fields, their types and required marks", async () => {
      const strategy = await explain("deployments.spec.strategy.rollingUpdate");
      expect(strategy).toMatch(/maxSurge\s+<string>/);
      const containers = await explain("pod.spec.containers", "--recursive");
      expect(containers).toMatch(/name\s+<string> -required-/);
      expect(containers).toMatch(/limits\s+<map\[string\]string>/);
      expect(containers).toMatch(/containerPort\s+<integer>/);
    });

    it("the Kruise Rollout: rollouts.rollouts.kruise.io.spec (its preferred version, and v1beta1)", async () => {
      const preferred = await explain("rollouts.rollouts.kruise.io.spec");
      expect(preferred).toMatch(/VERSION:\s+v1alpha1/);
      expect(preferred).toMatch(/objectRef\s+<Object> -required-/);
      // With --api-version, the first word is the resource and the rest are fields.
      const beta = await explain("rollouts.spec", "--api-version=rollouts.kruise.io/v1beta1");
      expect(beta).toMatch(/workloadRef\s+<Object> -required-/);
      const steps = await explain("rollouts.spec.strategy.canary.steps", "--api-version=rollouts.kruise.io/v1beta1");
      expect(steps).toMatch(/traffic\s+<string>/);
      expect(steps).toMatch(/pause\s+<Object>/);
    });

    it("the Argo Rollout and the CloneSet", async () => {
      expect(await explain("rollouts.argoproj.io.spec.strategy.canary")).toMatch(/canaryService\s+<string>/);
      expect(await explain("clonesets.spec.updateStrategy")).toMatch(/partition\s+<string>/);
    });

    it("our CRD, from the schema vela-ts install applies: application.spec.components", async () => {
      const text = await explain("application.spec.components");
      expect(text).toMatch(/GROUP:\s+core.oam.dev\nKIND:\s+Application\nVERSION:\s+v1beta1/);
      expect(text).toMatch(/name\s+<string> -required-/);
      expect(text).toMatch(/type\s+<string> -required-/);
      expect(text).toMatch(/traits\s+<\[\]Object>/);
    });

    it("a kind without a described spec still explains its envelope", async () => {
      expect(await explain("horizontalpodautoscalers")).toMatch(/spec\s+<Object>/);
    });

    it("an unknown field is kubectl's error", async () => {
      const run = await workspace.kubectl(["explain", "deployment.spec.nope"]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('field "nope" does not exist');
    });

    it("/openapi/v2 as JSON holds the same definitions", async () => {
      const run = await workspace.kubectl(["get", "--raw", "/openapi/v2"]);
      const document = JSON.parse(run.stdout) as { definitions: Record<string, { properties?: object }> };
      expect(Object.keys(document.definitions)).toEqual(
        expect.arrayContaining([
          "io.k8s.api.apps.v1.Deployment",
          "io.kruise.rollouts.v1beta1.Rollout",
          "dev.oam.core.v1beta1.Application",
        ]),
      );
    });

    it("apply --validate=strict and create --dry-run=server still work, for built-in and custom kinds", async () => {
      for (const manifest of [DEPLOYMENT, APPLICATION, KRUISE_ROLLOUT]) {
        const dry = await workspace.kubectl(["create", "--dry-run=server", "-f", "-", "-o", "name"], manifest);
        expect(dry.code, dry.stderr).toBe(0);
        const applied = await workspace.kubectl(["apply", "--validate=strict", "-f", "-"], manifest);
        expect(applied.code, applied.stderr).toBe(0);
        const again = await workspace.kubectl(
          ["apply", "--validate=strict", "-f", "-"],
          manifest.replace("nginx:1.25", "nginx:1.26").replace("traffic: 20%", "traffic: 30%"),
        );
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toContain("configured");
      }
      const image = await workspace.kubectl([
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ]);
      expect(image.stdout).toBe("nginx:1.26");
    });
  },
);
