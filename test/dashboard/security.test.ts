/**
 * The dashboard's doors, over plain HTTP: every path needs this dashboard's token (not another's),
 * the token moves into a port-named cookie, POSTs need the page's CSRF token, JSON and the same
 * origin, the Host header must name the dashboard, bodies are capped, and no URL reaches a file
 * outside the built page.
 */
import { readFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { buildDashboardBundle, request, startStoryDashboard } from "../support/dashboard.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { exampleApp, storySandbox, type StorySandbox } from "../support/story.js";

let story: StorySandbox;
let dashboard: RunningDashboard;
let other: RunningDashboard;
let csrf: string;

const bearer = (token: string): RequestInit => ({ headers: { Authorization: `Bearer ${token}` } });

beforeAll(async () => {
  story = await storySandbox({ charts: false });
  await story.velaOk(["up", "-f", exampleApp("shop-v1.yaml")]);
  dashboard = await startStoryDashboard(story);
  other = await startStoryDashboard(story);
  const session = await request(dashboard, "/api/session", bearer(dashboard.token));
  csrf = (JSON.parse(session.text) as { csrfToken: string }).csrfToken;
});

afterAll(async () => {
  await dashboard.close();
  await other.close();
});

describe("dashboard authentication", () => {
  it.each([
    { name: "the page", path: "/" },
    { name: "a script of the page", path: "/index.html" },
    { name: "the API", path: "/api/apps" },
    { name: "the session (with the CSRF token)", path: "/api/session" },
    { name: "the event stream", path: "/api/events?topic=apps" },
    { name: "an unknown path", path: "/nothing-here" },
  ])("$name answers 401 without a token", async ({ path }) => {
    const response = await request(dashboard, path);
    expect(response.status).toBe(401);
    expect(response.text).not.toContain("csrfToken");
  });

  it("an API 401 says what to do, as JSON", async () => {
    const response = await request(dashboard, "/api/apps");
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: "E_DASHBOARD_UNAUTHORIZED" } });
  });

  it("a wrong token is refused, and so is another dashboard's token", async () => {
    expect((await request(dashboard, "/api/apps", bearer("not-the-token"))).status).toBe(401);
    expect(other.token).not.toBe(dashboard.token);
    expect((await request(dashboard, "/api/apps", bearer(other.token))).status).toBe(401);
    expect((await request(dashboard, `/api/apps?token=${other.token}`)).status).toBe(401);
    const cookie = `vela_ts_dashboard_${dashboard.port}=${other.token}`;
    expect((await request(dashboard, "/api/apps", { headers: { Cookie: cookie } })).status).toBe(401);
    expect((await request(other, "/api/apps", bearer(other.token))).status).toBe(200);
  });

  it("the URL's token becomes an HttpOnly, SameSite=Strict cookie named by the port, and leaves the URL", async () => {
    const response = await request(dashboard, `/?token=${dashboard.token}`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`vela_ts_dashboard_${dashboard.port}=${dashboard.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await request(dashboard, "/", {
      headers: { Cookie: `vela_ts_dashboard_${dashboard.port}=${dashboard.token}` },
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root"></div>');
  });

  it("responses forbid framing, sniffing, referrers and scripts from elsewhere", async () => {
    const response = await request(dashboard, "/", bearer(dashboard.token));
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("a Host header naming another site (DNS rebinding) is refused", async () => {
    // fetch() will not send another Host: node:http does, as a rebinding page's browser would.
    const status = await new Promise<number>((resolve, reject) => {
      const sent = httpGet(
        {
          host: "127.0.0.1",
          port: dashboard.port,
          path: "/api/apps",
          headers: { Authorization: `Bearer ${dashboard.token}`, Host: `evil.example.com:${dashboard.port}` },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      sent.on("error", reject);
    });
    expect(status).toBe(421);
    const local = await fetch(`http://localhost:${dashboard.port}/api/apps`, bearer(dashboard.token));
    expect(local.status).toBe(200);
  });
});

describe("dashboard actions (POST)", () => {
  const post = (
    path: string,
    headers: Record<string, string>,
    body = "{}",
  ): Promise<{ status: number; text: string }> =>
    request(dashboard, path, {
      method: "POST",
      headers: { Authorization: `Bearer ${dashboard.token}`, ...headers },
      body,
    });
  const restart = "/api/apps/default/shop/actions/restart";

  it.each([
    { name: "no CSRF token", headers: { "Content-Type": "application/json" } },
    { name: "a wrong CSRF token", headers: { "Content-Type": "application/json", "X-CSRF-Token": "guess" } },
    {
      name: "a form post (no preflight needed)",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": "placeholder" },
    },
    {
      name: "another origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": "placeholder", Origin: "http://evil.example.com" },
    },
    {
      name: "a cross-site fetch",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": "placeholder", "Sec-Fetch-Site": "cross-site" },
    },
  ])("$name is refused with 403 and nothing happens", async ({ headers }) => {
    const before = await story.resourceVersion();
    const filled = Object.fromEntries(
      Object.entries(headers).map(([key, value]) => [key, value === "placeholder" ? csrf : value]),
    );
    const response = await post(restart, filled);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: "E_DASHBOARD_CSRF" } });
    expect(await story.resourceVersion()).toBe(before);
  });

  it("with the page's CSRF token, JSON and the same origin, the action runs", async () => {
    const response = await post(restart, {
      "Content-Type": "application/json",
      "X-CSRF-Token": csrf,
      Origin: dashboard.origin,
      "Sec-Fetch-Site": "same-origin",
    });
    expect(response.status, response.text).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ ok: true });
  });

  it("an operation the workflow refuses comes back as 409 with the controller's error", async () => {
    const response = await post("/api/apps/default/shop/actions/resume", {
      "Content-Type": "application/json",
      "X-CSRF-Token": csrf,
    });
    expect(response.status).toBe(409);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: expect.stringMatching(/^E_/) as string } });
  });

  it("a bad body, an unknown app and an unknown action are told apart", async () => {
    const json = { "Content-Type": "application/json", "X-CSRF-Token": csrf };
    expect((await post(restart, json, '{"step": 3}')).status).toBe(400);
    expect((await post(restart, json, "not json")).status).toBe(400);
    expect((await post("/api/apps/default/nope/actions/restart", json)).status).toBe(404);
    expect((await post("/api/apps/default/shop/actions/delete", json)).status).toBe(404);
  });

  it("a body over 1 MiB is refused with 413", async () => {
    const response = await post(
      "/api/deploy",
      { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      JSON.stringify({ yaml: "x".repeat(1024 * 1024 + 10) }),
    );
    expect(response.status).toBe(413);
  });

  it("a deploy of bad YAML reports the problem with its line and writes nothing", async () => {
    const before = await story.resourceVersion();
    const yaml =
      "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: bad\nspec:\n  components:\n    - name: x\n      type: no-such-type\n";
    const response = await post(
      "/api/deploy",
      { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      JSON.stringify({ yaml }),
    );
    expect(response.status).toBe(422);
    const error = (JSON.parse(response.text) as { error: { code: string; source?: { line: number } } }).error;
    expect(error.code).toBe("E_DEF_NOT_FOUND");
    expect(error.source?.line).toBe(8);
    expect(await story.resourceVersion()).toBe(before);
  });
});

describe("dashboard files", () => {
  const secret = readFileSync(join(PROJECT_ROOT, "package.json"), "utf8");

  it.each([
    "/../package.json",
    "/assets/../../package.json",
    "/assets/%2e%2e/%2e%2e/package.json",
    "/assets/..%2f..%2fpackage.json",
    "/%2e%2e%2f%2e%2e%2fpackage.json",
    "//etc/passwd",
    "/assets/..\\..\\package.json",
    `/${buildDashboardBundle()}/index.html`,
    "/index.html%00.js",
  ])("%s serves no file from outside the bundle", async (path) => {
    const response = await request(dashboard, path, bearer(dashboard.token));
    expect([404, 400]).toContain(response.status);
    expect(response.text).not.toContain(secret.slice(0, 40));
    expect(response.text).not.toContain("root:");
  });

  it("the bundle's own files are served, compressed and cacheable", async () => {
    const page = await request(dashboard, "/", bearer(dashboard.token));
    const script = /src="(\/assets\/app-[^"]+\.js)"/.exec(page.text)?.[1] ?? "";
    expect(script).not.toBe("");
    const response = await fetch(`${dashboard.origin}${script}`, {
      headers: { Authorization: `Bearer ${dashboard.token}`, "Accept-Encoding": "gzip" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(response.headers.get("cache-control")).toContain("immutable");
  });

  it("only GET and HEAD reach the files", async () => {
    const response = await request(dashboard, "/", { method: "PUT", ...bearer(dashboard.token) });
    expect(response.status).toBe(405);
  });
});
