import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";

/** A Ready pod of `app` at `version` (image `app:version`). */
export function readyPod(name: string, app: string, version: string, ready = true): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app, version } },
    spec: { containers: [{ name: "c", image: `${app}:${version}` }] },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

/** A Service selecting `selector` (default: app = name). */
export function plainService(name: string, selector: Readonly<Record<string, string>> = { app: name }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { ...selector }, ports: [{ port: 80 }] },
  };
}

/** An Ingress of `className` for host/path → service, with annotations. */
export function classedIngress(
  name: string,
  className: string,
  host: string,
  service: string,
  annotations: Readonly<Record<string, string>> = {},
  path = "/",
): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", annotations: { ...annotations } },
    spec: {
      ingressClassName: className,
      rules: [
        {
          host,
          http: {
            paths: [{ path, pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }],
          },
        },
      ],
    },
  };
}

/** Two versions of `app`: Services `app-stable` (version v1) and `app-canary` (version v2), two pods each. */
export function stableAndCanary(app: string): KubeObject[] {
  return [
    plainService(`${app}-stable`, { app, version: "v1" }),
    plainService(`${app}-canary`, { app, version: "v2" }),
    readyPod(`${app}-v1-a`, app, "v1"),
    readyPod(`${app}-v1-b`, app, "v1"),
    readyPod(`${app}-v2-a`, app, "v2"),
    readyPod(`${app}-v2-b`, app, "v2"),
  ];
}

export function object(apiVersion: string, kind: string, name: string, spec: JsonObject): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: "default" }, spec };
}
