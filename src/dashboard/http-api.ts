import type { IncomingMessage, ServerResponse } from "node:http";
import { stringify } from "yaml";
import { APPLICATION_API_VERSION, APPLICATION_KIND, getRevision, type TargetOptions } from "../operations/index.js";
import { NotFoundError, VelaError } from "../errors/index.js";
import type { ActionName, ActionRequest, AppManifest, DeployRequest, RevisionDiff, SessionInfo } from "./api-types.js";
import { apiErrorOf, deployApplications, httpStatusOf, runAction } from "./actions.js";
import { editableApplication } from "./app-detail.js";
import type { AppKey, ClusterReader } from "./cluster-reader.js";
import type { LiveHub, Topic } from "./live-hub.js";

/**
 * The JSON API under `/api/`: the session, the views (also streamed as server-sent events), a
 * revision diff, the Application's manifest, and the POST actions. Authentication and the CSRF check
 * happen before any of this runs (see `server.ts`).
 */

/** What the API handlers need. */
export interface ApiContext {
  readonly reader: ClusterReader;
  readonly hub: LiveHub;
  readonly target: TargetOptions;
  readonly session: Omit<SessionInfo, "target">;
  /** Open event streams at most (each holds a connection). */
  readonly maxStreams: number;
  readonly log: (message: string) => void;
}

const ACTIONS: ReadonlySet<string> = new Set(["resume", "suspend", "rollback", "terminate", "restart"]);
/** Largest POST body (an Application YAML for Deploy). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Sends a JSON response that is never cached. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  response.end(text);
}

/** Sends a failed operation as `{ error }` with its HTTP status. */
export function sendError(response: ServerResponse, error: unknown): void {
  sendJson(response, httpStatusOf(error), { error: apiErrorOf(error) });
}

class BodyTooLarge extends VelaError {
  constructor() {
    super("E_DASHBOARD_BODY_TOO_LARGE", `request body larger than ${MAX_BODY_BYTES} bytes`, {
      hint: "deploy a smaller Application file, or use vela-ts up -f",
    });
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VelaError("E_DASHBOARD_BAD_REQUEST", "the request body is not JSON", {
      hint: "send a JSON object with Content-Type: application/json",
    });
  }
}

function badRequest(message: string, hint: string): VelaError {
  return new VelaError("E_DASHBOARD_BAD_REQUEST", message, { hint });
}

function actionRequestOf(body: unknown): ActionRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("the action body must be a JSON object", 'send {} or {"revision": 1}');
  const { revision, step } = body as Record<string, unknown>;
  if (revision !== undefined && (typeof revision !== "number" || !Number.isInteger(revision) || revision < 1))
    throw badRequest(`revision must be a revision number, got ${JSON.stringify(revision)}`, 'e.g. {"revision": 1}');
  if (step !== undefined && (typeof step !== "string" || step === ""))
    throw badRequest(`step must be a step name, got ${JSON.stringify(step)}`, 'e.g. {"step": "deploy"}');
  return {
    ...(revision === undefined ? {} : { revision: revision }),
    ...(step === undefined ? {} : { step: step }),
  };
}

function deployRequestOf(body: unknown): DeployRequest {
  const yaml = (body as Record<string, unknown> | null)?.yaml;
  if (typeof yaml !== "string" || yaml.trim() === "")
    throw badRequest(
      "the deploy body needs the Application YAML",
      'send {"yaml": "apiVersion: core.oam.dev/v1beta1\\n…"}',
    );
  return { yaml };
}

/** A Kubernetes name segment from the URL (decoded, checked: no slashes or dots-only names). */
function nameSegment(segment: string | undefined, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment ?? "");
  } catch {
    decoded = "";
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(decoded) || decoded.length > 253)
    throw new NotFoundError("E_DASHBOARD_NOT_FOUND", `no such ${what}: ${JSON.stringify(segment ?? "")}`, {
      hint: "open the application list",
    });
  return decoded;
}

function openStream(response: ServerResponse, context: ApiContext, topic: Topic): void {
  if (context.hub.subscriberCount >= context.maxStreams) {
    sendJson(response, 503, {
      error: {
        code: "E_DASHBOARD_BUSY",
        message: `more than ${context.maxStreams} pages are open`,
        hint: "close some tabs",
      },
    });
    return;
  }
  response.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  response.write("retry: 2000\n\n");
  const unsubscribe = context.hub.subscribe(topic, {
    send(event, data) {
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  });
  const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), 15_000);
  const end = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  response.on("close", end);
  response.on("error", end);
}

function topicOf(url: URL): Topic {
  const topic = url.searchParams.get("topic");
  if (topic === "apps") return { kind: "apps" };
  if (topic === "app") {
    return {
      kind: "app",
      key: {
        namespace: nameSegment(url.searchParams.get("namespace") ?? undefined, "namespace"),
        name: nameSegment(url.searchParams.get("name") ?? undefined, "application"),
      },
    };
  }
  throw badRequest(`unknown topic ${JSON.stringify(topic)}`, "use ?topic=apps or ?topic=app&namespace=N&name=A");
}

async function manifest(context: ApiContext, key: AppKey): Promise<AppManifest> {
  const app = await context.reader.use((target) =>
    target.cluster.get({ apiVersion: APPLICATION_API_VERSION, kind: APPLICATION_KIND, ...key }),
  );
  if (app === undefined || context.reader.isOutOfScope(key))
    throw new NotFoundError("E_APP_NOT_FOUND", `application ${key.namespace}/${key.name} not found`, {
      hint: "open the application list",
    });
  return { yaml: stringify(editableApplication(app), { lineWidth: 0, aliasDuplicateObjects: false }) };
}

async function revisionDiff(context: ApiContext, key: AppKey, to: string, from: string | null): Promise<RevisionDiff> {
  const toNumber = Number(to);
  const fromNumber = from === null ? toNumber - 1 : Number(from);
  if (!Number.isInteger(toNumber) || !Number.isInteger(fromNumber) || toNumber < 1 || fromNumber < 1)
    throw badRequest("revision numbers must be whole numbers ≥ 1", "e.g. /revisions/2/diff?against=1");
  const result = await getRevision({
    ...context.target,
    command: "vela-ts dashboard: revision get",
    app: key.name,
    namespace: key.namespace,
    revision: toNumber,
    diffWith: fromNumber,
  });
  return {
    from: `${key.name}-v${fromNumber}`,
    to: result.revision.metadata.name ?? `${key.name}-v${toNumber}`,
    diff: result.diff ?? "",
  };
}

/** Answers one authenticated `/api/…` request (`segments` are the path's parts after `api`). */
export async function handleApi(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  segments: readonly string[],
  context: ApiContext,
): Promise<void> {
  const method = request.method ?? "GET";
  const [first, namespace, name, sub, subName, subVerb] = segments;
  try {
    if (method === "GET" && segments.length === 1 && first === "session") {
      sendJson(response, 200, { ...context.session, target: context.reader.description } satisfies SessionInfo);
    } else if (method === "GET" && segments.length === 1 && first === "health") {
      // While the cluster does not answer, look again now rather than report the last failure.
      if (!context.reader.health.reachable) await context.hub.refresh();
      sendJson(response, 200, context.reader.health);
    } else if (method === "GET" && segments.length === 1 && first === "events") {
      openStream(response, context, topicOf(url));
    } else if (method === "GET" && segments.length === 1 && first === "apps") {
      const result = await context.reader.readViews({ apps: true, details: [] });
      sendJson(response, 200, result.apps);
    } else if (first === "apps" && segments.length >= 3) {
      const key = { namespace: nameSegment(namespace, "namespace"), name: nameSegment(name, "application") };
      if (method === "GET" && segments.length === 3) {
        const result = await context.reader.readViews({ apps: false, details: [key] });
        const view = result.details.get(`${key.namespace}/${key.name}`);
        sendJson(response, view === undefined || "gone" in view ? 404 : 200, view);
      } else if (method === "GET" && segments.length === 4 && sub === "manifest") {
        sendJson(response, 200, await manifest(context, key));
      } else if (method === "GET" && segments.length === 6 && sub === "revisions" && subVerb === "diff") {
        sendJson(response, 200, await revisionDiff(context, key, subName ?? "", url.searchParams.get("against")));
      } else if (method === "POST" && segments.length === 5 && sub === "actions" && ACTIONS.has(subName ?? "")) {
        if (context.reader.isOutOfScope(key)) throw new NotFoundError("E_APP_NOT_FOUND", "application not shown here");
        const body = actionRequestOf(await readJsonBody(request));
        const result = await runAction(context.target, key, subName as ActionName, body);
        context.log(`${subName ?? ""} ${key.namespace}/${key.name}: ${result.messages.join(" ") || "done"}`);
        sendJson(response, 200, result);
        void context.hub.refresh();
      } else {
        sendJson(response, method === "GET" || method === "POST" ? 404 : 405, {
          error: { code: "E_DASHBOARD_NOT_FOUND", message: `no API ${method} ${url.pathname}` },
        });
      }
    } else if (method === "POST" && segments.length === 1 && first === "deploy") {
      const body = deployRequestOf(await readJsonBody(request));
      const result = await deployApplications(context.target, body.yaml);
      context.log(`deploy: ${result.applications.map((app) => `${app.namespace}/${app.name}`).join(", ")}`);
      sendJson(response, 200, result);
      void context.hub.refresh();
    } else {
      sendJson(response, 404, {
        error: { code: "E_DASHBOARD_NOT_FOUND", message: `no API ${method} ${url.pathname}` },
      });
    }
  } catch (error) {
    if (response.headersSent) {
      response.end();
      return;
    }
    sendError(response, error);
  }
}
