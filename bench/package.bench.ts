/**
 * `npm run bench -- package`: what `npm pack` ships (tarball and unpacked size, file count) and what a
 * global install from it weighs, and how long `vela-ts --version` takes from that install. Needs
 * `npm run build` first (the bench script runs it); the install may fetch dependencies from the registry.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
}

function diskUsage(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, entry) => total + diskUsage(join(path, entry)), 0);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-package-"));
  const [pack] = JSON.parse(
    execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
      cwd: ROOT,
      encoding: "utf8",
    }),
  ) as PackResult[];
  if (pack === undefined) throw new Error("npm pack printed nothing");
  process.stdout.write(
    `tarball ${pack.filename}: ${megabytes(pack.size)} (${pack.size} bytes), unpacked ${megabytes(pack.unpackedSize)}, ${pack.entryCount} files\n`,
  );
  const prefix = join(dir, "prefix");
  execFileSync(
    "npm",
    ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", join(dir, pack.filename)],
    { cwd: dir, stdio: "ignore" },
  );
  process.stdout.write(`npm install -g from it: ${megabytes(diskUsage(prefix))} on disk with its dependencies\n`);
  const elsewhere = join(dir, "elsewhere");
  mkdirSync(elsewhere);
  const started = performance.now();
  const runs = 5;
  for (let index = 0; index < runs; index++)
    execFileSync(join(prefix, "bin", "vela-ts"), ["--version"], { cwd: elsewhere, stdio: "ignore" });
  process.stdout.write(`vela-ts --version from the install: ${((performance.now() - started) / runs).toFixed(0)} ms\n`);
  await Promise.resolve();
}
