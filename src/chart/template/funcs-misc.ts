/**
 * Sprig's encoding, hashing, path, URL, network and semver functions (`crypto.go` hashes,
 * `encoding.go`, `paths.go`, `url.go`, `network.go`, `semver.go`) with Go's semantics.
 */
import { GoTemplateError } from "../errors.js";
import { createHash } from "node:crypto";
import { fn, type GoFunc } from "./go-func.js";
import { semverSatisfies, semverStruct } from "./semver.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
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
  if (text.length % 8 !== 0) return `illegal base32 data at input byte ${text.length - (text.length % 8)}`;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  const body = text.replace(/=+$/, "");
  for (let i = 0; i < body.length; i++) {
    const index = BASE32.indexOf(body[i] ?? "");
    if (index < 0) return `illegal base32 data at input byte ${i}`;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString("utf8");
}

function base64Decode(text: string): string {
  const bad = /[^A-Za-z0-9+/=]/.exec(text);
  if (bad !== null) return `illegal base64 data at input byte ${bad.index}`;
  if (text.length % 4 !== 0) return `illegal base64 data at input byte ${text.length - (text.length % 4)}`;
  const padding = text.indexOf("=");
  if (padding >= 0 && padding < text.length - 2) return `illegal base64 data at input byte ${padding}`;
  return Buffer.from(text, "base64").toString("utf8");
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

/** Go's `path.Clean`. */
export function cleanPath(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

function basePath(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function dirPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return cleanPath(path.slice(0, slash + 1));
}

function extPath(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== "/"; i--) if (path[i] === ".") return path.slice(i);
  return "";
}

interface GoUrl {
  scheme: string;
  opaque: string;
  userinfo: string;
  host: string;
  path: string;
  rawQuery: string;
  fragment: string;
}

/** Go's `url.Parse` (the parts sprig exposes). */
function parseUrl(text: string): GoUrl {
  const url: GoUrl = { scheme: "", opaque: "", userinfo: "", host: "", path: "", rawQuery: "", fragment: "" };
  let rest = text;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    url.fragment = decodeURIComponentSafe(rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (scheme !== null) {
    url.scheme = (scheme[1] ?? "").toLowerCase();
    rest = rest.slice(scheme[0].length);
  } else if (/^[^/?]*:/.test(rest) && !rest.startsWith("/")) {
    throw new GoTemplateError(`parse ${JSON.stringify(text)}: missing protocol scheme`);
  }
  const question = rest.indexOf("?");
  if (question >= 0) {
    url.rawQuery = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (url.scheme !== "" && !rest.startsWith("/")) {
    url.opaque = rest;
    return url;
  }
  if (rest.startsWith("//")) {
    const end = rest.indexOf("/", 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? "" : rest.slice(end);
    const at = authority.lastIndexOf("@");
    if (at >= 0) {
      url.userinfo = authority.slice(0, at);
      url.host = authority.slice(at + 1);
    } else url.host = authority;
  }
  url.path = decodeURIComponentSafe(rest);
  return url;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function hostname(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.lastIndexOf(":");
  return colon >= 0 ? host.slice(0, colon) : host;
}

function escapePath(path: string): string {
  return path.replace(/[^A-Za-z0-9\-_.~/!$&'()*+,;=:@]/g, (ch) =>
    [...Buffer.from(ch, "utf8")].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
}

/** Go's `URL.String()`. */
function formatUrl(url: GoUrl): string {
  let out = "";
  if (url.scheme !== "") out += `${url.scheme}:`;
  if (url.opaque !== "") out += url.opaque;
  else {
    if (url.scheme !== "" || url.host !== "" || url.userinfo !== "") {
      if (url.host !== "" || url.path !== "" || url.userinfo !== "") out += "//";
      if (url.userinfo !== "") out += `${url.userinfo}@`;
      out += url.host;
    }
    if (url.path !== "" && !url.path.startsWith("/") && url.host !== "") out += "/";
    out += escapePath(url.path);
  }
  if (url.rawQuery !== "") out += `?${url.rawQuery}`;
  if (url.fragment !== "") out += `#${escapePath(url.fragment)}`;
  return out;
}

function stringField(map: Record<string, unknown> | null, key: string): string {
  const value = map?.[key];
  return typeof value === "string" ? value : "";
}

/** Sprig's encoding, hashing, path, URL, network and semver functions. */
export const MISC_FUNCTIONS: Readonly<Record<string, GoFunc>> = {
  hello: fn([], () => "Hello!"),
  b64enc: fn(["string"], (text) => Buffer.from(text, "utf8").toString("base64")),
  b64dec: fn(["string"], (text) => base64Decode(text)),
  b32enc: fn(["string"], (text) => base32Encode(Buffer.from(text, "utf8"))),
  b32dec: fn(["string"], (text) => base32Decode(text)),
  sha1sum: fn(["string"], (text) => createHash("sha1").update(text).digest("hex")),
  sha256sum: fn(["string"], (text) => createHash("sha256").update(text).digest("hex")),
  sha512sum: fn(["string"], (text) => createHash("sha512").update(text).digest("hex")),
  adler32sum: fn(["string"], (text) => String(adler32(text))),
  base: fn(["string"], basePath),
  dir: fn(["string"], dirPath),
  clean: fn(["string"], cleanPath),
  ext: fn(["string"], extPath),
  isAbs: fn(["string"], (path) => path.startsWith("/")),
  osBase: fn(["string"], basePath),
  osDir: fn(["string"], dirPath),
  osClean: fn(["string"], cleanPath),
  osExt: fn(["string"], extPath),
  osIsAbs: fn(["string"], (path) => path.startsWith("/")),
  urlParse: fn(["string"], (text) => {
    let url: GoUrl;
    try {
      url = parseUrl(text);
    } catch (error) {
      throw new GoTemplateError(`unable to parse url: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    return {
      scheme: url.scheme,
      host: url.host,
      hostname: hostname(url.host),
      path: url.path,
      query: url.rawQuery,
      opaque: url.opaque,
      fragment: url.fragment,
      userinfo: url.userinfo,
    };
  }),
  urlJoin: fn(["map"], (parts) =>
    formatUrl({
      scheme: stringField(parts, "scheme"),
      host: stringField(parts, "host"),
      path: stringField(parts, "path"),
      rawQuery: stringField(parts, "query"),
      opaque: stringField(parts, "opaque"),
      fragment: stringField(parts, "fragment"),
      userinfo: stringField(parts, "userinfo"),
    }),
  ),
  // Helm without --enable-dns (the default, and always here: rendering is offline) answers "".
  getHostByName: fn(["string"], () => ""),
  semver: fn(["string"], (version) => semverStruct(version)),
  semverCompare: fn(["string", "string"], (constraint, version) => semverSatisfies(constraint, version)),
};
