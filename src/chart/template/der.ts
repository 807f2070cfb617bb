import { GoTemplateError } from "../errors.js";
/**
 * The few DER (ASN.1) pieces X.509 certificates need: writing TLVs (integers, OIDs, strings, times,
 * sequences) and reading a certificate's subject and key identifier back. Node's `crypto` signs and
 * exports keys but does not build certificates, and template functions must stay synchronous.
 */

/** One encoded element. */
export type Der = Buffer;

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A tag-length-value element. */
export function tlv(tag: number, ...content: readonly Buffer[]): Der {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const sequence = (...items: readonly Der[]): Der => tlv(0x30, ...items);
export const set = (...items: readonly Der[]): Der => tlv(0x31, ...items);
export const octetString = (bytes: Buffer): Der => tlv(0x04, bytes);
export const nullValue = (): Der => Buffer.from([0x05, 0x00]);
export const boolean = (value: boolean): Der => Buffer.from([0x01, 0x01, value ? 0xff : 0x00]);
/** A context-specific tag `[n]`, constructed (explicit) or primitive (implicit). */
export const context = (n: number, constructed: boolean, ...content: readonly Buffer[]): Der =>
  tlv((constructed ? 0xa0 : 0x80) | n, ...content);

/** A non-negative INTEGER from its big-endian magnitude. */
export function unsignedInteger(bytes: Buffer): Der {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Der {
  return unsignedInteger(Buffer.from([value]));
}

export function bitString(bytes: Buffer, unusedBits = 0): Der {
  return tlv(0x03, Buffer.from([unusedBits]), bytes);
}

export function oid(dotted: string): Der {
  const parts = dotted.split(".").map(Number);
  const bytes = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** PrintableString when the text allows it, else UTF8String (as Go's asn1 chooses). */
export function directoryString(text: string): Der {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text);
  return tlv(printable ? 0x13 : 0x0c, Buffer.from(text, "utf8"));
}

export function ia5String(text: string): Der {
  return tlv(0x16, Buffer.from(text, "ascii"));
}

/** UTCTime before 2050, GeneralizedTime after (RFC 5280). */
export function time(date: Date): Der {
  const iso = date.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  return year < 2050 && year >= 1950 ? tlv(0x17, Buffer.from(digits.slice(2))) : tlv(0x18, Buffer.from(digits));
}

/** One element read back: its tag, where its content is, and where it ends. */
interface Element {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export function readElement(bytes: Buffer, at: number): Element {
  const tag = bytes[at] ?? 0;
  let length = bytes[at + 1] ?? 0;
  let contentStart = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[at + 2 + i] ?? 0);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw new GoTemplateError("x509: malformed certificate");
  return { tag, start: at, contentStart, end };
}

/** The children of a constructed element. */
export function children(bytes: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readElement(bytes, at);
    out.push(child);
    at = child.end;
  }
  return out;
}
