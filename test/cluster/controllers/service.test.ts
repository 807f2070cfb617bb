import { describe, expect, it } from "vitest";
import { memorySandbox } from "../../support/sandbox.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { INGRESS_NGINX_ADDRESS } from "../../../src/cluster/sandbox/controllers/service.js";
import { getObject, ingress } from "./fixtures.js";
import { ClusterError } from "../../../src/errors/index.js";

function refusal(write: () => unknown): ClusterError {
  try {
    write();
  } catch (error) {
    if (error instanceof ClusterError) return error;
    throw error;
  }
  throw new Error("the write was not refused");
}

function nodePorts(object: KubeObject | undefined): unknown[] {
  return ((specOf(object).ports ?? []) as { nodePort?: number }[]).map((port) => port.nodePort);
}

function service(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8080 }], ...spec },
  };
}

function specOf(object: KubeObject | undefined): Record<string, unknown> {
  return (object?.spec ?? {}) as Record<string, unknown>;
}

describe("Services get what a real cluster gives them", () => {
  it("a ClusterIP Service gets a cluster IP from 10.96.0.0/12, and keeps it when applied again without one", () => {
    const sandbox = memorySandbox({ objects: [service("api"), service("web")] });
    const api = specOf(getObject(sandbox.store, "v1", "Service", "api"));
    const web = specOf(getObject(sandbox.store, "v1", "Service", "web"));
    expect(api.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(api.clusterIPs).toEqual([api.clusterIP]);
    expect(web.clusterIP).not.toBe(api.clusterIP);

    sandbox.store.apply(service("api", { ports: [{ name: "http", port: 81, targetPort: 8080 }] }));
    expect(specOf(getObject(sandbox.store, "v1", "Service", "api")).clusterIP).toBe(api.clusterIP);
  });

  it("headless and ExternalName Services get no cluster IP; a given one is kept", () => {
    const sandbox = memorySandbox({
      objects: [
        service("headless", { clusterIP: "None" }),
        service("external", { type: "ExternalName", externalName: "example.com" }),
        service("fixed", { clusterIP: "10.96.0.50" }),
      ],
    });
    expect(specOf(getObject(sandbox.store, "v1", "Service", "headless")).clusterIP).toBe("None");
    expect(specOf(getObject(sandbox.store, "v1", "Service", "external")).clusterIP).toBeUndefined();
    expect(specOf(getObject(sandbox.store, "v1", "Service", "fixed")).clusterIP).toBe("10.96.0.50");
  });

  it("a LoadBalancer Service gets node ports and, from the load-balancer controller, an ingress address", () => {
    const sandbox = memorySandbox({ objects: [service("public", { type: "LoadBalancer" })] });
    sandbox.settle();
    const object = getObject(sandbox.store, "v1", "Service", "public");
    const ports = specOf(object).ports as { nodePort?: number }[];
    expect(ports[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    expect(ports[0]?.nodePort).toBeLessThanOrEqual(32767);
    expect(object?.status).toEqual({
      loadBalancer: { ingress: [{ ip: expect.stringMatching(/^172\.18\.255\./) as unknown }] },
    });
  });

  it("an nginx Ingress gets the ingress controller's address in its status; another class does not", () => {
    const base = ingress("other", "other.example.com", "/");
    const other: KubeObject = { ...base, spec: { ...(base.spec as object), ingressClassName: "traefik" } };
    const sandbox = memorySandbox({ objects: [ingress("web", "web.example.com", "/"), other] });
    sandbox.settle();
    expect(getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "web")?.status).toEqual({
      loadBalancer: { ingress: [{ ip: INGRESS_NGINX_ADDRESS }] },
    });
    expect(getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "other")?.status).toBeUndefined();
  });

  it("a node port or cluster IP another Service holds is refused as the API server does; allocation skips it", () => {
    const sandbox = memorySandbox({
      objects: [
        service("first", { type: "NodePort", clusterIP: "10.96.0.40", ports: [{ port: 80, nodePort: 30080 }] }),
      ],
    });
    const taken = refusal(() =>
      sandbox.store.apply(service("second", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] })),
    );
    expect(taken.code).toBe("E_INVALID_OBJECT");
    expect(taken.message).toBe(
      'Service "second" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    expect(taken.path).toBe("/spec/ports/0/nodePort");
    expect(refusal(() => sandbox.store.apply(service("second", { clusterIP: "10.96.0.40" }))).message).toBe(
      'Service "second" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.40"}: ' +
        "failed to allocate IP 10.96.0.40: provided IP is already allocated",
    );
    expect(
      refusal(() => sandbox.store.apply(service("second", { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] })))
        .message,
    ).toBe(
      'Service "second" is invalid: spec.ports[0].nodePort: Invalid value: 80: ' +
        "provided port is not in the valid range. The range of valid ports is 30000-32767",
    );
    expect(getObject(sandbox.store, "v1", "Service", "second")).toBeUndefined();
    // Re-applying the holder itself is no collision.
    sandbox.store.apply(
      service("first", { type: "NodePort", clusterIP: "10.96.0.40", ports: [{ port: 80, nodePort: 30080 }] }),
    );
    // Allocated ports of many Services never collide.
    for (let index = 0; index < 40; index++)
      sandbox.store.apply(
        service(`auto-${index}`, { type: "NodePort", ports: [{ port: 80 }, { name: "b", port: 81 }] }),
      );
    const all = sandbox.store.list("v1", "Service").flatMap((object) => nodePorts(object));
    expect(new Set(all).size).toBe(all.length);
    const addresses = sandbox.store.list("v1", "Service").map((object) => specOf(object).clusterIP);
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it("a deleted or changed Service releases its node port and cluster IP", () => {
    const sandbox = memorySandbox({
      objects: [
        service("first", { type: "NodePort", clusterIP: "10.96.0.40", ports: [{ port: 80, nodePort: 30080 }] }),
      ],
    });
    sandbox.store.apply(
      service("first", { type: "NodePort", clusterIP: "10.96.0.40", ports: [{ port: 80, nodePort: 30090 }] }),
    );
    sandbox.store.apply(service("second", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(nodePorts(getObject(sandbox.store, "v1", "Service", "second"))).toEqual([30080]);
    sandbox.store.delete({ apiVersion: "v1", kind: "Service", namespace: "default", name: "first" });
    sandbox.store.apply(
      service("third", { type: "NodePort", clusterIP: "10.96.0.40", ports: [{ port: 80, nodePort: 30090 }] }),
    );
    expect(specOf(getObject(sandbox.store, "v1", "Service", "third")).clusterIP).toBe("10.96.0.40");
    expect(nodePorts(getObject(sandbox.store, "v1", "Service", "third"))).toEqual([30090]);
  });
});
