/**
 * The Cluster interface on a real Kubernetes API server (@kubernetes/client-node): server-side
 * apply, typed errors, watches with resumption, discovery-backed kind lookups and retries. Just over
 * the limit because every Cluster method lives here, each mapping client-node's calls and errors.
 */
import type { IncomingMessage } from "node:http";
import type {
  ApplyOptions,
  Cluster,
  DeleteOptions,
  ListOptions,
  PatchBody,
  WatchEvent,
  WatchOptions,
} from "../cluster.js";
import { ClusterError, VelaError } from "../../errors/index.js";
import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import { KindDiscovery, type KindInfo } from "./discovery.js";
import { errorFromResponse, type RequestSubject } from "./errors.js";
import type { LoadedKubeConfig } from "./kubeconfig.js";
import { KubeTransport, type KubeRequest, type TransportOptions } from "./transport.js";

/** Options of {@link KubeCluster}. */
export interface KubeClusterOptions extends TransportOptions {
  /** Page size of list requests. @default 500 */
  readonly pageSize?: number;
}

interface ObjectList {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: readonly KubeObject[];
}

interface RawWatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: KubeObject & { readonly code?: number; readonly message?: string };
}

function basePath(info: KindInfo): string {
  return info.group === "" ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
}

async function* linesOf(stream: IncomingMessage): AsyncIterable<string> {
  let buffered = "";
  for await (const chunk of stream) {
    buffered += (chunk as Buffer).toString("utf8");
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") yield line;
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered.trim() !== "") yield buffered.trim();
}

function isStreamBreak(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    code === "ECONNABORTED" ||
    (error instanceof Error && error.message === "aborted")
  );
}

/**
 * The {@link Cluster} of a real Kubernetes API server (or `vela-ts sandbox serve`), over REST with
 * the kubeconfig's credentials: server-side apply as field manager `vela-ts`, list with selectors and
 * paging, status subresource, delete with propagation, and watches that resume after disconnects
 * (from the last resourceVersion, bookmarks included) and relist after 410 Gone.
 */
export class KubeCluster implements Cluster {
  readonly kind = "kube" as const;
  /** The context's namespace: where namespaced objects without one go. */
  readonly namespace: string;
  readonly contextName: string;
  readonly server: string;
  private readonly transport: KubeTransport;
  private readonly discovery: KindDiscovery;
  private readonly pageSize: number;

  constructor(loaded: LoadedKubeConfig, options: KubeClusterOptions = {}) {
    this.transport = new KubeTransport(loaded, options);
    this.discovery = new KindDiscovery(this.transport);
    this.namespace = loaded.namespace;
    this.contextName = loaded.contextName;
    this.server = loaded.server;
    this.pageSize = options.pageSize ?? 500;
  }

  /** Closes idle connections (the process can then exit without waiting for keep-alive timeouts). */
  close(): void {
    this.transport.close();
  }

  /** Resolves a kind through discovery; `E_KIND_NOT_INSTALLED` when the cluster does not serve it. */
  resolveKind(apiVersion: string, kind: string): Promise<KindInfo> {
    return this.discovery.resolve(apiVersion, kind);
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const info = await this.resolveKind(ref.apiVersion, ref.kind);
    const namespace = this.namespaceOf(info, ref.namespace);
    const object = await this.transport.requestJson<KubeObject>(
      {
        method: "GET",
        path: this.itemPath(info, namespace, ref.name),
        subject: this.subject("get", info, namespace, ref.name),
      },
      { allowNotFound: true },
    );
    return object === undefined ? undefined : this.typed(object, ref.apiVersion, ref.kind);
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    return (await this.listWithVersion(apiVersion, kind, options)).items;
  }

  async apply(object: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const info = await this.resolveKind(object.apiVersion, object.kind);
    const namespace = this.namespaceOf(info, object.metadata.namespace);
    const name = object.metadata.name ?? "";
    const { managedFields: _managed, ...metadata } = object.metadata;
    const body = { ...object, metadata: { ...metadata, ...(namespace === undefined ? {} : { namespace }) } };
    return this.send(
      {
        method: "PATCH",
        path: this.itemPath(info, namespace, name),
        query: {
          fieldManager: options.fieldManager ?? "vela-ts",
          ...(options.force === true ? { force: "true" } : {}),
        },
        body,
        contentType: "application/apply-patch+yaml",
        subject: this.subject("patch", info, namespace, name),
      },
      object,
    );
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const info = await this.resolveKind(object.apiVersion, object.kind);
    const namespace = this.namespaceOf(info, object.metadata.namespace);
    const body = { ...object, metadata: { ...object.metadata, ...(namespace === undefined ? {} : { namespace }) } };
    return this.send(
      {
        method: "POST",
        path: this.collectionPath(info, namespace),
        body,
        subject: this.subject("create", info, namespace, object.metadata.name ?? object.metadata.generateName),
      },
      object,
    );
  }

  async update(object: KubeObject): Promise<KubeObject> {
    return this.replace(object, undefined);
  }

  async updateStatus(object: KubeObject): Promise<KubeObject> {
    return this.replace(object, "status");
  }

  async patch(ref: ObjectRef, body: PatchBody): Promise<KubeObject> {
    return this.patchAt(ref, body, undefined);
  }

  async patchStatus(ref: ObjectRef, body: PatchBody): Promise<KubeObject> {
    return this.patchAt(ref, body, "status");
  }

  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    const info = await this.resolveKind(ref.apiVersion, ref.kind);
    const namespace = this.namespaceOf(info, ref.namespace);
    const request: KubeRequest = {
      method: "DELETE",
      path: this.itemPath(info, namespace, ref.name),
      body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: options.propagationPolicy ?? "Background" },
      subject: this.subject("delete", info, namespace, ref.name),
    };
    const response = await this.transport.request(request);
    if (response.status === 404) return false;
    if (response.status < 200 || response.status >= 300) throw this.transport.errorOf(response, request);
    return true;
  }

  /** A list and the resourceVersion to watch from after it. */
  async listWithVersion(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): Promise<{ readonly items: KubeObject[]; readonly resourceVersion: string }> {
    const info = await this.resolveKind(apiVersion, kind);
    const namespace = info.namespaced ? options.namespace : undefined;
    const items: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.transport.requestJson<ObjectList>({
        method: "GET",
        path: this.collectionPath(info, namespace),
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: String(this.pageSize),
          continue: token,
        },
        subject: this.subject("list", info, namespace),
      });
      for (const item of page?.items ?? []) items.push(this.typed(item, apiVersion, kind));
      resourceVersion = page?.metadata?.resourceVersion ?? resourceVersion;
      token = page?.metadata?.continue === "" ? undefined : page?.metadata?.continue;
    } while (token !== undefined);
    return { items, resourceVersion };
  }

  async *watch(apiVersion: string, kind: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    const info = await this.resolveKind(apiVersion, kind);
    const namespace = info.namespaced ? options.namespace : undefined;
    const signal = options.signal;
    const aborted = (): boolean => signal?.aborted === true;
    let resourceVersion = options.resourceVersion;
    // What this watch has reported, so a relist or a replay after reconnecting yields only differences.
    const known = new Map<string, KubeObject>();
    while (!aborted()) {
      const connection = new AbortController();
      const abort = (): void => connection.abort();
      signal?.addEventListener("abort", abort, { once: true });
      let expired = false;
      let stream: IncomingMessage | undefined;
      try {
        const request: KubeRequest = {
          method: "GET",
          path: this.collectionPath(info, namespace),
          query: {
            watch: "true",
            allowWatchBookmarks: "true",
            resourceVersion,
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
          },
          subject: this.subject("watch", info, namespace),
        };
        try {
          stream = await this.transport.stream(request, connection.signal);
        } catch (error) {
          if (aborted()) return;
          if (error instanceof VelaError && error.code === "E_WATCH_EXPIRED") expired = true;
          else throw error;
        }
        if (stream !== undefined) {
          for await (const line of linesOf(stream)) {
            let event: RawWatchEvent;
            try {
              event = JSON.parse(line) as RawWatchEvent;
            } catch {
              // A line cut short by a dropped connection: watch again from the last resourceVersion.
              break;
            }
            if (event.type === "BOOKMARK") {
              resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
              continue;
            }
            if (event.type === "ERROR") {
              if (event.object.code === 410) {
                expired = true;
                break;
              }
              throw errorFromResponse(
                event.object.code ?? 500,
                JSON.stringify(event.object),
                request.subject,
                this.transport.identity,
              );
            }
            const object = this.typed(event.object, apiVersion, kind);
            resourceVersion = object.metadata.resourceVersion ?? resourceVersion;
            const key = keyOf(object);
            const previous = known.get(key);
            if (event.type === "DELETED") known.delete(key);
            else if (previous?.metadata.resourceVersion === object.metadata.resourceVersion) continue;
            else known.set(key, object);
            yield { type: event.type === "ADDED" && previous !== undefined ? "MODIFIED" : event.type, object };
          }
        }
      } catch (error) {
        if (aborted()) return;
        if (!isStreamBreak(error)) throw error;
      } finally {
        signal?.removeEventListener("abort", abort);
        stream?.destroy();
      }
      if (expired) {
        const listed = await this.listWithVersion(apiVersion, kind, {
          ...(namespace === undefined ? {} : { namespace }),
          ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
          ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
        });
        const seen = new Set<string>();
        for (const object of listed.items) {
          const key = keyOf(object);
          seen.add(key);
          const previous = known.get(key);
          known.set(key, object);
          if (previous === undefined) yield { type: "ADDED", object };
          else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion)
            yield { type: "MODIFIED", object };
        }
        for (const [key, object] of [...known]) {
          if (seen.has(key)) continue;
          known.delete(key);
          yield { type: "DELETED", object };
        }
        resourceVersion = listed.resourceVersion;
      }
    }
  }

  private async replace(object: KubeObject, subresource: "status" | undefined): Promise<KubeObject> {
    const info = await this.resolveKind(object.apiVersion, object.kind);
    const namespace = this.namespaceOf(info, object.metadata.namespace);
    const name = object.metadata.name ?? "";
    const path = `${this.itemPath(info, namespace, name)}${subresource === undefined ? "" : `/${subresource}`}`;
    const body = { ...object, metadata: { ...object.metadata, ...(namespace === undefined ? {} : { namespace }) } };
    return this.send(
      { method: "PUT", path, body, subject: this.subject("update", info, namespace, name, subresource) },
      object,
    );
  }

  private async patchAt(ref: ObjectRef, body: PatchBody, subresource: "status" | undefined): Promise<KubeObject> {
    const info = await this.resolveKind(ref.apiVersion, ref.kind);
    const namespace = this.namespaceOf(info, ref.namespace);
    const path = `${this.itemPath(info, namespace, ref.name)}${subresource === undefined ? "" : `/${subresource}`}`;
    return this.send(
      {
        method: "PATCH",
        path,
        body: body.patch,
        contentType: body.type === "merge" ? "application/merge-patch+json" : "application/json-patch+json",
        subject: this.subject("patch", info, namespace, ref.name, subresource),
      },
      ref,
    );
  }

  private async send(
    request: KubeRequest,
    like: { readonly apiVersion: string; readonly kind: string },
  ): Promise<KubeObject> {
    const object = await this.transport.requestJson<KubeObject>(request);
    if (object === undefined)
      throw new ClusterError(
        "E_CLUSTER_REQUEST",
        `the API server answered ${request.method} ${request.path} without an object`,
      );
    return this.typed(object, like.apiVersion, like.kind);
  }

  /** List items and some responses leave out apiVersion/kind; callers always get them. */
  private typed(object: KubeObject, apiVersion: string, kind: string): KubeObject {
    return object.apiVersion !== undefined && object.kind !== undefined
      ? object
      : { ...object, apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? kind };
  }

  private namespaceOf(info: KindInfo, namespace: string | undefined): string | undefined {
    if (!info.namespaced) return undefined;
    return namespace === undefined || namespace === "" ? this.namespace : namespace;
  }

  private collectionPath(info: KindInfo, namespace: string | undefined): string {
    return `${basePath(info)}${namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`}/${info.plural}`;
  }

  private itemPath(info: KindInfo, namespace: string | undefined, name: string): string {
    if (name === "")
      throw new ClusterError("E_OBJECT_INVALID", `a ${info.resource} needs metadata.name`, {
        hint: "set metadata.name",
      });
    return `${this.collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
  }

  private subject(
    verb: string,
    info: KindInfo,
    namespace: string | undefined,
    name?: string,
    subresource?: string,
  ): RequestSubject {
    return {
      verb,
      resource: info.resource,
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
      ...(subresource === undefined ? {} : { subresource }),
    };
  }
}
