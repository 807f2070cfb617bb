/** Options of {@link JsonInterner}. */
export interface JsonInternerOptions {
  /** Distinct objects and arrays remembered; the least recently used go first. @default 16384 */
  readonly capacity?: number;
  /** Distinct strings remembered (each at most {@link MAX_SHARED_STRING} characters long). @default 16384 */
  readonly stringCapacity?: number;
}

/** Longer strings are left as they are: they are rarely repeated outside shared subtrees. */
export const MAX_SHARED_STRING = 256;

interface PoolEntry {
  readonly value: object;
  /** Stands for the value in the keys of the objects and arrays that contain it. */
  readonly token: string;
}

/**
 * A bounded map that keeps what was used recently, in two generations: a hit in `old` is copied
 * to `young`; when `young` is full, `old` is dropped and `young` becomes `old` (an LRU
 * approximation with no per-hit deletes, which a large `Map` makes slow).
 */
class RecentlyUsed<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(
    private readonly generation: number,
    private readonly onDrop: (value: V) => void = () => undefined,
  ) {}

  get size(): number {
    let size = this.young.size;
    for (const key of this.old.keys()) if (!this.young.has(key)) size++;
    return size;
  }

  get(key: string): V | undefined {
    const young = this.young.get(key);
    if (young !== undefined) return young;
    const old = this.old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    this.young.set(key, value);
    if (this.young.size < this.generation) return;
    const dropped = this.old;
    this.old = this.young;
    this.young = new Map();
    for (const [key, value] of dropped) if (this.old.get(key) !== value) this.onDrop(value);
  }
}

function isPlainContainer(value: object): boolean {
  return Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
}

function primitiveToken(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "n-0" : `n${value}`;
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "u";
    default:
      return "z";
  }
}

/**
 * A new object with these members, as compact as V8 makes them: `JSON.parse` sizes an object to
 * its keys (a `{}` grown key by key keeps slack), and an object that had members deleted is in
 * dictionary mode, where freezing gives it a hidden class of its own.
 */
function objectOf(quotedNames: readonly string[], names: readonly string[], members: readonly unknown[]): object {
  const result = JSON.parse(`{${quotedNames.map((quoted) => `${quoted}:0`).join(",")}}`) as Record<string, unknown>;
  names.forEach((name, index) => {
    result[name] = members[index];
  });
  return result;
}

/** A new array with these members and no spare capacity (a frozen array grown by `push` keeps it). */
function arrayOf(members: readonly unknown[]): unknown[] {
  const result = new Array<unknown>(members.length);
  members.forEach((member, index) => {
    result[index] = member;
  });
  return result;
}

/**
 * Shares identical subtrees between the objects a store holds (hash-consing): every object and
 * array is deeply frozen and, when an equal one (same keys in the same order, same values) was
 * interned recently, replaced by that one; equal strings are shared the same way. A thousand
 * ApplicationRevisions that each snapshot the same definitions then hold one copy of them, as do
 * identical `managedFields` entries, empty `traits: []` lists, or the app name in every label.
 *
 * An object's pool key is made from its own keys and its children's tokens (children are interned
 * first), so building it costs as much as the object's own members, not its whole subtree. The pools
 * are bounded: a value dropped from one stays valid, it is only no longer handed out again.
 * Equal keys always mean equal content, so sharing can miss but never merge different values.
 */
export class JsonInterner {
  private readonly containers: RecentlyUsed<PoolEntry>;
  private readonly strings: RecentlyUsed<string>;
  /** Pooled value → its key, so a value already shared is recognised without walking it again. */
  private readonly keys = new WeakMap<object, string>();
  private nextToken = 0;

  constructor(options: JsonInternerOptions = {}) {
    this.containers = new RecentlyUsed(Math.max(1, Math.ceil((options.capacity ?? 16384) / 2)), (entry) =>
      this.keys.delete(entry.value),
    );
    this.strings = new RecentlyUsed(Math.max(1, Math.ceil((options.stringCapacity ?? 16384) / 2)));
  }

  /** Number of pooled objects and arrays (at most the capacity). */
  get size(): number {
    return this.containers.size;
  }

  /**
   * A deeply frozen value equal to `value`, made of pooled subtrees where equal ones were seen and
   * of new objects and arrays elsewhere: `value` itself is never changed (only values of other
   * kinds than plain objects and arrays are frozen where they are).
   */
  intern<T>(value: T): T {
    return this.tokenOf(value).value as T;
  }

  /**
   * {@link intern} for a value that is unique by construction, as every stored object is (its
   * `metadata.resourceVersion`): `value` and its members named in `uniqueMembers` are rebuilt and
   * frozen but not pooled, since they can never be shared and pooling them would only keep old
   * versions alive; everything below them is interned as usual.
   */
  internUnique<T extends object>(value: T, uniqueMembers: readonly string[] = []): T {
    if (!isPlainContainer(value) || Array.isArray(value)) return this.intern(value);
    const names = Object.keys(value);
    const members = names.map((name) => {
      const member: unknown = (value as Record<string, unknown>)[name];
      return uniqueMembers.includes(name) && member !== null && typeof member === "object"
        ? this.internUnique(member)
        : this.tokenOf(member).value;
    });
    return Object.freeze(
      objectOf(
        names.map((name) => JSON.stringify(name)),
        names,
        members,
      ),
    ) as T;
  }

  private tokenOf(value: unknown): { readonly value: unknown; readonly token: string } {
    if (value === null) return { value, token: "z" };
    if (typeof value === "string") return { value: this.sharedString(value), token: primitiveToken(value) };
    if (typeof value !== "object") return { value, token: primitiveToken(value) };
    return this.internContainer(value);
  }

  private sharedString(value: string): string {
    if (value.length > MAX_SHARED_STRING) return value;
    const shared = this.strings.get(value);
    if (shared !== undefined) return shared;
    this.strings.set(value, value);
    return value;
  }

  private internContainer(value: object): { readonly value: object; readonly token: string } {
    const known = this.keys.get(value);
    if (known !== undefined) {
      const entry = this.containers.get(known);
      if (entry?.value === value) return entry;
    }
    if (!isPlainContainer(value)) {
      deepFreeze(value);
      return { value, token: `#opaque${this.nextToken++}` };
    }
    const isArray = Array.isArray(value);
    const names = isArray ? undefined : Object.keys(value);
    const quotedNames = names?.map((name) => JSON.stringify(name));
    const members: unknown[] = [];
    const parts: string[] = [];
    const length = names === undefined ? (value as unknown[]).length : names.length;
    for (let index = 0; index < length; index++) {
      const name = names?.[index];
      const child: unknown =
        name === undefined ? (value as unknown[])[index] : (value as Record<string, unknown>)[name];
      const interned = this.tokenOf(child);
      members.push(interned.value);
      parts.push(quotedNames === undefined ? interned.token : `${quotedNames[index] ?? ""}:${interned.token}`);
    }
    const key = isArray ? `[${parts.join(",")}]` : `{${parts.join(",")}}`;
    const found = this.containers.get(key);
    if (found !== undefined) return found;
    const result =
      names === undefined || quotedNames === undefined ? arrayOf(members) : objectOf(quotedNames, names, members);
    Object.freeze(result);
    const entry: PoolEntry = { value: result, token: `#${this.nextToken++}` };
    this.keys.set(result, key);
    this.containers.set(key, entry);
    return entry;
  }
}

/** Freezes `value` and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
