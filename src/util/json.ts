/** A JSON value: what stages exchange and what templates see. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}
export type JsonArray = JsonValue[];

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A value as text for messages and keys: strings as they are, objects and arrays as JSON (never
 * `[object Object]`), other scalars through `String`.
 */
export function displayText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

/**
 * Deep copy of a JSON value (never shares structure with the input, not even where the input
 * holds one object twice). A plain walk: several times faster than `structuredClone` on the small
 * objects the reconciler and the sandbox copy on every read and write. Fields holding `undefined`
 * are left out, as JSON leaves them out.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  return copyJson(value) as T;
}

function copyJson(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) copy[index] = copyJson(value[index]);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    // A "__proto__" member (JSON.parse makes it an own field) must stay a field, not become the prototype.
    if (key === "__proto__")
      Object.defineProperty(copy, key, {
        value: copyJson(field),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = copyJson(field);
  }
  return copy;
}

/** Structural equality of two JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (Array.isArray(b)) return false;
  const aObj = a as Record<string, unknown>;
  const bObj = b as Record<string, unknown>;
  const aKeys = Object.keys(aObj).filter((k) => aObj[k] !== undefined);
  const bKeys = Object.keys(bObj).filter((k) => bObj[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(bObj, key) && jsonEqual(aObj[key], bObj[key]));
}

/**
 * The types whose values are JSON all the way down (optional fields may be absent): what
 * {@link toJsonValue} accepts. A function, class instance with methods, `Date`, `Map` or `bigint`
 * anywhere inside makes it `never`, so the widening is checked by the compiler.
 */
export type JsonCompatible<T> = T extends JsonPrimitive | undefined
  ? T
  : T extends (...args: never[]) => unknown
    ? never
    : T extends readonly (infer Item)[]
      ? readonly JsonCompatible<Item>[]
      : T extends Date | Map<unknown, unknown> | Set<unknown>
        ? never
        : T extends object
          ? { readonly [K in keyof T]: JsonCompatible<T[K]> }
          : never;

/**
 * A typed JSON-shaped value (a KubeObject, a status record) as a plain `JsonValue`, for code that
 * handles any JSON. The compiler checks the value is JSON-compatible ({@link JsonCompatible}); the
 * value itself is returned unchanged, not copied.
 */
export function toJsonValue<T>(value: T & JsonCompatible<T>): JsonValue {
  // Checked by the constraint above; TypeScript cannot see that a JsonCompatible type is a JsonValue.
  return value as unknown as JsonValue;
}

/** {@link toJsonValue} for an object: a typed record as a plain `JsonObject`. */
export function toJsonObject<T extends object>(value: T & JsonCompatible<T>): JsonObject {
  // Checked by the constraint above (an object type, JSON all the way down).
  return value as unknown as JsonObject;
}
