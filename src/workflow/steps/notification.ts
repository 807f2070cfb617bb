import { isJsonObject } from "../../util/index.js";
import type { JsonObject, JsonValue } from "../../util/index.js";
import type { StepContext, StepOutcome, StepRunner } from "../types.js";
import { invalidParameter } from "./parameters.js";

/** One message to send: where, and the JSON body. */
interface Delivery {
  readonly channel: string;
  readonly url: JsonValue | undefined;
  readonly body: JsonValue;
}

function bodyOf(message: JsonValue | undefined): JsonValue {
  if (typeof message === "string") return { text: message };
  return message ?? {};
}

/** The deliveries a notification asks for, in a fixed channel order. */
function deliveriesOf(parameter: JsonObject): Delivery[] | string {
  const deliveries: Delivery[] = [];
  for (const channel of ["webhook", "slack", "dingding", "lark"] as const) {
    const target = parameter[channel];
    if (target === undefined || target === null) continue;
    if (!isJsonObject(target)) return `parameter "${channel}" must be an object with url and message`;
    deliveries.push({ channel, url: target["url"], body: bodyOf(target["message"]) });
  }
  if (parameter["url"] !== undefined && parameter["url"] !== null)
    deliveries.push({ channel: "webhook", url: parameter["url"], body: bodyOf(parameter["message"]) });
  if (parameter["email"] !== undefined && parameter["email"] !== null)
    return "email notifications are not supported; use webhook, slack, dingding or lark";
  if (deliveries.length === 0) return "nothing to notify: set webhook, slack, dingding, lark or url";
  return deliveries;
}

/** `url: "…"`, `url: {value: "…"}` or `url: {secretRef: {name, key}}` (a Secret in the app's namespace). */
async function resolveUrl(
  url: JsonValue | undefined,
  ctx: StepContext,
  channel: string,
): Promise<string | StepOutcome> {
  if (typeof url === "string" && url !== "") return url;
  if (isJsonObject(url) && typeof url["value"] === "string") return url["value"];
  const ref = isJsonObject(url) ? url["secretRef"] : undefined;
  if (isJsonObject(ref) && typeof ref["name"] === "string" && typeof ref["key"] === "string") {
    const secret = await ctx.cluster.get({
      apiVersion: "v1",
      kind: "Secret",
      name: ref["name"],
      namespace: ctx.context.namespace,
    });
    const data = secret?.["data"];
    const encoded = isJsonObject(data) ? data[ref["key"]] : undefined;
    if (typeof encoded !== "string") {
      return {
        kind: "failed",
        retryable: true,
        message: `${channel} url: key "${ref["key"]}" of Secret ${ctx.context.namespace}/${ref["name"]} not found`,
      };
    }
    return Buffer.from(encoded, "base64").toString("utf8");
  }
  return invalidParameter(`parameter "${channel}.url" must be a string, {value} or {secretRef: {name, key}}`);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an invalid url";
  }
}

/**
 * `notification`: POSTs each configured message as JSON through the reconciler's HTTP hook.
 * Properties follow KubeVela: `slack: {url: {value}, message: {text}}`, likewise `dingding`,
 * `lark`, plus `webhook: {url, message}` and a plain `{url, message}`; a string message is sent as
 * `{"text": message}`. A non-2xx answer or a network error is retried with backoff. Messages name
 * only the host, never the URL (webhook URLs carry secrets). Delivery is at least once: after a
 * crash the message may be sent again.
 */
export const notificationRunner: StepRunner = {
  type: "notification",
  async run(_step, ctx) {
    const deliveries = deliveriesOf(ctx.parameter);
    if (typeof deliveries === "string") return invalidParameter(deliveries);
    for (const delivery of deliveries) {
      const url = await resolveUrl(delivery.url, ctx, delivery.channel);
      if (typeof url !== "string") return url;
      const response = await ctx.http({
        url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(delivery.body),
      });
      if (response.status < 200 || response.status > 299) {
        return {
          kind: "failed",
          retryable: true,
          message: `${delivery.channel} notification to ${hostOf(url)} failed: HTTP ${response.status}`,
        };
      }
    }
    return { kind: "succeeded" };
  },
};
