import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { VelaError } from "../errors/index.js";

/**
 * The page's files, read from the build's bundle folder into memory when the dashboard starts. A
 * request is answered from this table by exact path, so no URL can reach a file outside the bundle.
 */

/** One served file. */
export interface StaticAsset {
  readonly body: Buffer;
  /** The gzip-compressed body, for clients that accept it. */
  readonly gzip: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** Content-hashed names never change: cache them for good. */
  readonly immutable: boolean;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Where the build puts the page (`npm run build` → `dist/web`), found from this module in `src/`, `dist/` or the bundle. */
export function defaultBundleDir(): string {
  return fileURLToPath(new URL("../../dist/web/", import.meta.url));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Reads every file of the bundle folder; `/index.html` is also served at `/`. */
export function loadStaticAssets(dir: string): ReadonlyMap<string, StaticAsset> {
  if (!existsSync(join(dir, "index.html"))) {
    throw new VelaError(
      "E_DASHBOARD_BUNDLE",
      `the dashboard's page is not built: ${join(dir, "index.html")} is missing`,
      {
        hint: "build it with: npm run build",
      },
    );
  }
  const assets = new Map<string, StaticAsset>();
  for (const file of filesUnder(dir)) {
    const type = CONTENT_TYPES[extname(file)];
    if (type === undefined) continue;
    const body = readFileSync(file);
    const path = `/${relative(dir, file).split(sep).join("/")}`;
    assets.set(path, {
      body,
      gzip: gzipSync(body, { level: 9 }),
      contentType: type,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      immutable: path.startsWith("/assets/"),
    });
  }
  const index = assets.get("/index.html");
  if (index !== undefined) assets.set("/", index);
  return assets;
}
