import { describe, expect, it } from "vitest";
import { deployPlacements, usesPlacementPolicies } from "../../src/appfile/index.js";
import { ValidationError } from "../../src/errors/index.js";
import type { ApplicationInput, PolicyInput, WorkflowStepInput } from "../../src/model/index.js";

function app(policies: PolicyInput[], steps?: WorkflowStepInput[]): ApplicationInput {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "shop", namespace: "team" },
    spec: {
      components: [
        {
          name: "web",
          type: "webservice",
          properties: { image: "nginx", env: [{ name: "A", value: "1" }] },
          traits: [{ type: "scaler", properties: { replicas: 1 } }],
        },
        { name: "jobs", type: "worker", properties: { image: "busybox" } },
      ],
      policies,
      ...(steps === undefined ? {} : { workflow: { steps } }),
    },
  };
}

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((found) => `${found.path ?? ""}: ${found.message}`);
    throw error;
  }
  return [];
}

describe("deployPlacements", () => {
  it("without placement policies there is one placement: the hub, the Application's namespace", () => {
    const application = app([]);
    expect(usesPlacementPolicies(application)).toBe(false);
    expect(deployPlacements(application).map(({ cluster, namespace }) => `${cluster}/${namespace}`)).toEqual([
      "local/team",
    ]);
  });

  it("a workflow's deploy steps each deploy to their topologies, overrides applied in order", () => {
    const placements = deployPlacements(
      app(
        [
          { name: "test", type: "topology", properties: { clusters: ["local"], namespace: "test" } },
          { name: "prod", type: "topology", properties: { clusters: ["local"], namespace: "prod" } },
          {
            name: "ha",
            type: "override",
            properties: {
              components: [
                {
                  name: "web",
                  properties: { image: "nginx:2", env: null },
                  traits: [
                    { type: "scaler", properties: { replicas: 3 } },
                    { type: "expose", properties: { port: [80] } },
                  ],
                },
              ],
            },
          },
          { name: "only-web", type: "override", properties: { components: [], selector: ["web"] } },
        ],
        [
          { name: "to-test", type: "deploy", properties: { policies: ["test"] } },
          { name: "approve", type: "suspend" },
          { name: "to-prod", type: "deploy", properties: { policies: ["prod", "ha", "only-web"] } },
        ],
      ),
    );
    expect(placements.map(({ step, cluster, namespace }) => `${step} ${cluster}/${namespace}`)).toEqual([
      "to-test local/test",
      "to-prod local/prod",
    ]);
    const [test, prod] = placements;
    expect(test?.application.spec.components.map((component) => component.name)).toEqual(["web", "jobs"]);
    expect(test?.application.spec.components[0]?.properties).toEqual({
      image: "nginx",
      env: [{ name: "A", value: "1" }],
    });
    expect(prod?.namespace).toBe("prod");
    expect(prod?.application.spec.components).toEqual([
      {
        name: "web",
        type: "webservice",
        properties: { image: "nginx:2" },
        traits: [
          { type: "scaler", properties: { replicas: 3 } },
          { type: "expose", properties: { port: [80] } },
        ],
      },
    ]);
  });

  it("an override matches by type, and disable removes a trait", () => {
    const [placement] = deployPlacements(
      app([
        {
          name: "no-scaler",
          type: "override",
          properties: { components: [{ type: "webservice", traits: [{ type: "scaler", disable: true }] }] },
        },
      ]),
    );
    expect(placement?.application.spec.components[0]?.traits).toEqual([]);
    expect(placement?.application.spec.components[1]?.traits).toBeUndefined();
  });

  it("without a workflow, KubeVela deploys once per topology policy with every override", () => {
    const placements = deployPlacements(
      app([
        { name: "a", type: "topology", properties: { namespace: "a" } },
        { name: "b", type: "topology", properties: { clusterLabelSelector: {}, namespace: "b" } },
        {
          name: "x",
          type: "override",
          properties: { components: [{ name: "jobs", properties: { image: "alpine" } }] },
        },
      ]),
    );
    expect(placements.map(({ step, namespace }) => `${step}:${namespace}`)).toEqual(["deploy-a:a", "deploy-b:b"]);
    expect(
      placements.every((placement) => placement.application.spec.components[1]?.properties?.image === "alpine"),
    ).toBe(true);
  });

  it("names unknown clusters, unknown policies and empty selections, at their paths", () => {
    const problems = issuesOf(() =>
      deployPlacements(
        app(
          [
            { name: "far", type: "topology", properties: { clusters: ["local", "eu-1"] } },
            { name: "none", type: "topology", properties: { clusterLabelSelector: { region: "eu" } } },
            {
              name: "maybe",
              type: "topology",
              properties: { clusterLabelSelector: { region: "eu" }, allowEmpty: true },
            },
          ],
          [{ name: "go", type: "deploy", properties: { policies: ["far", "none", "maybe", "missing"] } }],
        ),
      ),
    );
    expect(problems).toEqual([
      '/spec/workflow/steps/0/properties/policies/3: deploy step "go" names policy "missing", which the Application does not declare',
      '/spec/policies/0/properties/clusters: topology policy "far" names cluster "eu-1", which is not known',
      '/spec/policies/1/properties: topology policy "none" selects no cluster',
    ]);
  });

  it("selects registered clusters by name or labels", () => {
    const clusters = [
      { name: "local", labels: {} },
      { name: "eu-1", labels: { region: "eu" } },
      { name: "eu-2", labels: { region: "eu" } },
    ];
    const placements = deployPlacements(
      app([{ name: "eu", type: "topology", properties: { clusterLabelSelector: { region: "eu" } } }]),
      clusters,
    );
    expect(placements.map(({ cluster, namespace }) => `${cluster}/${namespace}`)).toEqual(["eu-1/team", "eu-2/team"]);
  });
});
