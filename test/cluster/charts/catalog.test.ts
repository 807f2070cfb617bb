import { createServer, type Server } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addChartMirror,
  createChartCatalog,
  createMirrorCatalog,
  isNoMirror,
  readChartMirrors,
} from "../../../src/cluster/sandbox/charts/index.js";
import { VelaError } from "../../../src/errors/index.js";
import { tempDir } from "../../support/cli.js";
import { buildDemoRepository } from "./chart-repo.js";

describe("sandbox chart catalog", () => {
  let repo = "";
  let server: Server | undefined;
  let base = "";
  beforeAll(async () => {
    repo = await buildDemoRepository();
    server = createServer((request, response) => {
      try {
        response.end(readFileSync(join(repo, (request.url ?? "/").replace(/^\/charts\//, ""))));
      } catch {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  });
  afterAll(() => server?.close());

  it.each([
    { name: "exact version", constraint: "1.0.0", version: "1.0.0", appVersion: "v1" },
    { name: "range picks the highest", constraint: ">=1.0.0", version: "2.0.0", appVersion: "v2" },
    { name: "empty constraint means any", constraint: "", version: "2.0.0", appVersion: "v2" },
  ])("resolves through a mirror: $name", ({ constraint, version, appVersion }) => {
    const sandbox = tempDir("vela-ts-catalog-");
    addChartMirror(sandbox, "https://charts.example.com/demo/", repo);
    const resolution = createMirrorCatalog(sandbox).resolve("https://charts.example.com/demo", "demo-app", constraint);
    expect(resolution).toMatchObject({ ok: true, chart: "demo-app", version, appVersion });
    if (!resolution.ok) return;
    const index = readFileSync(join(repo, "index.yaml"), "utf8");
    expect(index).toContain(resolution.digest);
    const objects = resolution.render({ releaseName: "r1", namespace: "ns", values: { replicaCount: 2 } });
    expect(objects.map((object) => `${object.kind}/${object.metadata.name ?? ""}`)).toEqual([
      "Service/r1",
      "Deployment/r1",
    ]);
  });

  it("an unknown URL says which mirror to add", () => {
    const resolution = createChartCatalog(tempDir("vela-ts-catalog-"))?.resolve(
      "https://nowhere.example.com/charts/",
      "canary-demo",
      "1.0.0",
    );
    expect(resolution).toEqual({
      ok: false,
      reason: "ChartNotFound",
      message:
        'chart "canary-demo" not found: no mirror for https://nowhere.example.com/charts; add one with: vela-ts sandbox charts add https://nowhere.example.com/charts <dir>',
    });
    expect(resolution !== undefined && isNoMirror(resolution)).toBe(true);
  });

  it("a chart missing from a mirrored repository is not a 'no mirror' failure", () => {
    const sandbox = tempDir("vela-ts-catalog-");
    addChartMirror(sandbox, "https://charts.example.com/demo", repo);
    const resolution = createMirrorCatalog(sandbox).resolve("https://charts.example.com/demo", "other-chart", "*");
    expect(resolution.ok).toBe(false);
    expect(isNoMirror(resolution)).toBe(false);
  });

  it("fetches a loopback repository for real in prefetch", async () => {
    const catalog = createMirrorCatalog(tempDir("vela-ts-catalog-"));
    expect(catalog.resolve(base, "demo-app", "1.0.0").ok).toBe(false);
    await catalog.prefetch([base]);
    expect(catalog.resolve(base, "demo-app", "1.0.0")).toMatchObject({ ok: true, version: "1.0.0" });
  });

  it("keeps one mirror per URL, sorted, and rejects bad input", () => {
    const sandbox = tempDir("vela-ts-catalog-");
    addChartMirror(sandbox, "https://b.example.com/x", repo);
    addChartMirror(sandbox, "https://a.example.com/y/", repo);
    addChartMirror(sandbox, "https://b.example.com/x/", join(repo, "index.yaml"));
    expect(readChartMirrors(sandbox).map((mirror) => mirror.url)).toEqual([
      "https://a.example.com/y",
      "https://b.example.com/x",
    ]);
    expect(() => addChartMirror(sandbox, "file:///tmp", repo)).toThrow(VelaError);
    expect(() => addChartMirror(sandbox, "https://c.example.com", join(repo, "missing"))).toThrow(VelaError);
    writeFileSync(join(sandbox, "chart-mirrors.json"), "{not json");
    expect(() => readChartMirrors(sandbox)).toThrow(expect.objectContaining({ code: "E_CHART_MIRRORS" }) as Error);
  });
});
