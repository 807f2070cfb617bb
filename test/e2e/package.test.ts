/**
 * The package as npm ships it: `npm pack` (of the built tree) holds what the command needs and nothing
 * of the sources or tests; `npm install -g` of the tarball into a temporary prefix gives a `vela-ts`
 * that works from any folder: `--version`, and a sandbox release in a folder of its own. Needs
 * `npm run build` and npm; the install may fetch the dependencies from the registry (or its cache).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/cli/version.js";
import { findOnPath } from "../cluster/server/support.js";
import { tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { BUILT, NOT_BUILT_REASON } from "../support/terminal.js";

const NPM = findOnPath("npm");
const SKIP = !BUILT ? NOT_BUILT_REASON : NPM === undefined ? "npm is not on PATH" : "";

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

describe.skipIf(SKIP !== "")(`npm pack and npm install -g ${SKIP === "" ? "" : `(skipped: ${SKIP})`}`, () => {
  const dir = tempDir("vela-ts-package-");

  it("packs the bundle, definitions and addons; installs globally; runs from another folder", () => {
    const [packed] = JSON.parse(
      execFileSync(NPM ?? "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
      }),
    ) as Packed[];
    const paths = (packed?.files ?? []).map((file) => file.path);
    for (const path of [
      "package.json",
      "README.md",
      "bin/vela-ts.js",
      "dist/bundle/bin.js",
      "dist/definitions-cache.json",
    ])
      expect(paths).toContain(path);
    expect(paths.some((path) => path.startsWith("definitions/components/"))).toBe(true);
    expect(paths.some((path) => path.startsWith("addons/kruise-rollout/"))).toBe(true);
    expect(
      paths.filter((path) => /^(src|test|bench)\//.test(path) || path.endsWith(".map") || path.endsWith(".ts")),
    ).toEqual([]);

    const prefix = join(dir, "prefix");
    execFileSync(
      NPM ?? "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        join(dir, packed?.filename ?? ""),
      ],
      { cwd: dir, stdio: "pipe" },
    );
    const bin = join(prefix, "bin", "vela-ts");
    expect(existsSync(bin)).toBe(true);

    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    const env = { PATH: process.env.PATH ?? "", HOME: elsewhere, NO_COLOR: "1" };
    const run = (argv: readonly string[]): string => execFileSync(bin, argv, { cwd: elsewhere, env, encoding: "utf8" });
    expect(run(["--version"])).toBe(`${VERSION}\n`);
    cpSync(join(PROJECT_ROOT, "examples", "apps", "shop-v1.yaml"), join(elsewhere, "shop.yaml"));
    expect(run(["up", "-f", "shop.yaml", "--wait"])).toContain("the workflow finished and every component is healthy");
    expect(existsSync(join(elsewhere, ".vela-ts"))).toBe(true);
    expect(run(["ls", "-o", "name"])).toBe("application.core.oam.dev/shop\n");
    expect(run(["def", "list", "-t", "trait", "-o", "name"])).toContain(
      "traitdefinition.core.oam.dev/kruise-rollout\n",
    );
  }, 300_000);
});
