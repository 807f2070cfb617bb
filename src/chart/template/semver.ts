/** Masterminds/semver as sprig and Helm use it (constraints, partial versions), over node-semver. */
import { GoTemplateError } from "../errors.js";
import semver from "semver";
import { GoStruct } from "./go-value.js";
import { fn } from "./go-func.js";

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
  if (parsed === null) throw new GoTemplateError("Invalid Semantic Version");
  return parsed;
}

/** Sprig's `semverCompare`: does `version` satisfy the Masterminds `constraint`? */
export function semverSatisfies(constraint: string, version: string): boolean {
  const { range, includePrerelease } = toSemverRange(constraint);
  if (semver.validRange(range, { includePrerelease }) === null)
    throw new GoTemplateError(`improper constraint: ${constraint}`);
  const parsed = parseSemver(version);
  return semver.satisfies(parsed, range, { includePrerelease });
}

/** Sprig's `semver`: a `*semver.Version` with Major/Minor/Patch/Prerelease/Metadata/Original/String/Compare methods. */
export function semverStruct(text: string): GoStruct {
  let version: semver.SemVer;
  try {
    version = parseSemver(text);
  } catch {
    throw new GoTemplateError("Invalid Semantic Version");
  }
  const prerelease = version.prerelease.join(".");
  const metadata = version.build.join(".");
  const struct: GoStruct = new GoStruct(
    "*semver.Version",
    {},
    {
      Major: fn([], () => BigInt(version.major)),
      Minor: fn([], () => BigInt(version.minor)),
      Patch: fn([], () => BigInt(version.patch)),
      Prerelease: fn([], () => prerelease),
      Metadata: fn([], () => metadata),
      Original: fn([], () => text),
      String: fn([], () => version.format()),
      Compare: fn(["any"], (other) => {
        const theirs = other instanceof GoStruct && other.stringer !== undefined ? other.stringer() : String(other);
        return BigInt(semver.compare(version, parseSemver(theirs)));
      }),
    },
    () => version.format() + (metadata === "" ? "" : `+${metadata}`),
  );
  return struct;
}
