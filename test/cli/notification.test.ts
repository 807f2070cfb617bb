/**
 * The `notification` step through its definition: every form the runner sends (webhook, the url
 * shorthand, slack) passes the definition's parameter check and reaches a server on 127.0.0.1;
 * a malformed one is refused before anything is applied.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

function app(steps: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: notified
spec:
  components:
    - name: web
      type: webservice
      properties:
        image: nginx:1.25
  workflow:
    steps:
      - name: deploy
        type: apply-component
        properties: {component: web}
${steps}`;
}

describe("notification step forms", () => {
  let server: Server;
  let base = "";
  const received: { readonly path: string; readonly body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        received.push({ path: request.url ?? "", body: JSON.parse(body) as unknown });
        response.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("posts the webhook, url-shorthand and slack forms", async () => {
    const dir = tempDir();
    const file = join(dir, "app.yaml");
    writeFileSync(
      file,
      app(`      - name: hook
        type: notification
        properties:
          webhook: {url: "${base}/hook", message: "v2 is out"}
      - name: plain
        type: notification
        properties: {url: "${base}/plain", message: {status: done}}
      - name: slack
        type: notification
        properties:
          slack: {url: {value: "${base}/slack"}, message: {text: "canary at 20%"}}
`),
    );
    const run = await runCli(["up", "-f", file, "--wait", "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT });
    expect(run.stderr).not.toContain("error[");
    expect(run.code).toBe(0);
    expect(received).toMatchObject([
      { path: "/hook", body: { text: "v2 is out" } },
      { path: "/plain", body: { status: "done" } },
      { path: "/slack", body: { text: "canary at 20%" } },
    ]);
  });

  it("refuses a malformed webhook before the first write", async () => {
    const dir = tempDir();
    const file = join(dir, "app.yaml");
    writeFileSync(
      file,
      app(
        `      - name: hook\n        type: notification\n        properties:\n          webhook: {url: 5, message: x}\n`,
      ),
    );
    const run = await runCli(["up", "-f", file, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error[E_PARAM_INVALID]: workflow step "hook": field "webhook.url" must be a string or an object, got 5',
    );
    expect(run.stderr).toContain("app.yaml:19:");
    const listed = await runCli(["sandbox", "get", "deployments", "-A", "--sandbox", join(dir, "sb")], {
      cwd: PROJECT_ROOT,
    });
    expect(listed.stdout).toBe("");
    expect(listed.stderr).toContain("No resources found");
  });
});
