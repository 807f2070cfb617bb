import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { request as httpsRequest } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { startSandboxServer, type SandboxServer } from "../../../src/cluster/sandbox/server/index.js";
import { MAX_BODY_BYTES } from "../../../src/cluster/sandbox/server/body.js";
import { FakeClock } from "../../../src/util/clock.js";
import { MemoryCluster } from "./memory-cluster.js";

let server: SandboxServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(limits: Parameters<typeof startSandboxServer>[0]["limits"] = {}): Promise<SandboxServer> {
  const clock = new FakeClock();
  server = await startSandboxServer({ cluster: new MemoryCluster(clock), clock, settleIntervalMs: 0, limits });
  return server;
}

function post(
  target: SandboxServer,
  body: Buffer,
  chunked: boolean,
): Promise<{ readonly status: number; readonly body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      `${target.url}/api/v1/namespaces/default/configmaps`,
      {
        method: "POST",
        ca: target.certificate.certPem,
        headers: {
          Authorization: `Bearer ${target.token}`,
          "Content-Type": "application/json",
          ...(chunked ? {} : { "Content-Length": body.length }),
        },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    // The server may close the connection before the whole body is sent: the answer still arrives.
    outgoing.on("error", (error) => (error.message.includes("EPIPE") ? undefined : reject(error)));
    if (chunked) {
      for (let offset = 0; offset < body.length; offset += 64 * 1024)
        outgoing.write(body.subarray(offset, offset + 64 * 1024));
      outgoing.end();
    } else outgoing.end(body);
  });
}

function openSocket(target: SandboxServer): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port: target.port, ca: target.certificate.certPem }, () =>
      resolve(socket),
    );
    socket.on("error", reject);
  });
}

function closed(socket: TLSSocket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(0);
    socket.on("close", () => resolve(Date.now() - started));
  });
}

describe("sandbox serve holds its ground", () => {
  it.each([
    { name: "with a Content-Length", chunked: false },
    { name: "chunked", chunked: true },
  ])("a body over the cap gets 413 RequestEntityTooLarge ($name)", async ({ chunked }) => {
    const target = await start();
    const body = Buffer.from(
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "big" },
        data: { x: "y".repeat(MAX_BODY_BYTES + 1) },
      }),
    );
    const answer = await post(target, body, chunked);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge", code: 413 });
  });

  it("a client that sends its headers too slowly is disconnected (slowloris)", async () => {
    const target = await start({ headersTimeoutMs: 500, requestTimeoutMs: 600 });
    const socket = await openSocket(target);
    socket.write("GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const dripping = setInterval(() => socket.write("X-Slow: 1\r\n"), 100);
    try {
      expect(await closed(socket)).toBeLessThan(5000);
    } finally {
      clearInterval(dripping);
    }
  });

  it("an idle connection is closed", async () => {
    const target = await start({ idleTimeoutMs: 300 });
    const socket = await openSocket(target);
    expect(await closed(socket)).toBeLessThan(5000);
  });

  it("connections beyond the cap are closed as they arrive; the others still get answers", async () => {
    const target = await start({ maxConnections: 4 });
    const sockets = await Promise.all(Array.from({ length: 4 }, () => openSocket(target)));
    const extra = await openSocket(target).catch(() => undefined);
    if (extra !== undefined) expect(await closed(extra)).toBeLessThan(5000);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await post(
      target,
      Buffer.from(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ok" } })),
      false,
    );
    expect(answer.status).toBe(201);
  });

  it("a watch whose client does not read is ended once its buffer is full", async () => {
    const target = await start({ watchBufferBytes: 64 * 1024 });
    for (let index = 0; index < 40; index++) {
      await post(
        target,
        Buffer.from(
          JSON.stringify({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: `cm-${index}` },
            data: { payload: "z".repeat(20_000) },
          }),
        ),
        false,
      );
    }
    const socket = await openSocket(target);
    socket.write(
      `GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${target.token}\r\n\r\n`,
    );
    // Never read: the server queues up to its watch buffer, then ends the watch.
    socket.pause();
    const ended = closed(socket);
    for (let index = 0; index < 200; index++)
      await post(
        target,
        Buffer.from(
          JSON.stringify({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: `cm-${index % 40}` },
            data: { payload: `${index}`.repeat(10_000) },
          }),
        ),
        false,
      ).catch(() => undefined);
    socket.resume();
    expect(await ended).toBeLessThan(30_000);
  });
});
