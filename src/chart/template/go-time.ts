/** Go's `time` formatting and parsing with layouts (`2006-01-02T15:04:05Z07:00`) and durations, in UTC. */
import { GoTemplateError } from "../errors.js";
import { GoTime } from "./go-value.js";

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
    throw new GoTemplateError(`parsing time ${JSON.stringify(text)} as ${JSON.stringify(layout)}: cannot parse`);
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

/** Go's `time.ParseDuration`, in milliseconds (throws on bad input). */
export function parseGoDuration(text: string): number {
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
  if (!matched) throw new GoTemplateError(`time: invalid duration ${JSON.stringify(text)}`);
  return total;
}
