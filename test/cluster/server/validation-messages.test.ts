import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors/index.js";
import { failureOf, fieldPathOf } from "../../../src/cluster/sandbox/server/status.js";

const SUBJECT = { resource: "deployments", group: "apps", kind: "Deployment", name: "web" };

describe("validation failures over HTTP", () => {
  it("name the object once: the admission's 'Deployment default/web: ' prefix is not repeated", () => {
    const failure = failureOf(
      new ValidationError(
        [
          {
            code: "E_INVALID",
            message: "Deployment default/web: annotation a must be a number",
            path: "/spec/template/metadata/annotations/sandbox.vela-ts.dev~1error-rate",
          },
          { code: "E_INVALID", message: "Deployment default/web: replicas must be positive", path: "/spec/replicas" },
        ],
        "Deployment default/web: 2 problems found",
      ),
      "create",
      SUBJECT,
    );
    expect(failure.code).toBe(422);
    expect(failure.status.message).toBe(
      'deployments.apps "web" is invalid: [spec.template.metadata.annotations[sandbox.vela-ts.dev/error-rate]: ' +
        "annotation a must be a number, spec.replicas: replicas must be positive]",
    );
    expect(JSON.stringify(failure.status)).not.toContain("Deployment default/web");
  });

  it("one issue is `field: message`; a message naming another object keeps its words", () => {
    const failure = failureOf(
      new ValidationError([{ code: "E_INVALID", message: "Deployment default/api: taken", path: "/spec/x" }]),
      "update",
      SUBJECT,
    );
    expect(failure.status.message).toBe('deployments.apps "web" is invalid: spec.x: Deployment default/api: taken');
  });

  it("field paths: list indexes and map keys in brackets", () => {
    expect(fieldPathOf("/spec/template/spec/containers/0/image")).toBe("spec.template.spec.containers[0].image");
    expect(fieldPathOf("/metadata/labels/app.kubernetes.io~1name")).toBe("metadata.labels[app.kubernetes.io/name]");
    expect(fieldPathOf("/spec/selector/matchLabels")).toBe("spec.selector.matchLabels");
  });
});
