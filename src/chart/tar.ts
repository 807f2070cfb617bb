/**
 * A small synchronous reader for (gzipped) tar archives, enough for Helm chart packages: ustar,
 * GNU long names and PAX path records. It only reads: nothing is ever written to disk.
 */
import { gunzipSync } from "node:zlib";

/** Helm's cap on an unpacked chart (`loader.MaxDecompressedChartSize`). */
export const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;
/** The most files an archive may hold (Helm stops a chart at its size; counting files stops tiny-entry floods). */
export const MAX_ARCHIVE_FILES = 10_000;
/** Helm's cap on one file inside a chart (`loader.MaxDecompressedFileSize`, 5 MiB). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** An archive bigger than the caps (a gzip bomb, or not a chart). */
export class TarLimitError extends Error {}

/** The archive ends inside an entry (the caller reports it as E_CHART_LOAD with the file name). */
export class TarFormatError extends Error {}

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
  let headers = 0;
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = readOctal(header, 124, 12);
    if (++headers > MAX_ARCHIVE_FILES * 2)
      throw new TarLimitError(`archive holds more than ${MAX_ARCHIVE_FILES} files`);
    if (size > MAX_FILE_BYTES && String.fromCharCode(header[156] ?? 0) !== "x")
      throw new TarLimitError(
        `archive entry "${readString(header, 0, 100)}" is ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit per file`,
      );
    const type = String.fromCharCode(header[156] ?? 0);
    const magic = readString(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? readString(header, 345, 155) : "";
    const name = readString(header, 0, 100);
    const dataStart = offset + 512;
    if (dataStart + size > bytes.length)
      throw new TarFormatError(`truncated archive: entry "${name}" needs ${size} bytes`);
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
    if (type === "0" || type === "\0" || type === "7") {
      if (entries.length >= MAX_ARCHIVE_FILES)
        throw new TarLimitError(`archive holds more than ${MAX_ARCHIVE_FILES} files`);
      entries.push({ path, data: Uint8Array.from(data) });
    }
  }
  return entries;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a `.tgz` (or a plain `.tar`); refuses to unpack more than {@link MAX_UNPACKED_BYTES}. */
export function readTarGz(bytes: Uint8Array): TarEntry[] {
  if (!isGzip(bytes)) {
    if (bytes.length > MAX_UNPACKED_BYTES) throw new TarLimitError(`archive is over ${MAX_UNPACKED_BYTES} bytes`);
    return readTar(bytes);
  }
  let unpacked: Uint8Array;
  try {
    unpacked = gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw new TarLimitError(`chart archive unpacks to more than ${MAX_UNPACKED_BYTES} bytes (100 MiB, Helm's limit)`);
    throw error;
  }
  return readTar(unpacked);
}
