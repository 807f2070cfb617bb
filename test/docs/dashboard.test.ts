/**
 * docs/dashboard.md as written: every flag of its table is a flag of `vela-ts dashboard --help`, and
 * every GET of its API table answers on a dashboard of the canary story at step 1.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { runCli } from "../support/cli.js";
import { request, startStoryDashboard } from "../support/dashboard.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { exampleApp, storySandbox } from "../support/story.js";

const DOC = readFileSync(join(PROJECT_ROOT, "docs", "dashboard.md"), "utf8");

/** The first-column cells of the Markdown table under a heading (or the top of the file). */
function tableRows(after: string): string[] {
  const start = DOC.indexOf(after);
  expect(start, `docs/dashboard.md has "${after}"`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  let inTable = false;
  for (const line of DOC.slice(start).split("\n")) {
    if (line.startsWith("|")) {
      inTable = true;
      const cell = line.split("|")[1]?.trim() ?? "";
      if (!/^-+$/.test(cell) && cell !== "Flag" && cell !== "Request") rows.push(cell);
    } else if (inTable) break;
  }
  return rows;
}

describe("docs/dashboard.md", () => {
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    const story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
    await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
    dashboard = await startStoryDashboard(story);
  }, 60_000);
  afterAll(async () => dashboard?.close());

  it("every flag in the table is one vela-ts dashboard takes", async () => {
    const help = (await runCli(["dashboard", "--help"])).stdout;
    const flags = tableRows("| Flag |").flatMap((cell) => [...cell.matchAll(/`(-[-\w]+)/g)].map((match) => match[1]));
    expect(flags.length).toBeGreaterThanOrEqual(8);
    for (const flag of flags) expect(help, `--help lists ${flag}`).toContain(flag);
  });

  it("every GET of the API table answers as documented", async () => {
    const gets = tableRows("| Request |").filter((cell) => cell.startsWith("`GET "));
    expect(gets.length).toBe(7);
    for (const cell of gets) {
      const path = (/`GET ([^`]+)`/.exec(cell)?.[1] ?? "")
        .replace("NAMESPACE", "default")
        .replace("NAME", "demo-app")
        .replace("/N/", "/2/")
        .replace("against=M", "against=1");
      // The events row names two topics: each is a stream.
      for (const one of path.split(" or ").map((part) => (part.startsWith("?") ? `/api/events${part}` : part))) {
        const concrete = one.replace("namespace=NS", "namespace=default").replace("name=APP", "name=demo-app");
        const controller = new AbortController();
        const response = await fetch(`${dashboard.origin}${concrete}`, {
          headers: { Authorization: `Bearer ${dashboard.token}` },
          signal: controller.signal,
        });
        expect(response.status, concrete).toBe(200);
        if (concrete.startsWith("/api/events")) expect(response.headers.get("content-type")).toMatch(/event-stream/);
        controller.abort();
      }
    }
    const diff = await request(dashboard, "/api/apps/default/demo-app/revisions/2/diff?against=1", {
      headers: { Authorization: `Bearer ${dashboard.token}` },
    });
    expect(JSON.parse(diff.text)).toMatchObject({ from: "demo-app-v1", to: "demo-app-v2" });
  });
});
