/**
 * `vela-ts addon list|status|enable|disable` on the sandbox: a new sandbox has the bundled addons
 * enabled and their Definition objects installed; enabling installs Definition objects (and dependencies); disabling is refused while an
 * Application or another addon uses the addon, unless forced.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

function newSandbox(): { readonly dir: string; vela(argv: readonly string[]): Promise<CliRun> } {
  const dir = tempDir();
  const clock = new FakeClock();
  return { dir, vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }) };
}

function lines(text: string): string[] {
  return text.split("\n");
}

async function enabledAddons(box: { vela(argv: readonly string[]): Promise<CliRun> }): Promise<string[]> {
  const run = await box.vela(["addon", "list", "-o", "json"]);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { kind: string; items: { name: string; enabled: boolean }[] }).items
    .filter((addon) => addon.enabled)
    .map((addon) => addon.name);
}

/** Definition objects an addon installed, as `Kind/name`. */
async function installed(box: { vela(argv: readonly string[]): Promise<CliRun> }, addon: string): Promise<string[]> {
  const out: string[] = [];
  for (const resource of ["componentdefinitions", "traitdefinitions", "workflowstepdefinitions", "policydefinitions"]) {
    const run = await box.vela(["sandbox", "get", resource, "-n", "vela-system", "-o", "json"]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as {
      items: { kind: string; metadata: { name: string; labels?: Record<string, string> } }[];
    };
    out.push(
      ...list.items
        .filter((item) => item.metadata.labels?.["addons.oam.dev/name"] === addon)
        .map((item) => `${item.kind}/${item.metadata.name}`),
    );
  }
  return out.sort();
}

describe("addon list and status", () => {
  it("a new sandbox lists the bundled addons, all enabled", async () => {
    const box = newSandbox();
    const run = await box.vela(["addon", "list"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const out = lines(run.stdout);
    expect(out).toHaveLength(7);
    expect(out[0]).toMatch(/^NAME\s+DESCRIPTION\s+VERSION\s+STATUS$/);
    expect(out[1]).toMatch(/^argo-rollouts\s+Canary releases of Deployments .*\S\s+1\.0\.0\s+enabled$/);
    expect(out[2]).toMatch(/^fluxcd\s+Deliver Helm charts .*\S\s+1\.0\.0\s+enabled$/);
    expect(out[3]).toMatch(/^ingress-nginx\s+The ingress-nginx controller.*\S\s+1\.0\.0\s+enabled$/);
    expect(out[4]).toMatch(/^istio\s+Istio traffic management.*\S\s+1\.0\.0\s+enabled$/);
    expect(out[5]).toMatch(/^kruise-rollout\s+Canary and batch releases.*\S\s+1\.0\.0\s+enabled$/);
    expect(await enabledAddons(box)).toEqual(["argo-rollouts", "fluxcd", "ingress-nginx", "istio", "kruise-rollout"]);
  });

  it("a new sandbox holds the Definition objects of its enabled addons, and gets them back after a reset", async () => {
    const box = newSandbox();
    const istio = [
      "TraitDefinition/canary-traffic",
      "TraitDefinition/istio-gateway",
      "TraitDefinition/rollout",
      "WorkflowStepDefinition/canary-rollback",
      "WorkflowStepDefinition/canary-rollout",
    ];
    expect(await installed(box, "istio")).toEqual(istio);
    expect(await installed(box, "fluxcd")).toContain("ComponentDefinition/helm");
    expect(await installed(box, "kruise-rollout")).toContain("TraitDefinition/kruise-rollout");

    expect((await box.vela(["addon", "disable", "istio"])).code).toBe(0);
    expect(await installed(box, "istio")).toEqual([]);
    expect((await box.vela(["sandbox", "reset", "--yes"])).code).toBe(0);
    // The reset keeps the settings: istio stays disabled, the others' definitions come back.
    expect(await installed(box, "istio")).toEqual([]);
    expect(await installed(box, "fluxcd")).toContain("ComponentDefinition/helm");
  });

  it("status shows definitions, controllers, dependents and the apps using it", async () => {
    const box = newSandbox();
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v1.yaml"])).code).toBe(0);
    const run = await box.vela(["addon", "status", "fluxcd"]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      "addon: fluxcd",
      "version: 1.0.0",
      "status: enabled",
      "description: Deliver Helm charts and other sources through Flux (helm-controller and source-controller); provides the helm component",
      "dependencies: none",
      "required by: argo-rollouts, ingress-nginx, istio, kruise-rollout",
      "simulated controllers: source-controller, helm-controller (running)",
      "definitions:",
      "  TraitDefinition/helm-labels (installed)",
      "  ComponentDefinition/helm (installed)",
      "used by:",
      "  default/demo-app: component helm",
      "",
    ]);
    const json = await box.vela(["addon", "status", "kruise-rollout", "-o", "json"]);
    const status = JSON.parse(json.stdout) as {
      name: string;
      enabled: boolean;
      dependencies: string[];
      usedBy: { app: string; types: string[] }[];
      definitions: { kind: string; name: string }[];
    };
    expect(status).toMatchObject({
      name: "kruise-rollout",
      enabled: true,
      dependencies: ["fluxcd"],
      usedBy: [{ app: "demo-app", types: ["trait kruise-rollout"] }],
    });
    expect(status.definitions.map((definition) => definition.name)).toContain("kruise-rollout");
  });
});

describe("addon enable and disable", () => {
  it("disabling an unused addon removes its definitions; enabling puts them back", async () => {
    const box = newSandbox();
    expect((await box.vela(["addon", "enable", "istio"])).code).toBe(0);
    expect(await installed(box, "istio")).toEqual([
      "TraitDefinition/canary-traffic",
      "TraitDefinition/istio-gateway",
      "TraitDefinition/rollout",
      "WorkflowStepDefinition/canary-rollback",
      "WorkflowStepDefinition/canary-rollout",
    ]);

    const disabled = await box.vela(["addon", "disable", "istio"]);
    expect(disabled.code).toBe(0);
    expect(lines(disabled.stdout)).toEqual(["Addon istio disabled successfully.", "5 definition(s) removed.", ""]);
    expect(await installed(box, "istio")).toEqual([]);
    expect(await enabledAddons(box)).toEqual(["argo-rollouts", "fluxcd", "ingress-nginx", "kruise-rollout"]);
    expect(lines((await box.vela(["addon", "status", "istio"])).stdout)).toContain("status: disabled");

    const enabled = await box.vela(["addon", "enable", "istio"]);
    expect(enabled.code).toBe(0);
    expect(lines(enabled.stdout)).toEqual(["Addon istio enabled successfully.", "7 definition(s) installed.", ""]);
    expect(await installed(box, "istio")).toHaveLength(5);
    expect(await enabledAddons(box)).toEqual(["argo-rollouts", "fluxcd", "ingress-nginx", "istio", "kruise-rollout"]);
  });

  it("enabling an addon enables its dependencies first", async () => {
    const box = newSandbox();
    for (const name of ["kruise-rollout", "argo-rollouts", "istio", "ingress-nginx", "fluxcd"])
      expect((await box.vela(["addon", "disable", name])).code).toBe(0);
    expect(await enabledAddons(box)).toEqual([]);
    const run = await box.vela(["addon", "enable", "kruise-rollout"]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      "Addon fluxcd enabled (dependency of kruise-rollout).",
      "Addon kruise-rollout enabled successfully.",
      "5 definition(s) installed.",
      "",
    ]);
    expect(await enabledAddons(box)).toEqual(["fluxcd", "kruise-rollout"]);
    expect(await installed(box, "fluxcd")).toEqual(["ComponentDefinition/helm", "TraitDefinition/helm-labels"]);
  });

  it("a disabled addon's definitions cannot be used until it is enabled again", async () => {
    const box = newSandbox();
    for (const name of ["kruise-rollout", "argo-rollouts", "istio", "ingress-nginx", "fluxcd"])
      expect((await box.vela(["addon", "disable", name])).code).toBe(0);
    // Built-in definitions need no addon.
    expect((await box.vela(["up", "-f", "examples/apps/shop-v1.yaml"])).code).toBe(0);
    const helm = await box.vela(["up", "-f", "examples/apps/demo-app-v1.yaml"]);
    expect(helm.code).toBe(1);
    expect(helm.stdout).toBe("");
    expect(helm.stderr).toContain("vela-ts addon enable fluxcd");
    expect((await box.vela(["addon", "enable", "kruise-rollout"])).code).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v1.yaml"])).code).toBe(0);
  });

  it("disabling an addon in use is refused with the apps and types, unless --force", async () => {
    const box = newSandbox();
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v1.yaml"])).code).toBe(0);
    const refused = await box.vela(["addon", "disable", "kruise-rollout"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(lines(refused.stderr)).toEqual([
      'error[E_ADDON_IN_USE]: addon "kruise-rollout" is in use: application default/demo-app uses trait kruise-rollout',
      "  hint: delete those applications first (vela-ts delete <app>), or disable anyway with --force",
      "",
    ]);
    const fluxcd = await box.vela(["addon", "disable", "fluxcd"]);
    expect(fluxcd.code).toBe(1);
    expect(lines(fluxcd.stderr)[0]).toBe(
      [
        'error[E_ADDON_IN_USE]: addon "fluxcd" is in use: application default/demo-app uses component helm;',
        "addon argo-rollouts depends on it; addon ingress-nginx depends on it; addon istio depends on it; addon kruise-rollout depends on it",
      ].join(" "),
    );
    expect(await enabledAddons(box)).toEqual(["argo-rollouts", "fluxcd", "ingress-nginx", "istio", "kruise-rollout"]);

    const forced = await box.vela(["addon", "disable", "kruise-rollout", "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe("Addon kruise-rollout disabled successfully.\n3 definition(s) removed.\n");
    expect(forced.stderr).toBe("warning: application default/demo-app still uses trait kruise-rollout\n");
    expect(await enabledAddons(box)).toEqual(["argo-rollouts", "fluxcd", "ingress-nginx", "istio"]);
  });

  it.each([
    {
      name: "unknown addon (enable)",
      argv: ["addon", "enable", "fluxd"],
      code: 1,
      error: [
        'error[E_ADDON_NOT_FOUND]: addon "fluxd" not found',
        '  hint: did you mean "fluxcd"? (vela-ts addon list)',
        "",
      ],
    },
    {
      name: "unknown addon (status)",
      argv: ["addon", "status", "zzz"],
      code: 1,
      error: [
        'error[E_ADDON_NOT_FOUND]: addon "zzz" not found',
        "  hint: bundled addons: argo-rollouts, fluxcd, ingress-nginx, istio, kruise-rollout",
        "",
      ],
    },
    {
      name: "unknown addon (disable)",
      argv: ["addon", "disable", "kruise"],
      code: 1,
      error: [
        'error[E_ADDON_NOT_FOUND]: addon "kruise" not found',
        '  hint: did you mean "kruise-rollout"? (vela-ts addon list)',
        "",
      ],
    },
    {
      name: "--sandbox and --kubeconfig together",
      argv: ["addon", "list", "--kubeconfig", "/nonexistent/kubeconfig"],
      code: 2,
      error: [
        "error[E_USAGE]: --sandbox cannot be combined with --kubeconfig, --context or --cluster kube",
        "  hint: drop --sandbox to use the real cluster, or drop the kubeconfig flags to use the sandbox",
        "",
      ],
    },
  ])("$name", async ({ argv, code, error }) => {
    const box = newSandbox();
    const run = await box.vela(argv);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual(error);
  });

  it.each([
    { name: "--kubeconfig", argv: ["addon", "list", "--kubeconfig", "/nonexistent/kubeconfig"], env: {} },
    { name: "KUBECONFIG", argv: ["addon", "list"], env: { KUBECONFIG: "/nonexistent/kubeconfig" } },
  ])("a real cluster ($name) is not supported yet", async ({ argv, env }) => {
    const run = await runCli(argv, { cwd: tempDir(), env });
    const code = 2;
    const error = [
      "error[E_USAGE]: addon commands are not yet supported on real clusters",
      "  hint: drop --kubeconfig/--context (and unset KUBECONFIG, or pass --sandbox) to manage the sandbox's addons",
      "",
    ];
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual(error);
  });
});
