/**
 * Sprig's numeric, encoding, hashing, semver, date and random functions. Dates and randomness come
 * from the render options (a fixed clock and a seeded generator) so output is deterministic.
 */
import { createHash } from "node:crypto";
import semver from "semver";
import { GoStruct, GoTime, isNil, toFloat64, toGoString, toInt64, toIntNumber, type TemplateFunc } from "./go-value.js";

/** Masterminds/semver constraint text → a node-semver range (partial versions with a prerelease are padded). */
export function toSemverRange(constraint: string): { readonly range: string; readonly includePrerelease: boolean } {
  const includePrerelease = /\d-[0-9A-Za-z]/.test(constraint);
  const range = constraint
    .split("||")
    .map((alternative) =>
      alternative
        .replace(/,/g, " ")
        .replace(/~>/g, "~")
        .replace(
          /(^|[\s<>=~^])v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?/g,
          (
            match,
            before: string,
            major: string,
            minor: string | undefined,
            patch: string | undefined,
            pre: string | undefined,
          ) => {
            if (pre === undefined) return match.replace(/v(?=\d)/, "");
            return `${before}${major}.${minor ?? "0"}.${patch ?? "0"}${pre}`;
          },
        )
        .replace(/([<>=~^]+)\s+/g, "$1")
        .trim(),
    )
    .join(" || ");
  return { range, includePrerelease };
}

/** Masterminds `NewVersion`: accepts a `v` prefix and partial versions (`1.2` → `1.2.0`). */
export function parseSemver(text: string): semver.SemVer {
  const trimmed = text.trim().replace(/^v/, "");
  const full = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(trimmed);
  const padded = full === null ? trimmed : `${full[1]}.${full[2] ?? "0"}.${full[3] ?? "0"}${full[4] ?? ""}`;
  const parsed = semver.parse(padded, { loose: true });
  if (parsed === null) throw new Error("Invalid Semantic Version");
  return parsed;
}

/** Sprig's `semverCompare`: does `version` satisfy the Masterminds `constraint`? */
export function semverSatisfies(constraint: string, version: string): boolean {
  const { range, includePrerelease } = toSemverRange(constraint);
  if (semver.validRange(range, { includePrerelease }) === null) throw new Error(`improper constraint: ${constraint}`);
  const parsed = parseSemver(version);
  return semver.satisfies(parsed, range, { includePrerelease });
}

function semverStruct(text: string): GoStruct {
  const version = parseSemver(text);
  const prerelease = version.prerelease.join(".");
  const metadata = version.build.join(".");
  return new GoStruct(
    "*semver.Version",
    {},
    {
      Major: () => BigInt(version.major),
      Minor: () => BigInt(version.minor),
      Patch: () => BigInt(version.patch),
      Prerelease: () => prerelease,
      Metadata: () => metadata,
      Original: () => text,
      String: () => version.format(),
      Compare: (other) =>
        BigInt(
          semver.compare(version, parseSemver(toGoString(other instanceof GoStruct ? other.stringer?.() : other))),
        ),
    },
    () => version.format(),
  );
}

function adler32(text: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(text, "utf8")) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += "=";
  return out;
}

function base32Decode(text: string): string {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, "")) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error(`illegal base32 data at input byte ${out.length}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString("utf8");
}

function base64Decode(text: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return "illegal base64 data at input byte 0";
  return Buffer.from(text, "base64").toString("utf8");
}

function intArgs(values: readonly unknown[]): bigint[] {
  return values.map(toInt64);
}

function round(value: number, precision: number, roundOn: number): number {
  const pow = 10 ** precision;
  const digit = value * pow;
  const integer = Math.trunc(digit);
  const fraction = Math.abs(digit - integer);
  const rounded = fraction >= roundOn ? integer + Math.sign(digit) : integer;
  return rounded / pow;
}

/** Sprig's numeric, encoding, hashing and semver functions (no clock, no randomness). */
export const SPRIG_MISC: Readonly<Record<string, TemplateFunc>> = {
  add: (...values) => intArgs(values).reduce((sum, v) => sum + v, 0n),
  add1: (value) => toInt64(value) + 1n,
  sub: (a, b) => toInt64(a) - toInt64(b),
  mul: (...values) => intArgs(values).reduce((product, v) => product * v, 1n),
  div: (a, b) => {
    const divisor = toInt64(b);
    if (divisor === 0n) throw new Error("runtime error: integer divide by zero");
    return toInt64(a) / divisor;
  },
  mod: (a, b) => {
    const divisor = toInt64(b);
    if (divisor === 0n) throw new Error("runtime error: integer divide by zero");
    return toInt64(a) % divisor;
  },
  max: (...values) => intArgs(values).reduce((m, v) => (v > m ? v : m)),
  biggest: (...values) => intArgs(values).reduce((m, v) => (v > m ? v : m)),
  min: (...values) => intArgs(values).reduce((m, v) => (v < m ? v : m)),
  addf: (...values) => values.map(toFloat64).reduce((sum, v) => sum + v, 0),
  add1f: (value) => toFloat64(value) + 1,
  subf: (first, ...rest) => rest.map(toFloat64).reduce((acc, v) => acc - v, toFloat64(first)),
  mulf: (...values) => values.map(toFloat64).reduce((product, v) => product * v, 1),
  divf: (first, ...rest) => rest.map(toFloat64).reduce((acc, v) => acc / v, toFloat64(first)),
  maxf: (...values) => Math.max(...values.map(toFloat64)),
  minf: (...values) => Math.min(...values.map(toFloat64)),
  floor: (value) => Math.floor(toFloat64(value)),
  ceil: (value) => Math.ceil(toFloat64(value)),
  round: (value, precision, roundOn) =>
    round(toFloat64(value), toIntNumber(precision), isNil(roundOn) ? 0.5 : toFloat64(roundOn)),
  int: (value) => toInt64(value),
  int64: (value) => toInt64(value),
  float64: (value) => toFloat64(value),
  atoi: (value) => (/^[+-]?\d+$/.test(toGoString(value).trim()) ? BigInt(toGoString(value).trim()) : 0n),
  toDecimal: (value) => (/^[0-7]+$/.test(toGoString(value)) ? BigInt(`0o${toGoString(value)}`) : 0n),
  b64enc: (value) => Buffer.from(toGoString(value), "utf8").toString("base64"),
  b64dec: (value) => base64Decode(toGoString(value)),
  b32enc: (value) => base32Encode(Buffer.from(toGoString(value), "utf8")),
  b32dec: (value) => {
    try {
      return base32Decode(toGoString(value));
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
  sha1sum: (value) => createHash("sha1").update(toGoString(value)).digest("hex"),
  sha256sum: (value) => createHash("sha256").update(toGoString(value)).digest("hex"),
  sha512sum: (value) => createHash("sha512").update(toGoString(value)).digest("hex"),
  adler32sum: (value) => String(adler32(toGoString(value))),
  semver: (value) => semverStruct(toGoString(value)),
  semverCompare: (constraint, version) => semverSatisfies(toGoString(constraint), toGoString(version)),
};

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const LAYOUT_TOKEN =
  /January|Jan|Monday|Mon|MST|2006|Z07:00|Z0700|-07:00|-0700|-07|002|\.0+|\.9+|01|02|_2|03|04|05|06|15|PM|pm|1|2|3|4|5/g;

/** Formats a time with a Go layout (`2006-01-02T15:04:05Z07:00`), in UTC. */
export function formatGoLayout(layout: string, time: GoTime): string {
  const d = time.date;
  const two = (n: number): string => String(n).padStart(2, "0");
  const hour12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  return layout.replace(LAYOUT_TOKEN, (token) => {
    switch (token) {
      case "January":
        return MONTHS[d.getUTCMonth()] ?? "";
      case "Jan":
        return (MONTHS[d.getUTCMonth()] ?? "").slice(0, 3);
      case "Monday":
        return DAYS[d.getUTCDay()] ?? "";
      case "Mon":
        return (DAYS[d.getUTCDay()] ?? "").slice(0, 3);
      case "MST":
        return "UTC";
      case "2006":
        return String(d.getUTCFullYear());
      case "06":
        return two(d.getUTCFullYear() % 100);
      case "01":
        return two(d.getUTCMonth() + 1);
      case "1":
        return String(d.getUTCMonth() + 1);
      case "02":
        return two(d.getUTCDate());
      case "2":
        return String(d.getUTCDate());
      case "_2":
        return String(d.getUTCDate()).padStart(2, " ");
      case "002": {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        return String(Math.floor((d.getTime() - start) / 86_400_000) + 1).padStart(3, "0");
      }
      case "15":
        return two(d.getUTCHours());
      case "03":
        return two(hour12);
      case "3":
        return String(hour12);
      case "04":
        return two(d.getUTCMinutes());
      case "4":
        return String(d.getUTCMinutes());
      case "05":
        return two(d.getUTCSeconds());
      case "5":
        return String(d.getUTCSeconds());
      case "PM":
        return d.getUTCHours() >= 12 ? "PM" : "AM";
      case "pm":
        return d.getUTCHours() >= 12 ? "pm" : "am";
      case "Z07:00":
      case "Z0700":
      case "Z07":
        return "Z";
      case "-07:00":
        return "+00:00";
      case "-0700":
        return "+0000";
      case "-07":
        return "+00";
      default: {
        const millis = String(d.getUTCMilliseconds()).padStart(3, "0").padEnd(9, "0");
        if (token.startsWith(".0")) return `.${millis.slice(0, token.length - 1)}`;
        const trimmed = millis.slice(0, token.length - 1).replace(/0+$/, "");
        return trimmed === "" ? "" : `.${trimmed}`;
      }
    }
  });
}

/** Parses text with a Go layout (the common numeric fields), as UTC. */
export function parseGoLayout(layout: string, text: string): GoTime {
  const fields: string[] = [];
  let pattern = "";
  let last = 0;
  for (const match of layout.matchAll(LAYOUT_TOKEN)) {
    pattern += escapeRegExp(layout.slice(last, match.index));
    const token = match[0];
    fields.push(token);
    pattern +=
      token === "Jan" || token === "Mon"
        ? "([A-Za-z]{3})"
        : token === "January" || token === "Monday"
          ? "([A-Za-z]+)"
          : token.startsWith("Z") || token.startsWith("-07")
            ? "(Z|[+-]\\d{2}:?\\d{2})"
            : token === "MST"
              ? "([A-Z]{3,4})"
              : token.startsWith(".")
                ? "(\\.\\d+)?"
                : token === "PM" || token === "pm"
                  ? "(AM|PM|am|pm)"
                  : "\\s?(\\d+)";
    last = match.index + token.length;
  }
  pattern += escapeRegExp(layout.slice(last));
  const match = new RegExp(`^${pattern}$`).exec(text);
  if (match === null)
    throw new Error(`parsing time ${JSON.stringify(text)} as ${JSON.stringify(layout)}: cannot parse`);
  const parts = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, millis: 0, offset: 0, pm: false };
  fields.forEach((token, i) => {
    const value = match[i + 1] ?? "";
    switch (token) {
      case "2006":
        parts.year = Number(value);
        break;
      case "06":
        parts.year = 2000 + Number(value);
        break;
      case "01":
      case "1":
        parts.month = Number(value);
        break;
      case "Jan":
      case "January":
        parts.month = MONTHS.findIndex((m) => m.startsWith(value)) + 1;
        break;
      case "02":
      case "2":
      case "_2":
        parts.day = Number(value);
        break;
      case "15":
      case "03":
      case "3":
        parts.hour = Number(value);
        break;
      case "04":
      case "4":
        parts.minute = Number(value);
        break;
      case "05":
      case "5":
        parts.second = Number(value);
        break;
      case "PM":
      case "pm":
        parts.pm = value.toUpperCase() === "PM";
        break;
      default:
        if (token.startsWith(".") && value !== "") parts.millis = Math.round(Number(`0${value}`) * 1000);
        if ((token.startsWith("Z") || token.startsWith("-07")) && value !== "Z") {
          const sign = value.startsWith("-") ? -1 : 1;
          const digits = value.replace(/[^0-9]/g, "");
          parts.offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0"));
        }
    }
  });
  const hour = parts.pm && parts.hour < 12 ? parts.hour + 12 : parts.hour;
  return new GoTime(
    Date.UTC(parts.year, parts.month - 1, parts.day, hour, parts.minute, parts.second, parts.millis) -
      parts.offset * 60_000,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Go's `time.Duration.String()` for a whole number of milliseconds. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const negative = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${negative ? "-" : ""}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let out = negative ? "-" : "";
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  out += `${String(Number(seconds.toFixed(3)))}s`;
  return out;
}

function toTime(value: unknown): GoTime {
  if (value instanceof GoTime) return value;
  if (typeof value === "bigint" || typeof value === "number") return new GoTime(Number(value) * 1000);
  return new GoTime(0);
}

function parseGoDurationText(text: string): number {
  const re = /(-?\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g;
  let total = 0;
  let matched = false;
  for (const match of text.matchAll(re)) {
    matched = true;
    const n = Number(match[1]);
    const unit = match[2];
    total +=
      unit === "h" ? n * 3_600_000 : unit === "m" ? n * 60_000 : unit === "s" ? n * 1000 : unit === "ms" ? n : n / 1000;
  }
  if (!matched) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  return total;
}

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

const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC = "0123456789";

/** Sprig's date and random functions, over an injected clock and seed. */
export function createClockFunctions(now: Date, random: () => number): Record<string, TemplateFunc> {
  const pick = (charset: string, count: unknown): string => {
    let out = "";
    for (let i = 0; i < toIntNumber(count); i++) out += charset[Math.floor(random() * charset.length)] ?? "";
    return out;
  };
  const ascii = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");
  return {
    now: () => new GoTime(now.getTime()),
    date: (layout, time) => formatGoLayout(toGoString(layout), toTime(time)),
    dateInZone: (layout, time) => formatGoLayout(toGoString(layout), toTime(time)),
    date_in_zone: (layout, time) => formatGoLayout(toGoString(layout), toTime(time)),
    htmlDate: (time) => formatGoLayout("2006-01-02", toTime(time)),
    htmlDateInZone: (time) => formatGoLayout("2006-01-02", toTime(time)),
    toDate: (layout, text) => parseGoLayout(toGoString(layout), toGoString(text)),
    mustToDate: (layout, text) => parseGoLayout(toGoString(layout), toGoString(text)),
    unixEpoch: (time) => String(Math.floor(toTime(time).epochMs / 1000)),
    ago: (time) => formatGoDuration(Math.round((now.getTime() - toTime(time).epochMs) / 1000) * 1000),
    duration: (seconds) => formatGoDuration(Number(toInt64(seconds)) * 1000),
    durationRound: (value) => {
      const ms =
        typeof value === "string"
          ? parseGoDurationText(value)
          : value instanceof GoTime
            ? now.getTime() - value.epochMs
            : Number(toInt64(value)) / 1e6;
      const abs = Math.abs(ms);
      const units: [number, string][] = [
        [31_536_000_000, "y"],
        [2_592_000_000, "mo"],
        [86_400_000, "d"],
        [3_600_000, "h"],
        [60_000, "m"],
        [1000, "s"],
      ];
      for (const [size, unit] of units) if (abs >= size) return `${Math.floor(abs / size)}${unit}`;
      return "0s";
    },
    dateModify: (modification, time) =>
      new GoTime(toTime(time).epochMs + parseGoDurationText(toGoString(modification))),
    mustDateModify: (modification, time) =>
      new GoTime(toTime(time).epochMs + parseGoDurationText(toGoString(modification))),
    randAlphaNum: (count) => pick(ALPHA + NUMERIC, count),
    randAlpha: (count) => pick(ALPHA, count),
    randNumeric: (count) => pick(NUMERIC, count),
    randAscii: (count) => pick(ascii, count),
    randInt: (min, max) => {
      const low = toInt64(min);
      const span = Number(toInt64(max) - low);
      return low + BigInt(Math.floor(random() * Math.max(span, 0)));
    },
    uuidv4: () => {
      const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    shuffle: (text) => {
      const chars = [...toGoString(text)];
      for (let i = chars.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chars[i], chars[j]] = [chars[j] ?? "", chars[i] ?? ""];
      }
      return chars.join("");
    },
  };
}
