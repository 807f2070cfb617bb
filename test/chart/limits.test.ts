/**
 * Charts are untrusted input: every evaluation is bounded (steps, output, list sizes, nesting,
 * recursion), regexes are RE2, archives are capped when unpacked, and repository `urls` stay inside
 * the repository. Each case must end with a clear E_CHART_* error naming the template and line.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  fetchChartFromRepositorySync,
  loadChartArchive,
  parseRepositoryIndex,
  readChartRepositorySync,
  renderTemplateString,
} from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";
import { tempDir } from "../support/cli.js";
import { buildTgz } from "./support/tar-builder.js";

function failure(fn: () => unknown): VelaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected an error");
}

interface BoundCase {
  readonly name: string;
  readonly template: string;
  readonly data?: unknown;
  readonly message: string;
}

const BOUNDS: BoundCase[] = [
  {
    name: "until 100000000",
    template: "{{ range until 100000000 }}x{{ end }}",
    message: "template: t:1:9: untilStep would build a list of 100000000 items",
  },
  {
    name: "range over a huge integer",
    template: "{{ range $i := 100000000 }}x{{ end }}",
    message: "template: t:1:9: range would build a list of 100000000 items",
  },
  {
    name: "indent 400000000",
    template: '{{ indent 400000000 "x" }}',
    message: "template: t:1:3: indent would build a string of 400000001 characters",
  },
  { name: "repeat", template: '{{ repeat 400000000 "x" }}', message: "repeat would build a string" },
  {
    name: "output doubling in a loop",
    template: '{{ $s := "xxxxxxxxxxxxxxxx" }}{{ range until 40 }}{{ $s = cat $s $s }}{{ end }}',
    message: "",
  },
  {
    name: "recursive include",
    template: '{{ define "loop" }}{{ include "loop" . }}{{ end }}{{ include "loop" . }}',
    message: "rendering template has a nested reference name: loop",
  },
  {
    name: "recursive template action",
    template: '{{ define "t2" }}{{ template "t2" . }}{{ end }}{{ template "t2" . }}',
    message: "template: t:1:29: exceeded maximum template depth (10000)",
  },
  {
    name: "50,000 nested ifs",
    template: `${"{{ if true }}".repeat(50_000)}x${"{{ end }}".repeat(50_000)}`,
    message: "max nesting depth exceeded",
  },
  {
    name: "deep parentheses",
    template: `{{ ${"(".repeat(5000)}1${")".repeat(5000)} }}`,
    message: "max nesting depth exceeded",
  },
];

/** Includes "r" n+1 times, nested: `include "r" n` includes "r" with n-1, down to 0. */
const COUNTDOWN = '{{- define "r" -}}{{- if gt (int .) 0 -}}x{{- include "r" (sub (int .) 1) -}}{{- end -}}{{- end -}}';

/** Calls `fn` from `depth` frames down the JavaScript stack. */
function fromDeepInTheStack<T>(depth: number, fn: () => T): T {
  return depth === 0 ? fn() : fromDeepInTheStack(depth - 1, fn);
}

function stackHeadroom(): number {
  const probe = (n: number): number => {
    try {
      return probe(n + 1);
    } catch {
      return n;
    }
  };
  return probe(0);
}

describe("nesting is bounded by Helm's limits, not by the JavaScript stack", () => {
  it("runs 1001 nested includes of one name and fails the 1002nd with Helm's error", () => {
    expect(renderTemplateString(`${COUNTDOWN}{{ include "r" 1000 | len }}`, {})).toBe("1000");
    const error = failure(() => renderTemplateString(`${COUNTDOWN}{{ include "r" 1001 }}`, {}, { name: "t" }));
    expect(error.message).toBe(
      "template: t:1:46: rendering template has a nested reference name: r: unable to execute template",
    );
  });

  it("does so when called with most of the JavaScript stack already used", () => {
    const depth = Math.floor(stackHeadroom() * 0.8);
    const out = fromDeepInTheStack(depth, () => renderTemplateString(`${COUNTDOWN}{{ include "r" 1000 | len }}`, {}));
    expect(out).toBe("1000");
  });

  it("nests 2000 includes alternating two names, through tpl as well", () => {
    const template = [
      '{{- define "a" -}}{{- if gt (int .) 0 -}}a{{- include "b" (sub (int .) 1) -}}{{- end -}}{{- end -}}',
      '{{- define "b" -}}{{- if gt (int .) 0 -}}b{{- tpl "{{ include \\"a\\" . }}" (sub (int .) 1) -}}{{- end -}}{{- end -}}',
      '{{ include "a" 2000 | len }}',
    ].join("");
    expect(renderTemplateString(template, {})).toBe("2000");
  });

  it("stops {{template}} recursion at maxExecDepth with Go's message", () => {
    const error = failure(() =>
      renderTemplateString(
        '{{ define "t2" }}{{ template "t2" . }}{{ end }}{{ template "t2" . }}',
        {},
        {
          name: "t",
          limits: { maxExecDepth: 50 },
        },
      ),
    );
    expect(error.message).toBe("template: t:1:29: exceeded maximum template depth (50)");
  });
});

describe("every evaluation is bounded", () => {
  it.each(BOUNDS)("$name", (c) => {
    const error = failure(() =>
      renderTemplateString(c.template, c.data ?? {}, { name: "t", limits: { maxOutputBytes: 8 * 1024 * 1024 } }),
    );
    expect(error.code).toBe("E_CHART_TEMPLATE");
    expect(error.message).toContain(c.message);
    expect(error.source?.file).toBe("t");
  });

  it("stops a long loop at the step limit, naming the line", () => {
    const error = failure(() =>
      renderTemplateString(
        "a\n{{ range until 100000 }}{{ range until 100 }}{{ end }}{{ end }}",
        {},
        { name: "t", limits: { maxSteps: 100_000 } },
      ),
    );
    expect(error.message).toMatch(/^template: t:2:\d+: evaluation stopped after 100000 steps/);
    expect(error.source?.line).toBe(2);
  });

  it("stops at the time limit", () => {
    const error = failure(() =>
      renderTemplateString(
        "{{ range until 1000000 }}{{ range until 1000000 }}{{ end }}{{ end }}",
        {},
        {
          name: "t",
          limits: { maxDurationMs: 50, maxSteps: Number.MAX_SAFE_INTEGER },
        },
      ),
    );
    expect(error.message).toContain("evaluation stopped after 50 ms");
  });

  it("matches regexes in linear time (RE2): a pattern that backtracks exponentially in JavaScript answers", () => {
    const text = `${"a".repeat(20_000)}b`;
    expect(renderTemplateString('{{ regexMatch "(a+)+b$" .s }}', { s: text })).toBe("true");
    expect(renderTemplateString('{{ regexMatch "^(a+)+$" .s }}', { s: text })).toBe("false");
  });

  it("rejects what RE2 rejects (backreferences) with Go's message", () => {
    const error = failure(() => renderTemplateString('{{ regexMatch "(a)\\\\1" "aa" }}', {}, { name: "t" }));
    expect(error.message).toContain("error calling regexMatch: error parsing regexp");
  });
});

describe("archives are capped when unpacked", () => {
  it("refuses a gzip bomb with Helm's 100 MiB limit", () => {
    const huge = Buffer.alloc(110 * 1024 * 1024);
    const bomb = gzipSync(huge, { level: 9 });
    const error = failure(() => loadChartArchive(bomb, "bomb.tgz"));
    expect(error.code).toBe("E_CHART_LOAD");
    expect(error.message).toContain("unpacks to more than 104857600 bytes");
  });

  it("refuses an archive of too many files", () => {
    const files: Record<string, string> = { "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n" };
    for (let i = 0; i < 10_001; i++) files[`c/templates/f${i}.yaml`] = "";
    const error = failure(() => loadChartArchive(buildTgz(files), "many.tgz"));
    expect(error.message).toContain("more than 10000 files");
  });
});

describe("chart repositories are confined", () => {
  function repository(urls: string, digest?: string): string {
    const dir = tempDir();
    const repo = join(dir, "repo");
    mkdirSync(repo);
    writeFileSync(join(dir, "secret.tgz"), "outside the repository");
    writeFileSync(
      join(repo, "index.yaml"),
      "apiVersion: v1\nentries:\n  app:\n    - name: app\n      version: 1.0.0\n" +
        `      urls: [${urls}]\n${digest === undefined ? "" : `      digest: ${digest}\n`}`,
    );
    return repo;
  }

  it.each([
    { name: "a ../ path", urls: "../secret.tgz" },
    { name: "an absolute path", urls: "/etc/passwd" },
    { name: "an absolute URL whose name climbs out", urls: "http://example.com/%2E%2E%2Fsecret.tgz" },
  ])("refuses $name", ({ urls }) => {
    const repo = readChartRepositorySync(repository(urls, "0".repeat(64)));
    const error = failure(() => fetchChartFromRepositorySync(repo, "app", "1.0.0"));
    expect(error.code).toBe("E_CHART_REPO");
    expect(error.message).toContain("points outside the repository");
    expect(error.message).not.toMatch(/[0-9a-f]{64}(?![\s\S]*0{64})/);
  });

  it("a digest mismatch does not print the archive's hash", () => {
    const repo = repository("app-1.0.0.tgz", "ab".repeat(32));
    writeFileSync(
      join(repo, "app-1.0.0.tgz"),
      buildTgz({ "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n" }),
    );
    const error = failure(() => fetchChartFromRepositorySync(readChartRepositorySync(repo), "app", "1.0.0"));
    expect(error.message).toBe(
      `digest mismatch for app 1.0.0: archive ${join(repo, "app-1.0.0.tgz")} does not match the digest ${"ab".repeat(32)} in the index`,
    );
  });

  it("refuses a huge index with a clear error", () => {
    const error = failure(() => parseRepositoryIndex("#".repeat(64 * 1024 * 1024 + 1), "big"));
    expect(error.code).toBe("E_CHART_REPO");
    expect(error.message).toContain("over the 67108864-byte limit");
  });

  it("reads a 40,000-entry index", () => {
    let text = "apiVersion: v1\nentries:\n";
    for (let i = 0; i < 40_000; i++)
      text += `  c${i}:\n  - name: c${i}\n    version: 1.0.${i}\n    urls: [c${i}.tgz]\n`;
    expect(Object.keys(parseRepositoryIndex(text, "big").entries)).toHaveLength(40_000);
  });
});
