import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, tempDir } from "../support/cli.js";
import { FakeClock } from "../../src/util/clock.js";

const EXAMPLES = resolve(import.meta.dirname, "../../examples/argo-rollouts");
const DEMO = readFileSync(join(EXAMPLES, "rollouts-demo.yaml"), "utf8");

interface Box {
  readonly dir: string;
  run(argv: readonly string[], stdin?: string): ReturnType<typeof runCli>;
  readonly clock: FakeClock;
}

function box(): Box {
  const dir = tempDir("vela-ts-argo-cli-");
  const clock = new FakeClock();
  return {
    dir,
    clock,
    run: (argv, stdin) =>
      runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: dir, clock, ...(stdin === undefined ? {} : { stdin }) }),
  };
}

async function canaryShare(
  b: Box,
  headers: readonly string[] = [],
  router: "ingress-nginx" | "traefik" = "ingress-nginx",
): Promise<number> {
  const result = await b.run([
    "sandbox",
    "request",
    "--host",
    "rollouts-demo.local",
    ...headers.flatMap((h) => ["-H", h]),
    "--count",
    "2000",
    "--seed",
    "3",
    "-o",
    "json",
  ]);
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout) as { router: string; byImage: Record<string, number> };
  expect(summary.router).toBe(router);
  return (summary.byImage["argoproj/rollouts-demo:yellow"] ?? 0) / 2000;
}

describe("vela-ts sandbox with Argo Rollouts (rollouts-demo)", () => {
  it("runs the example as written: 20% → promote → 50% (30 s) → 70% (30 s) → 100%", async () => {
    const b = box();
    const applied = await b.run(["sandbox", "apply", "-f", "-"], DEMO);
    expect(applied.stdout).toBe(
      [
        "rollout.argoproj.io/rollouts-demo created",
        "service/rollouts-demo-canary created",
        "service/rollouts-demo-stable created",
        "ingress.networking.k8s.io/rollouts-demo-stable created",
        "",
      ].join("\n"),
    );
    const got = await b.run(["sandbox", "get", "rollouts.argoproj.io"]);
    expect(got.stdout).toMatch(/^rollouts-demo\s+5\s+5\s+5\s+5\s+Healthy\s+6\/6\s+0s$/m);
    const blueHash = (
      JSON.parse((await b.run(["sandbox", "get", "ro", "rollouts-demo", "-o", "json"])).stdout) as {
        status: { stableRS: string };
      }
    ).status.stableRS;

    expect(
      (await b.run(["sandbox", "apply", "-f", "-"], DEMO.replace("rollouts-demo:blue", "rollouts-demo:yellow"))).code,
    ).toBe(0);
    const paused = await b.run(["sandbox", "get", "ro", "rollouts-demo", "-o", "json"]);
    expect(JSON.parse(paused.stdout)).toMatchObject({
      status: {
        phase: "Paused",
        message: "CanaryPauseStep",
        currentStepIndex: 1,
        canary: { weights: { canary: { weight: 20 } } },
      },
    });
    expect(await canaryShare(b)).toBeCloseTo(0.2, 1);
    expect(await canaryShare(b, ["X-Canary: always"])).toBe(1);

    const promoted = await b.run(["sandbox", "rollout", "promote", "rollouts-demo"]);
    expect(promoted).toMatchObject({ code: 0, stdout: "rollout 'rollouts-demo' promoted\n" });
    expect(await canaryShare(b)).toBeCloseTo(0.5, 1);
    b.clock.advance(30_000);
    expect(await canaryShare(b)).toBeCloseTo(0.7, 1);
    b.clock.advance(30_000);
    expect(await canaryShare(b)).toBe(1);
    const done = JSON.parse((await b.run(["sandbox", "get", "ro", "rollouts-demo", "-o", "json"])).stdout) as {
      status: { phase: string; stableRS: string; currentPodHash: string };
    };
    expect(done.status.phase).toBe("Healthy");
    expect(done.status.stableRS).toBe(done.status.currentPodHash);
    b.clock.advance(30_000);
    const sets = await b.run(["sandbox", "get", "rs", "-o", "json"]);
    const replicas = (
      JSON.parse(sets.stdout) as { items: { metadata: { name: string }; spec: { replicas: number } }[] }
    ).items.map((rs) => `${rs.metadata.name}=${rs.spec.replicas}`);
    expect(replicas.sort()).toEqual([`rollouts-demo-${done.status.stableRS}=5`, `rollouts-demo-${blueHash}=0`].sort());
  });

  it("abort sends everything back to stable; retry starts over; promote on an aborted Rollout is refused", async () => {
    const b = box();
    await b.run(["sandbox", "apply", "-f", "-"], DEMO);
    await b.run(["sandbox", "apply", "-f", "-"], DEMO.replace("rollouts-demo:blue", "rollouts-demo:yellow"));
    expect((await b.run(["sandbox", "rollout", "abort", "rollouts-demo"])).stdout).toBe(
      "rollout 'rollouts-demo' aborted\n",
    );
    expect(await canaryShare(b)).toBe(0);
    const refused = await b.run(["sandbox", "rollout", "promote", "rollouts-demo"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("error[E_ROLLOUT_ABORTED]: rollout 'rollouts-demo' is aborted");
    expect((await b.run(["sandbox", "rollout", "retry", "rollouts-demo"])).stdout).toBe(
      "rollout 'rollouts-demo' retried\n",
    );
    expect(await canaryShare(b)).toBeCloseTo(0.2, 1);
    const approve = await b.run(["sandbox", "rollout", "approve", "rollouts-demo"]);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain(
      "is an Argo Rollout: move it on with `vela-ts sandbox rollout promote rollouts-demo`",
    );
  });

  it("takes an update applied as a partial Rollout by its own field manager", async () => {
    const b = box();
    await b.run(["sandbox", "apply", "-f", join(EXAMPLES, "rollouts-demo.yaml")]);
    const update = await b.run([
      "sandbox",
      "apply",
      "-f",
      join(EXAMPLES, "rollouts-demo-yellow.yaml"),
      "--field-manager",
      "ci",
      "--force-conflicts",
    ]);
    expect(update).toMatchObject({ code: 0, stdout: "rollout.argoproj.io/rollouts-demo configured\n" });
    expect(await canaryShare(b)).toBeCloseTo(0.2, 1);
    expect(await canaryShare(b, ["X-Canary: always"])).toBe(1);
  });

  it("runs the Traefik example: the TraefikService weights follow the steps", async () => {
    const b = box();
    const traefik = readFileSync(join(EXAMPLES, "rollouts-demo-traefik.yaml"), "utf8");
    expect((await b.run(["sandbox", "apply", "-f", "-"], traefik)).code).toBe(0);
    expect(await canaryShare(b, [], "traefik")).toBe(0);
    await b.run(["sandbox", "apply", "-f", "-"], traefik.replace("rollouts-demo:blue", "rollouts-demo:yellow"));
    expect(await canaryShare(b, [], "traefik")).toBeCloseTo(0.2, 1);
    await b.run(["sandbox", "rollout", "promote", "rollouts-demo"]);
    expect(await canaryShare(b, [], "traefik")).toBeCloseTo(0.5, 1);
    const promoted = await b.run(["sandbox", "rollout", "promote", "rollouts-demo", "--full"]);
    expect(promoted.code).toBe(0);
    expect(await canaryShare(b, [], "traefik")).toBe(1);
    const wrr = JSON.parse(
      (await b.run(["sandbox", "get", "traefikservices.traefik.containo.us", "rollouts-demo-wrr", "-o", "json"]))
        .stdout,
    ) as {
      spec: { weighted: { services: { name: string; weight: number }[] } };
    };
    // Fully promoted, the stable Service selects the new pods and takes the whole weight back.
    expect(wrr.spec.weighted.services.map((service) => `${service.name}=${service.weight}`)).toEqual([
      "rollouts-demo-stable=100",
      "rollouts-demo-canary=0",
    ]);
  });

  it.each([
    {
      name: "decreasing weights",
      edit: (text: string) => text.replace("- setWeight: 70", "- setWeight: 30"),
      code: "E_ARGO_ROLLOUT_INVALID",
      message: "step 5: setWeight 30 is lower than step 3's 50; weights must not decrease",
      line: 40,
    },
    {
      name: "an unknown step kind",
      edit: (text: string) => text.replace("- setWeight: 50", "- setWieght: 50"),
      code: "E_ARGO_ROLLOUT_INVALID",
      message: 'step 3: unknown field "setWieght"',
      line: 38,
    },
  ])(
    "refuses a Rollout with $name at apply, naming the line, and writes nothing",
    async ({ edit, code, message, line }) => {
      const b = box();
      writeFileSync(join(b.dir, "bad.yaml"), edit(DEMO));
      const result = await b.run(["sandbox", "apply", "-f", "bad.yaml"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`error[${code}]: rollout.argoproj.io/rollouts-demo: ${message}`);
      expect(result.stderr).toContain(`--> bad.yaml:${line}:`);
      const services = await b.run(["sandbox", "get", "svc"]);
      expect(services.stderr).toContain("No resources found in default namespace.");
    },
  );
});
