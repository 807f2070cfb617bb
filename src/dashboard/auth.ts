import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Who may use a dashboard: whoever has the random token of this dashboard (in the URL it prints, then
 * in a cookie named after its port, or as a bearer token), from a page of this dashboard's own origin
 * (POSTs echo a second token the page reads from the API, and must come from the same origin).
 */

/** A fresh random token (256 bits, URL-safe). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Compares two secrets in constant time (hashes first, so lengths leak nothing either). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The cookie of the dashboard on `port`: one name per port, so dashboards on one host keep apart. */
export function cookieName(port: number): string {
  return `vela_ts_dashboard_${port}`;
}

/** The cookie header's value for `name`, if sent. */
export function cookieValue(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** `Authorization: Bearer <token>`, if sent. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

/** The `Set-Cookie` header that keeps the token for this dashboard's pages. */
export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The Host header values a browser sends to this dashboard (a DNS-rebinding page sends its own name). */
export function allowedHosts(port: number, addresses: readonly string[]): ReadonlySet<string> {
  const hosts = new Set<string>();
  for (const address of ["127.0.0.1", "localhost", "::1", ...addresses]) {
    const host = address.includes(":") ? `[${address}]` : address;
    hosts.add(`${host}:${port}`.toLowerCase());
    if (port === 80) hosts.add(host.toLowerCase());
  }
  return hosts;
}

/**
 * Whether a POST comes from this dashboard's own pages: the page's CSRF token echoed in
 * `X-CSRF-Token`, a JSON body (a cross-site form cannot send one without a preflight we never
 * answer), and, where the browser says, the same origin.
 */
export function isSameOriginPost(request: IncomingMessage, csrfToken: string, origin: string): boolean {
  const header = request.headers["x-csrf-token"];
  if (!sameSecret(typeof header === "string" ? header : undefined, csrfToken)) return false;
  const type = request.headers["content-type"] ?? "";
  if (!/^application\/json(\s*;|$)/i.test(type)) return false;
  const sentOrigin = request.headers.origin;
  if (sentOrigin !== undefined && sentOrigin !== origin) return false;
  const site = request.headers["sec-fetch-site"];
  return site === undefined || site === "same-origin";
}
