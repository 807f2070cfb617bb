import { useEffect, useState } from "preact/hooks";
import type {
  ActionName,
  ActionRequest,
  ActionResult,
  ApiError,
  AppDetailView,
  AppGone,
  AppListView,
  AppManifest,
  ClusterHealth,
  DeployResult,
  RevisionDiff,
  SessionInfo,
} from "../../../src/dashboard/api-types.ts";

/** The page's side of the dashboard API (same origin; the session cookie authenticates). */

let csrfToken = "";

/** An API call that failed, with the server's error. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as T & { error?: ApiError };
  if (!response.ok) {
    throw new ApiFailure(
      response.status,
      body.error ?? { code: `HTTP_${response.status}`, message: response.statusText || "request failed" },
    );
  }
  return body;
}

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }));
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    }),
  );
}

export async function loadSession(): Promise<SessionInfo> {
  const session = await getJson<SessionInfo>("/api/session");
  csrfToken = session.csrfToken;
  return session;
}

function appPath(namespace: string, name: string): string {
  return `/api/apps/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

export function runAction(
  namespace: string,
  name: string,
  action: ActionName,
  request: ActionRequest,
): Promise<ActionResult> {
  return postJson<ActionResult>(`${appPath(namespace, name)}/actions/${action}`, request);
}

export function deploy(yaml: string): Promise<DeployResult> {
  return postJson<DeployResult>("/api/deploy", { yaml });
}

export function loadManifest(namespace: string, name: string): Promise<AppManifest> {
  return getJson<AppManifest>(`${appPath(namespace, name)}/manifest`);
}

export function loadDiff(namespace: string, name: string, to: number, against: number): Promise<RevisionDiff> {
  return getJson<RevisionDiff>(`${appPath(namespace, name)}/revisions/${to}/diff?against=${against}`);
}

/** The state of the page's event stream. */
export type StreamState = "connecting" | "open" | "reconnecting" | "closed";

/** A live view: the last value the server pushed, when it arrived, and the stream's state. */
export interface Live<T> {
  readonly data: T | undefined;
  /** `Date.now()` when `data` arrived (for countdowns against the server's `now`). */
  readonly receivedAt: number;
  readonly health: ClusterHealth | undefined;
  readonly stream: StreamState;
}

type Topic = { readonly kind: "apps" } | { readonly kind: "app"; readonly namespace: string; readonly name: string };

function streamUrl(topic: Topic): string {
  return topic.kind === "apps"
    ? "/api/events?topic=apps"
    : `/api/events?topic=app&namespace=${encodeURIComponent(topic.namespace)}&name=${encodeURIComponent(topic.name)}`;
}

/** Follows a view over server-sent events (the browser reconnects by itself). */
export function useLive<T extends AppListView | AppDetailView | AppGone>(topic: Topic): Live<T> {
  const key = streamUrl(topic);
  const [live, setLive] = useState<Live<T>>({
    data: undefined,
    receivedAt: 0,
    health: undefined,
    stream: "connecting",
  });
  useEffect(() => {
    setLive({ data: undefined, receivedAt: 0, health: undefined, stream: "connecting" });
    const source = new EventSource(key);
    const onView = (event: MessageEvent<string>): void => {
      const data = JSON.parse(event.data) as T;
      setLive((previous) => ({ ...previous, data, receivedAt: Date.now(), stream: "open" }));
    };
    source.addEventListener(topic.kind, onView as EventListener);
    source.addEventListener("health", ((event: MessageEvent<string>) => {
      const health = JSON.parse(event.data) as ClusterHealth;
      setLive((previous) => ({ ...previous, health, stream: "open" }));
    }) as EventListener);
    source.onopen = () => setLive((previous) => ({ ...previous, stream: "open" }));
    source.onerror = () =>
      setLive((previous) => ({
        ...previous,
        stream: source.readyState === EventSource.CLOSED ? "closed" : "reconnecting",
      }));
    return () => source.close();
  }, [key]);
  return live;
}
