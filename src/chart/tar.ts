/**
 * A small synchronous reader for (gzipped) tar archives, enough for Helm chart packages: ustar,
 * GNU long names and PAX path records. It only reads: nothing is ever written to disk.
 */
import { gunzipSync } from "node:zlib";

/** A regular file from an archive. */
export interface TarEntry {
  readonly path: string;
  readonly data: Uint8Array;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return Buffer.from(block.subarray(offset, end)).toString("utf8");
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Buffer.from(data).toString("utf8");
  let pos = 0;
  while (pos < text.length) {
    const space = text.indexOf(" ", pos);
    if (space < 0) break;
    const length = Number(text.slice(pos, space));
    if (!Number.isFinite(length) || length <= 0) break;
    const record = text.slice(space + 1, pos + length - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

/** Reads the regular files of a tar stream (directories, links and devices are skipped). */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = readOctal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const magic = readString(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? readString(header, 345, 155) : "";
    const name = readString(header, 0, 100);
    const dataStart = offset + 512;
    if (dataStart + size > bytes.length) throw new Error(`truncated archive: entry "${name}" needs ${size} bytes`);
    const data = bytes.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      paxPath = parsePax(data)["path"];
      continue;
    }
    if (type === "g") continue;
    const path = paxPath ?? longName ?? (prefix === "" ? name : `${prefix}/${name}`);
    longName = undefined;
    paxPath = undefined;
    if (type === "0" || type === "\0" || type === "7") entries.push({ path, data: Uint8Array.from(data) });
  }
  return entries;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a `.tgz` (or a plain `.tar`). */
export function readTarGz(bytes: Uint8Array): TarEntry[] {
  return readTar(isGzip(bytes) ? gunzipSync(bytes) : bytes);
}
