/**
 * `vela-ts revision list|get`: story 5's apps (examples/apps/shop-*): two revisions, an ops-only
 * change that makes none, the stored snapshot, `--diff`, the run status column, and errors.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

function newSandbox(): {
  readonly dir: string;
  readonly clock: FakeClock;
  vela(argv: readonly string[]): Promise<CliRun>;
} {
  const dir = tempDir();
  const clock = new FakeClock();
  return { dir, clock, vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }) };
}

function lines(text: string): string[] {
  return text.split("\n");
}

describe("revision list and get (story 5 apps)", () => {
  const box = newSandbox();

  beforeAll(async () => {
    for (const file of ["shop-v1.yaml", "shop-v2.yaml", "shop-v2-scaled.yaml"]) {
      const run = await box.vela(["up", "-f", `examples/apps/${file}`, "--wait"]);
      expect(run.code).toBe(0);
      box.clock.advance(60_000);
    }
  });

  it("lists both revisions with KubeVela's columns, the current marker and the ops-only traits they were made with", async () => {
    const run = await box.vela(["revision", "list", "shop"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const out = lines(run.stdout);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(
      /^NAME\s+PUBLISH_VERSION\s+SUCCEEDED\s+HASH\s+BEGIN_TIME\s+STATUS\s+CURRENT\s+OPS-ONLY TRAITS$/,
    );
    expect(out[1]).toMatch(
      /^shop-v1\s+-\s+true\s+[0-9a-f]{16}\s+2026-01-01T00:00:00Z\s+Succeeded\s+frontend: scaler\(replicas=3\)$/,
    );
    expect(out[2]).toMatch(
      /^shop-v2\s+-\s+true\s+[0-9a-f]{16}\s+2026-01-01T00:01:\d\dZ\s+Succeeded\s+\*\s+frontend: scaler\(replicas=3\)$/,
    );
    expect(out[3]).toBe("");
  });

  it("-o json gives the rows as data, in a v1 List", async () => {
    const run = await box.vela(["revision", "list", "shop", "-o", "json"]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { apiVersion: string; kind: string; items: unknown };
    expect([list.apiVersion, list.kind]).toEqual(["v1", "List"]);
    const rows = list.items as {
      name: string;
      number: number;
      succeeded: boolean;
      status: string;
      current: boolean;
      hash: string;
      opsOnlyTraits: Record<string, unknown[]>;
    }[];
    expect(
      rows.map((row) => ({
        name: row.name,
        number: row.number,
        succeeded: row.succeeded,
        status: row.status,
        current: row.current,
      })),
    ).toEqual([
      { name: "shop-v1", number: 1, succeeded: true, status: "Succeeded", current: false },
      { name: "shop-v2", number: 2, succeeded: true, status: "Succeeded", current: true },
    ]);
    expect(rows[0]?.hash).not.toBe(rows[1]?.hash);
    expect(rows[1]?.opsOnlyTraits).toEqual({ frontend: [{ type: "scaler", properties: { replicas: 3 } }] });
  });

  it("get prints the stored snapshot: spec without ops-only traits, and the definitions used", async () => {
    const run = await box.vela(["revision", "get", "shop", "1", "-o", "json"]);
    expect(run.code).toBe(0);
    const revision = JSON.parse(run.stdout) as {
      kind: string;
      metadata: { name: string; labels: Record<string, string>; managedFields?: unknown };
      spec: {
        application: { spec: { components: { name: string; properties: { image: string }; traits?: unknown[] }[] } };
        componentDefinitions: Record<string, unknown>;
      };
      status: { succeeded: boolean };
    };
    expect(revision.kind).toBe("ApplicationRevision");
    expect(revision.metadata.name).toBe("shop-v1");
    expect(revision.metadata.labels["app.oam.dev/name"]).toBe("shop");
    expect(revision.metadata.managedFields).toBeUndefined();
    const component = revision.spec.application.spec.components[0];
    expect(component?.properties.image).toBe("nginx:1.25");
    expect(component?.traits ?? []).toEqual([]);
    expect(Object.keys(revision.spec.componentDefinitions)).toEqual(["webservice"]);
    expect(revision.status.succeeded).toBe(true);
    for (const form of ["v1", "shop-v1"]) {
      const same = await box.vela(["revision", "get", "shop", form, "-o", "json"]);
      expect(same.stdout).toBe(run.stdout);
    }
    const yaml = await box.vela(["revision", "get", "shop", "1"]);
    expect(lines(yaml.stdout).slice(0, 2)).toEqual(["apiVersion: core.oam.dev/v1beta1", "kind: ApplicationRevision"]);
  });

  it("--diff prints a unified diff of the stored applications", async () => {
    const run = await box.vela(["revision", "get", "shop", "2", "--diff", "1"]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.slice(0, 2)).toEqual(["--- shop-v1", "+++ shop-v2"]);
    expect(out.filter((line) => line.startsWith("-") || line.startsWith("+"))).toEqual([
      "--- shop-v1",
      "+++ shop-v2",
      "-        image: nginx:1.25",
      "+        image: nginx:1.26",
    ]);
    expect(out.filter((line) => line.startsWith("@@"))).toHaveLength(1);
    const same = await box.vela(["revision", "get", "shop", "2", "--diff", "2"]);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe("");
    expect(same.stderr).toBe("revisions 2 and 2 store the same application\n");
  });

  it.each([
    {
      name: "unknown revision",
      argv: ["revision", "get", "shop", "7"],
      code: 1,
      error: [
        "error[E_REVISION_NOT_FOUND]: application shop has no revision 7",
        "  hint: known revisions: 1, 2 (see vela-ts revision list shop)",
        "",
      ],
    },
    {
      name: "unknown --diff revision",
      argv: ["revision", "get", "shop", "2", "--diff", "9"],
      code: 1,
      error: [
        "error[E_REVISION_NOT_FOUND]: application shop has no revision 9",
        "  hint: known revisions: 1, 2 (see vela-ts revision list shop)",
        "",
      ],
    },
    {
      name: "unknown app (list)",
      argv: ["revision", "list", "shp"],
      code: 1,
      error: [
        'error[E_APP_NOT_FOUND]: application "shp" not found in namespace "default"',
        '  hint: did you mean "shop"?',
        "",
      ],
    },
    {
      name: "unknown app (get)",
      argv: ["revision", "get", "cart", "1"],
      code: 1,
      error: [
        'error[E_APP_NOT_FOUND]: application "cart" not found in namespace "default"',
        '  hint: applications in namespace "default": shop',
        "",
      ],
    },
    {
      name: "not a revision number",
      argv: ["revision", "get", "shop", "latest"],
      code: 2,
      error: [
        'error[E_USAGE]: revision "latest" is not a revision number',
        "  hint: use the number shown by vela-ts revision list <app>, e.g. 2 (or v2, or <app>-v2)",
        "",
      ],
    },
    {
      name: "--diff with -o",
      argv: ["revision", "get", "shop", "2", "--diff", "1", "-o", "json"],
      code: 2,
      error: [
        "error[E_USAGE]: --diff prints a unified diff; it cannot be combined with -o",
        "  hint: drop -o, or drop --diff to print the revision",
        "",
      ],
    },
  ])("$name", async ({ argv, code, error }) => {
    const run = await box.vela(argv);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual(error);
  });
});

const SUSPENDED_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: gated
spec:
  components:
    - name: web
      type: webservice
      properties:
        image: nginx:1.25
  workflow:
    steps:
      - name: approve
        type: suspend
      - name: deploy-web
        type: apply-component
        properties:
          component: web
`;

describe("revision run status", () => {
  it("is Executing while the workflow waits, Failed once it is terminated", async () => {
    const box = newSandbox();
    writeFileSync(join(box.dir, "gated.yaml"), SUSPENDED_APP);
    expect((await box.vela(["up", "-f", join(box.dir, "gated.yaml")])).code).toBe(0);
    const status = async (): Promise<string[]> => {
      const run = await box.vela(["revision", "list", "gated", "-o", "json"]);
      return (JSON.parse(run.stdout) as { items: { status: string }[] }).items.map((row) => row.status);
    };
    expect(await status()).toEqual(["Executing"]);
    expect([0, 3]).toContain((await box.vela(["workflow", "terminate", "gated"])).code);
    expect(await status()).toEqual(["Failed"]);
  });
});
