/** The in-memory form of a Helm chart, as Helm's `chart.Chart` holds it. */

/** One entry of `dependencies` in Chart.yaml (v2). */
export interface ChartDependency {
  readonly name: string;
  readonly version?: string;
  readonly repository?: string;
  /** Comma-separated value paths; the first one that is a boolean decides whether the subchart is on. */
  readonly condition?: string;
  readonly tags?: readonly string[];
  readonly enabled?: boolean;
  readonly alias?: string;
  /** `import-values`: names under the child's `exports`, or `{ child, parent }` table paths. */
  readonly importValues?: readonly (string | { readonly child: string; readonly parent: string })[];
}

export interface ChartMaintainer {
  readonly name: string;
  readonly email?: string;
  readonly url?: string;
}

/** Chart.yaml: the fields Helm knows (templates see them capitalised as `.Chart.Name` etc.). */
export interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  readonly description?: string;
  /** `application` (default) or `library`. */
  readonly type?: string;
  readonly kubeVersion?: string;
  readonly home?: string;
  readonly icon?: string;
  readonly keywords?: readonly string[];
  readonly sources?: readonly string[];
  readonly maintainers?: readonly ChartMaintainer[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deprecated?: boolean;
  readonly condition?: string;
  readonly tags?: string;
  readonly dependencies?: readonly ChartDependency[];
}

/** A file of a chart, by its path relative to the chart root (`templates/deployment.yaml`). */
export interface ChartFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** A chart loaded from a directory or a `.tgz`, with its subcharts from `charts/`. */
export interface LoadedChart {
  readonly metadata: ChartMetadata;
  /** Where it was loaded from (a directory, an archive path or URL), for messages. */
  readonly origin: string;
  /** Everything under `templates/`. */
  readonly templates: readonly ChartFile[];
  /** `values.yaml`, parsed (empty when absent). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The other files (what templates reach through `.Files`; `crds/` files among them). */
  readonly files: readonly ChartFile[];
  /** `values.schema.json`, parsed, when the chart has one. */
  readonly schema?: unknown;
  /** Charts under `charts/` (directories or archives). */
  readonly subcharts: readonly LoadedChart[];
}
