/**
 * Go's `fmt.Sprintf`, `fmt.Sprint` and `fmt.Sprintln` over template values, with Go's verbs, flags,
 * width/precision and its error notation (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA …)`).
 */
import { formatFloat, formatValue, isGoMap, isNil, typeOf } from "./go-value.js";

/** Go's `strconv.Quote`. */
export function quoteGo(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\x07":
        out += "\\a";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\v":
        out += "\\v";
        break;
      default:
        out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : ch;
    }
  }
  return `${out}"`;
}

interface Spec {
  readonly minus: boolean;
  readonly plus: boolean;
  readonly sharp: boolean;
  readonly space: boolean;
  readonly zero: boolean;
  readonly width: number | undefined;
  readonly precision: number | undefined;
  readonly verb: string;
}

function badVerb(verb: string, arg: unknown): string {
  if (isNil(arg)) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeOf(arg)}=${formatValue(arg)})`;
}

function pad(text: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || text.length >= spec.width) return text;
  if (spec.minus) return text.padEnd(spec.width, " ");
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(text) ? (text[0] ?? "") : "";
    return sign + text.slice(sign.length).padStart(spec.width - sign.length, "0");
  }
  return text.padStart(spec.width, " ");
}

function withSign(text: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${text}`;
  if (spec.plus) return `+${text}`;
  if (spec.space) return ` ${text}`;
  return text;
}

function formatInteger(value: bigint, spec: Spec): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let digits: string;
  switch (spec.verb) {
    case "d":
    case "v":
      digits = magnitude.toString(10);
      break;
    case "x":
      digits = (spec.sharp ? "0x" : "") + magnitude.toString(16);
      break;
    case "X":
      digits = (spec.sharp ? "0X" : "") + magnitude.toString(16).toUpperCase();
      break;
    case "o":
      digits = (spec.sharp ? "0" : "") + magnitude.toString(8);
      break;
    case "O":
      digits = `0o${magnitude.toString(8)}`;
      break;
    case "b":
      digits = magnitude.toString(2);
      break;
    case "c":
      return pad(String.fromCodePoint(Number(value)), spec, false);
    case "q":
      return pad(`'${String.fromCodePoint(Number(value))}'`, spec, false);
    case "U":
      return pad(`U+${magnitude.toString(16).toUpperCase().padStart(4, "0")}`, spec, false);
    default:
      return badVerb(spec.verb, value);
  }
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, "0");
  return pad(withSign(digits, negative, spec), spec, spec.precision === undefined);
}

function formatFloatVerb(value: number, spec: Spec): string {
  const negative = value < 0 || Object.is(value, -0);
  const magnitude = Math.abs(value);
  let text: string;
  switch (spec.verb) {
    case "v":
    case "g":
    case "G":
      text = spec.precision === undefined ? formatFloat(magnitude) : formatG(magnitude, spec.precision);
      if (spec.verb === "G") text = text.toUpperCase();
      break;
    case "f":
    case "F":
      text = Number.isFinite(magnitude) ? magnitude.toFixed(spec.precision ?? 6) : formatFloat(magnitude);
      break;
    case "e":
    case "E": {
      const [mantissa = "0", exponent = "0"] = magnitude.toExponential(spec.precision ?? 6).split("e");
      const exp = Number(exponent);
      text = `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
      if (spec.verb === "E") text = text.toUpperCase();
      break;
    }
    default:
      return badVerb(spec.verb, value);
  }
  return pad(withSign(text, negative && !Number.isNaN(value), spec), spec, true);
}

function formatG(value: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  const [mantissa = "0", exponent = "0"] = value.toExponential(p - 1).split("e");
  const exp = Number(exponent);
  if (exp < -4 || exp >= p) {
    const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    return `${trimmed}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const fixed = value.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

function formatString(value: string, spec: Spec): string {
  switch (spec.verb) {
    case "s":
    case "v": {
      const text = spec.precision === undefined ? value : [...value].slice(0, spec.precision).join("");
      return pad(text, spec, false);
    }
    case "q":
      return pad(spec.sharp && !value.includes("`") ? `\`${value}\`` : quoteGo(value), spec, false);
    case "x":
    case "X": {
      const hex = Buffer.from(value, "utf8").toString("hex");
      return pad(spec.verb === "X" ? hex.toUpperCase() : hex, spec, false);
    }
    default:
      return badVerb(spec.verb, value);
  }
}

/** Formats one argument with one verb. */
function formatArg(arg: unknown, spec: Spec): string {
  if (spec.verb === "T") return pad(typeOf(arg), spec, false);
  if (isNil(arg)) return spec.verb === "v" ? pad("<nil>", spec, false) : badVerb(spec.verb, arg);
  switch (typeof arg) {
    case "string":
      return formatString(arg, spec);
    case "bigint":
      return formatInteger(arg, spec);
    case "number":
      return formatFloatVerb(arg, spec);
    case "boolean":
      return spec.verb === "t" || spec.verb === "v" ? pad(String(arg), spec, false) : badVerb(spec.verb, arg);
    default:
      break;
  }
  // fmt prints a []byte as the string it holds under %s, %q, %x and %X (under %v as a list of numbers).
  if (arg instanceof Uint8Array && "sqxX".includes(spec.verb)) return formatString(new TextDecoder().decode(arg), spec);
  if (Array.isArray(arg)) return `[${arg.map((item) => formatArg(item, { ...spec, width: undefined })).join(" ")}]`;
  if (isGoMap(arg)) {
    const keys = Object.keys(arg).sort();
    const inner = { ...spec, width: undefined };
    return `map[${keys.map((key) => `${formatArg(key, inner)}:${formatArg(arg[key], inner)}`).join(" ")}]`;
  }
  if (spec.verb === "v" || spec.verb === "s") return pad(formatValue(arg), spec, false);
  return badVerb(spec.verb, arg);
}

const SPEC = /%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])?/y;

/** Go's `fmt.Sprintf`. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf("%", i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    SPEC.lastIndex = percent;
    const match = SPEC.exec(format);
    if (match === null) {
      out += "%!(NOVERB)";
      break;
    }
    i = SPEC.lastIndex;
    const [, flags = "", widthText, precisionText, verb] = match;
    if (verb === undefined) {
      out += "%!(NOVERB)";
      continue;
    }
    if (verb === "%") {
      out += "%";
      continue;
    }
    const takeNumber = (text: string | undefined): number | undefined => {
      if (text === undefined) return undefined;
      if (text === "*") {
        const value = args[argIndex++];
        return typeof value === "bigint" ? Number(value) : undefined;
      }
      return text === "" ? 0 : Number(text);
    };
    const width = takeNumber(widthText);
    const precision = takeNumber(precisionText);
    const spec: Spec = {
      minus: flags.includes("-"),
      plus: flags.includes("+"),
      sharp: flags.includes("#"),
      space: flags.includes(" "),
      zero: flags.includes("0") && !flags.includes("-"),
      width,
      precision,
      verb,
    };
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argIndex++], spec);
  }
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map((arg) => (isNil(arg) ? "<nil>" : `${typeOf(arg)}=${formatValue(arg)}`));
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}

/** Go's `fmt.Sprint`: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = "";
  args.forEach((arg, index) => {
    const isString = typeof arg === "string";
    if (index > 0 && !isString && typeof args[index - 1] !== "string") out += " ";
    out += formatValue(arg);
  });
  return out;
}

/** Go's `fmt.Sprintln`: spaces between all operands and a trailing newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}
