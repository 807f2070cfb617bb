import { InternalError } from "../errors/index.js";

/** RFC 6901 JSON pointers: the `path` of every user-facing error. */

export function escapePointerToken(token: string | number): string {
  return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

export function unescapePointerToken(token: string): string {
  return token.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** Builds a pointer from path segments: `["spec", "components", 0]` → `/spec/components/0`. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${escapePointerToken(segment)}`).join("");
}

/** Splits a pointer into its unescaped segments; `""` is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new InternalError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split("/").map(unescapePointerToken);
}

/** Appends segments to a pointer. */
export function joinPointer(base: string, ...segments: readonly (string | number)[]): string {
  return base + toPointer(segments);
}

/** Reads the value at a pointer, or undefined when any segment is missing. */
export function getAtPointer(document: unknown, pointer: string): unknown {
  let current: unknown = document;
  for (const segment of parsePointer(pointer)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
