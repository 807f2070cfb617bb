// Bundles the dashboard's page (web/dashboard) into dist/web/: one minified script and one
// stylesheet with content-hashed names under assets/, and index.html naming them. The dashboard
// server serves only these files. Usage: node scripts/bundle-dashboard.mjs [OUT_DIR]
import { build } from "esbuild";
import process from "node:process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web", "dashboard");
const outdir = resolve(process.argv[2] ?? join(root, "dist", "web"));
rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, "assets"), { recursive: true });

const result = await build({
  entryPoints: { app: join(web, "src", "main.tsx"), styles: join(web, "src", "styles.css") },
  outdir: join(outdir, "assets"),
  entryNames: "[name]-[hash]",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => `/assets/${basename(file)}`);
const script = outputs.find((file) => file.endsWith(".js"));
const styles = outputs.find((file) => file.endsWith(".css"));
if (script === undefined || styles === undefined) throw new Error(`dashboard bundle incomplete: ${outputs.join(", ")}`);
const html = readFileSync(join(web, "index.html"), "utf8").replace("%SCRIPT%", script).replace("%STYLES%", styles);
writeFileSync(join(outdir, "index.html"), html);
