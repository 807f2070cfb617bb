// Bundles the command line (dist/cli/bin.js and what it imports) into dist/bundle/, which
// bin/vela-ts.js runs: one file instead of ~900 modules to resolve makes every command start faster.
// Commands still load their layers on first use (split chunks); the Kubernetes client stays an
// ordinary import, loaded only by commands that reach a real cluster.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "bundle");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "dist", "cli", "bin.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@kubernetes/client-node"],
  // Bundled CommonJS packages (handlebars, ajv) call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __velaCreateRequire } from "node:module"; const require = __velaCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
