/**
 * Sprig's date and random functions (`date.go`, random parts of `strings.go`, `crypto.go`
 * `randBytes`, `uuidv4`). The clock and the random source come from the render options, so the
 * same chart and options render the same text. Times are formatted in UTC.
 */
import { GoTemplateError } from "../errors.js";
import { fn, type GoFunc } from "./go-func.js";
import { GoInt, GoTime } from "./go-value.js";
import { formatGoDuration, formatGoLayout, parseGoDuration, parseGoLayout } from "./go-time.js";
import type { OutputGuard } from "./limits.js";

/** A small seeded generator (mulberry32): same seed, same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z), what `toDate` gives for text it cannot parse. */
const ZERO_TIME = -62135596800000;

const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC = "0123456789";
const ASCII = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");

/** sprig's `dateInZone` input: a time, or seconds since the epoch as an int; anything else is "now". */
function timeOf(value: unknown, now: GoTime): GoTime {
  if (value instanceof GoTime) return value;
  if (typeof value === "bigint") return new GoTime(Number(value) * 1000);
  if (value instanceof GoInt && (value.type === "int64" || value.type === "int32"))
    return new GoTime(Number(value.value) * 1000);
  return now;
}

function durationOfSeconds(value: unknown): number {
  if (typeof value === "string") return /^[+-]?\d+$/.test(value) ? Number(value) * 1000 : 0;
  if (value instanceof GoInt) return Number(value.value) * 1000;
  if (typeof value === "bigint") return Number(value) * 1000;
  return 0;
}

function durationRound(value: unknown, now: GoTime): string {
  let ms = 0;
  if (typeof value === "string") {
    try {
      ms = parseGoDuration(value);
    } catch {
      ms = 0;
    }
  } else if (value instanceof GoInt && value.type === "int64") ms = Number(value.value) / 1e6;
  else if (value instanceof GoTime) ms = now.epochMs - value.epochMs;
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [31_536_000_000, "y"],
    [2_592_000_000, "mo"],
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) if (abs > size) return `${Math.floor(abs / size)}${unit}`;
  return "0s";
}

function dateModify(modification: string, time: GoTime): GoTime {
  return new GoTime(time.epochMs + parseGoDuration(modification));
}

/** Sprig's date and random functions over an injected clock and random source. */
export function clockFunctions(now: Date, random: () => number, guard: OutputGuard): Record<string, GoFunc> {
  const current = new GoTime(now.getTime());
  const pick = (charset: string, count: bigint): string => {
    if (count < 0n) throw new GoTemplateError("goutils: count must be a non-negative integer");
    guard.reserve("random string", Number(count));
    let out = "";
    for (let i = 0n; i < count; i++) out += charset[Math.floor(random() * charset.length)] ?? "";
    return out;
  };
  const format = (layout: string, time: unknown): string => formatGoLayout(layout, timeOf(time, current));
  const toDate = (layout: string, text: string): GoTime => parseGoLayout(layout, text);
  return {
    now: fn([], () => current),
    date: fn(["string", "any"], format),
    dateInZone: fn(["string", "any", "string"], (layout, time) => format(layout, time)),
    date_in_zone: fn(["string", "any", "string"], (layout, time) => format(layout, time)),
    htmlDate: fn(["any"], (time) => format("2006-01-02", time)),
    htmlDateInZone: fn(["any", "string"], (time) => format("2006-01-02", time)),
    toDate: fn(["string", "string"], (layout, text) => {
      try {
        return toDate(layout, text);
      } catch {
        return new GoTime(ZERO_TIME);
      }
    }),
    mustToDate: fn(["string", "string"], toDate),
    unixEpoch: fn(["time"], (time) => String(Math.floor(time.epochMs / 1000))),
    ago: fn(["any"], (time) =>
      formatGoDuration(Math.round((now.getTime() - timeOf(time, current).epochMs) / 1000) * 1000),
    ),
    duration: fn(["any"], (seconds) => formatGoDuration(durationOfSeconds(seconds))),
    durationRound: fn(["any"], (value) => durationRound(value, current)),
    dateModify: fn(["string", "time"], (modification, time) => {
      try {
        return dateModify(modification, time);
      } catch {
        return time;
      }
    }),
    date_modify: fn(["string", "time"], (modification, time) => {
      try {
        return dateModify(modification, time);
      } catch {
        return time;
      }
    }),
    mustDateModify: fn(["string", "time"], dateModify),
    must_date_modify: fn(["string", "time"], dateModify),
    randAlphaNum: fn(["int"], (count) => pick(ALPHA + NUMERIC, count)),
    randAlpha: fn(["int"], (count) => pick(ALPHA, count)),
    randNumeric: fn(["int"], (count) => pick(NUMERIC, count)),
    randAscii: fn(["int"], (count) => pick(ASCII, count)),
    randInt: fn(["int", "int"], (min, max) => {
      const span = max - min;
      if (span <= 0n) throw new GoTemplateError("invalid argument to Intn");
      return min + BigInt(Math.floor(random() * Number(span)));
    }),
    randBytes: fn(["int"], (count) => {
      guard.reserve("randBytes", Number(count) * 2);
      const bytes = Buffer.alloc(Math.max(0, Number(count)));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return bytes.toString("base64");
    }),
    uuidv4: fn([], () => {
      const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }),
    shuffle: fn(["string"], (text) => {
      const chars = [...text];
      for (let i = chars.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
      }
      return chars.join("");
    }),
  };
}

/** The names {@link clockFunctions} defines (for the parser, which needs every name up front). */
export const CLOCK_FUNCTION_NAMES: readonly string[] = Object.keys(
  clockFunctions(new Date(0), () => 0, { reserve: () => undefined, reserveList: () => undefined }),
);
