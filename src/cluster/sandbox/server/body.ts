import type { IncomingMessage } from "node:http";
import { parseYamlValue } from "../../../model/parse-yaml.js";
import { ClusterError } from "../../../errors/index.js";
import type { JsonValue } from "../../../util/index.js";

/** The largest request body served, as the Kubernetes API server's `MaxRequestBodyBytes` (3 MB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

function tooLarge(): ClusterError {
  return new ClusterError("E_BODY_TOO_LARGE", `the request body is larger than ${MAX_BODY_BYTES} bytes`, {
    hint: "Kubernetes objects are limited to a few megabytes: split the object",
  });
}

/**
 * Reads a request body as text, at most {@link MAX_BODY_BYTES}: a larger `Content-Length` is
 * refused before anything is read, a longer chunked body as soon as it passes the cap (413).
 */
export async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The media type of a Content-Type header without parameters, lowercased. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "application/json").split(";")[0]?.trim().toLowerCase() ?? "application/json";
}

/** Parses a body as JSON, or as YAML for `application/apply-patch+yaml` and `application/yaml`. */
export function parseBody(text: string, mediaType: string): JsonValue {
  try {
    if (mediaType.endsWith("yaml")) return parseYamlValue(text, "the request body");
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new ClusterError(
      "E_BODY_INVALID",
      `cannot parse the request body as ${mediaType.endsWith("yaml") ? "YAML" : "JSON"}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
