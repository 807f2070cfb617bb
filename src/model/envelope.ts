import { isJsonObject, type JsonObject } from "../util/index.js";
import type { KubeObject } from "./kube-object.js";

/** An object as a person writes it: identity, the chosen labels and annotations, and `spec`. */
export interface ObjectEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: JsonObject;
}

/** Which labels and annotations an {@link ObjectEnvelope} keeps (all, where a test is left out). */
export interface EnvelopeFilter {
  readonly keepLabel?: (key: string) => boolean;
  readonly keepAnnotation?: (key: string) => boolean;
}

function kept(entries: Record<string, string> | undefined, keep: ((key: string) => boolean) | undefined) {
  const map = Object.fromEntries(Object.entries(entries ?? {}).filter(([key]) => keep === undefined || keep(key)));
  return Object.keys(map).length === 0 ? undefined : map;
}

/**
 * The envelope of `object` (an Application, as a revision records it or the deploy editor shows it):
 * no status and no server fields; labels and annotations filtered, left out when none is kept.
 */
export function objectEnvelope(object: KubeObject, filter: EnvelopeFilter = {}): ObjectEnvelope {
  const labels = kept(object.metadata.labels, filter.keepLabel);
  const annotations = kept(object.metadata.annotations, filter.keepAnnotation);
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: object.metadata.name ?? "",
      namespace: object.metadata.namespace ?? "default",
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: isJsonObject(object.spec) ? object.spec : {},
  };
}
