import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fetchChartFromRepository,
  mergeValues,
  parseRepositoryIndex,
  int64,
  parseSetValues,
  readChartRepository,
  readChartRepositorySync,
  selectChartVersion,
} from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";
import { tempDir } from "../support/cli.js";
import { buildTgz } from "./support/tar-builder.js";

function chartTgz(version: string): Uint8Array {
  return buildTgz({
    "web/Chart.yaml": `apiVersion: v2\nname: web\nversion: ${version}\n`,
    "web/templates/cm.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Version }}\n",
  });
}

function writeRepo(tamper = false): string {
  const dir = tempDir();
  const versions = ["1.0.0", "1.0.3", "1.2.0", "2.0.0"];
  const entries = versions.map((version) => {
    const bytes = chartTgz(version);
    writeFileSync(join(dir, `web-${version}.tgz`), tamper && version === "2.0.0" ? chartTgz("9.9.9") : bytes);
    const digest = createHash("sha256").update(bytes).digest("hex");
    return `  - name: web\n    version: ${version}\n    apiVersion: v2\n    digest: ${digest}\n    urls:\n      - web-${version}.tgz\n`;
  });
  writeFileSync(join(dir, "index.yaml"), `apiVersion: v1\nentries:\n  web:\n${entries.join("")}`);
  return dir;
}

describe("chart repositories", () => {
  it.each([
    { name: "exact", constraint: "1.0.3", want: "1.0.3" },
    { name: "tilde picks the highest patch", constraint: "~1.0", want: "1.0.3" },
    { name: "caret", constraint: "^1.0.0", want: "1.2.0" },
    { name: "range", constraint: ">=1.0.0 <2", want: "1.2.0" },
    { name: "comma-separated range", constraint: ">=1.0.0, <2", want: "1.2.0" },
    { name: "star", constraint: "*", want: "2.0.0" },
  ])("selects $name", ({ constraint, want }) => {
    const index = readChartRepositorySync(writeRepo()).index;
    expect(selectChartVersion(index, "web", constraint).version).toBe(want);
  });

  it.each([
    {
      name: "unknown chart",
      chart: "nope",
      constraint: "*",
      code: "E_CHART_NOT_FOUND",
      hint: "charts in this repository: web",
    },
    {
      name: "no matching version",
      chart: "web",
      constraint: ">=3",
      code: "E_CHART_NOT_FOUND",
      hint: "available versions: 2.0.0, 1.2.0, 1.0.3, 1.0.0",
    },
  ])("errors: $name", ({ chart, constraint, code, hint }) => {
    const index = readChartRepositorySync(writeRepo()).index;
    let error: unknown;
    try {
      selectChartVersion(index, chart, constraint);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VelaError);
    expect((error as VelaError).code).toBe(code);
    expect((error as VelaError).hint).toBe(hint);
  });

  it("a digest mismatch is refused", async () => {
    const repo = await readChartRepository(writeRepo(true));
    await expect(fetchChartFromRepository(repo, "web", "2.0.0")).rejects.toMatchObject({ code: "E_CHART_REPO" });
    await expect(fetchChartFromRepository(repo, "web", "1.2.0")).resolves.toMatchObject({
      entry: { version: "1.2.0" },
    });
  });

  it("a directory without index.yaml is a clear error", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "x"));
    expect(() => readChartRepositorySync(dir)).toThrowError(/no index.yaml/);
  });

  it.each(["https://charts.example.com/", "oci://registry.example.com/charts", "http://10.0.0.1/charts"])(
    "remote URL %s is refused without network",
    async (url) => {
      await expect(readChartRepository(url)).rejects.toMatchObject({ code: "E_CHART_REPO" });
    },
  );

  it("parses an index and sorts versions newest first", () => {
    const index = parseRepositoryIndex(
      "apiVersion: v1\nentries:\n  a:\n    - {name: a, version: 0.1.0, urls: [a.tgz]}\n    - {name: a, version: 0.10.0, urls: [b.tgz]}\n",
      "mem",
    );
    expect(index.entries["a"]?.map((e) => e.version)).toEqual(["0.10.0", "0.1.0"]);
  });

  describe("over http on loopback", () => {
    let server: Server;
    let url = "";
    beforeAll(async () => {
      const dir = writeRepo();
      const { readFileSync } = await import("node:fs");
      server = createServer((request, response) => {
        try {
          response.end(readFileSync(join(dir, (request.url ?? "/").replace(/^\/charts\//, ""))));
        } catch {
          response.statusCode = 404;
          response.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/charts`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("fetches the index and an archive, checking the digest", async () => {
      const repo = await readChartRepository(url);
      const fetched = await fetchChartFromRepository(repo, "web", "~1.2");
      expect(fetched.chart.metadata.version).toBe("1.2.0");
      expect(fetched.digest).toBe(fetched.entry.digest);
    });
  });
});

describe("values", () => {
  it.each([
    {
      name: "user wins, maps merge",
      defaults: { a: { b: 1, c: 2 }, d: [1] },
      user: { a: { b: 9 }, d: [2, 3] },
      want: { a: { b: 9, c: 2 }, d: [2, 3] },
    },
    {
      name: "null deletes a default",
      defaults: { a: { b: 1, c: 2 } },
      user: { a: { c: null } },
      want: { a: { b: 1 } },
    },
    { name: "null deletes a whole table", defaults: { a: { b: 1 }, e: 1 }, user: { a: null }, want: { e: 1 } },
  ])("mergeValues: $name", ({ defaults, user, want }) => {
    expect(mergeValues(defaults, user)).toEqual(want);
  });

  it.each([
    { name: "nested key", set: ["a.b=c"], want: { a: { b: "c" } } },
    {
      name: "several pairs and types",
      set: ["n=5,t=TRUE,f=1.5,z=0,s=007,p=+3,m=-2,big=9223372036854775807,over=9223372036854775808,u=1_000"],
      want: {
        n: int64(5n),
        t: true,
        f: "1.5",
        z: int64(0n),
        s: "007",
        p: int64(3n),
        m: int64(-2n),
        big: int64(9223372036854775807n),
        over: "9223372036854775808",
        u: "1_000",
      },
    },
    { name: "a scalar replaced by a map", set: ["a=5", "a.b=1"], want: { a: { b: int64(1n) } } },
    { name: "list index", set: ["a[1]=x"], want: { a: [null, "x"] } },
    { name: "list literal", set: ["l={a,b}"], want: { l: ["a", "b"] } },
    { name: "escaped dot and comma", set: ["a\\.b=c\\,d"], want: { "a.b": "c,d" } },
    { name: "later wins", set: ["a=1", "a=2"], want: { a: int64(2n) } },
    { name: "null", set: ["a=null"], want: { a: null } },
  ])("--set: $name", ({ set, want }) => {
    expect(parseSetValues(set)).toStrictEqual(want);
  });

  it("--set without a value is an E_CHART_VALUES error", () => {
    expect(() => parseSetValues(["novalue"])).toThrowError(
      expect.objectContaining({ code: "E_CHART_VALUES" }) as Error,
    );
  });
});
