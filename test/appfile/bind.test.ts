import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindAppfile } from "../../src/appfile/index.js";
import { loadDefinitions } from "../../src/definitions/index.js";
import { ValidationError } from "../../src/errors/index.js";
import { parseApplication } from "../../src/model/index.js";
import { renderAppfile } from "../../src/render/index.js";
import { PROJECT_ROOT } from "../support/shared.js";

const FIXTURES = join(PROJECT_ROOT, "test/fixtures/definitions");
const { registry } = loadDefinitions({ addonsDir: null, userDirs: [FIXTURES] });

function app(components: string): string {
  return `apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: demo\nspec:\n  components:\n${components}`;
}

function bindAndRender(text: string): void {
  const parsed = parseApplication(text, "app.yaml");
  renderAppfile(bindAppfile(parsed.application, registry, { sourceMap: parsed.sourceMap }));
}

function failure(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

const WEB = "    - name: api\n      type: hb-webservice\n      properties:\n        image: nginx\n";

describe("bind and render errors point into the user's file", () => {
  it.each([
    {
      name: "unknown component type with did-you-mean",
      text: app("    - name: api\n      type: webservic\n"),
      code: "E_DEF_NOT_FOUND",
      path: "/spec/components/0/type",
      line: 8,
      hint: 'did you mean "webservice"?',
    },
    {
      name: "unknown trait lists the known traits",
      text: app(`${WEB}      traits:\n        - type: scalr\n`),
      code: "E_DEF_NOT_FOUND",
      path: "/spec/components/0/traits/0/type",
      line: 12,
      hint: "known traits:",
    },
    {
      name: "trait not applicable to the workload",
      text: app(`${WEB}      traits:\n        - type: statefulset-only\n`),
      code: "E_TRAIT_NOT_APPLICABLE",
      path: "/spec/components/0/traits/0/type",
      line: 12,
      hint: "statefulsets.apps",
    },
    {
      name: "conflicting traits",
      text: app(
        `${WEB}      traits:\n        - type: scaler\n        - type: manual-scaler\n          properties:\n            replicas: 2\n`,
      ),
      code: "E_TRAIT_CONFLICT",
      path: "/spec/components/0/traits/1/type",
      line: 13,
      hint: "conflictsWith",
    },
    {
      name: "wrong property type",
      text: app(`${WEB}      traits:\n        - type: scaler\n          properties:\n            replicas: three\n`),
      code: "E_PARAM_INVALID",
      path: "/spec/components/0/traits/0/properties/replicas",
      line: 14,
      hint: undefined,
    },
    {
      name: "unknown property with did-you-mean",
      text: app(
        "    - name: api\n      type: hb-webservice\n      properties:\n        image: nginx\n        prots: []\n",
      ),
      code: "E_PARAM_INVALID",
      path: "/spec/components/0/properties/prots",
      line: 11,
      hint: 'did you mean "ports"?',
    },
    {
      name: "missing required property",
      text: app("    - name: api\n      type: hb-webservice\n      properties:\n        port: 80\n"),
      code: "E_PARAM_INVALID",
      path: "/spec/components/0/properties",
      line: 10,
      hint: 'add "image"',
    },
    {
      name: "template referencing an undeclared field",
      text: app(`${WEB}      traits:\n        - type: typo\n          properties:\n            replicas: 2\n`),
      code: "E_TEMPLATE",
      path: "/spec/schematic/template/patch",
      line: 90,
      hint: "declare the field",
    },
    {
      name: "template producing invalid YAML",
      text: app(`${WEB}      traits:\n        - type: bad-yaml\n          properties:\n            value: "a: b"\n`),
      code: "E_TEMPLATE_YAML",
      path: "/spec/schematic/template/patch",
      line: 77,
      hint: "rendered line 5",
    },
    {
      name: "two traits emitting the same output",
      text: app(`${WEB}      traits:\n        - type: sidecar-a\n        - type: sidecar-b\n`),
      code: "E_OUTPUT_CONFLICT",
      path: "/spec/components/0/traits/1/type",
      line: 13,
      hint: "same name",
    },
  ])("$name", ({ text, code, path, line, hint }) => {
    const error = failure(() => bindAndRender(text));
    const issue = error.issues[0];
    expect(issue?.code).toBe(code);
    expect(issue?.path).toBe(path);
    expect(issue?.source?.line).toBe(line);
    if (hint !== undefined) expect(issue?.hint).toContain(hint);
  });

  it("template errors name the definition file", () => {
    const error = failure(() =>
      bindAndRender(app(`${WEB}      traits:\n        - type: typo\n          properties:\n            replicas: 2\n`)),
    );
    expect(error.issues[0]?.source?.file).toBe(join(FIXTURES, "test-traits.yaml"));
    expect(error.issues[0]?.message).toBe(
      'component "api": trait "typo": definition "typo" patch: "parameter.replica" is not declared in parameter',
    );
  });

  it("collects problems of every component at once", () => {
    const error = failure(() =>
      bindAndRender(
        app("    - name: a\n      type: nope\n    - name: b\n      type: hb-webservice\n      properties: {}\n"),
      ),
    );
    expect(error.issues.map((issue) => issue.code)).toEqual(["E_DEF_NOT_FOUND", "E_PARAM_INVALID"]);
  });

  it("binds properties with defaults and every declared field present", () => {
    const parsed = parseApplication(app(`${WEB}      traits:\n        - type: scaler\n`), "app.yaml");
    const appfile = bindAppfile(parsed.application, registry);
    const component = appfile.components[0];
    expect(component?.traits[0]?.properties).toEqual({ replicas: 1 });
    expect(component?.properties).toMatchObject({
      image: "nginx",
      exposeType: "ClusterIP",
      port: null,
      ports: null,
      env: null,
    });
    expect(parsed.application.spec.components[0]?.properties).toEqual({ image: "nginx" });
  });

  it("names the addon of a type from a disabled addon", () => {
    const limited = loadDefinitions({ enabledAddons: ["istio"] }).registry;
    const parsed = parseApplication(app("    - name: chart\n      type: helm\n"), "app.yaml");
    const error = failure(() => bindAppfile(parsed.application, limited, { sourceMap: parsed.sourceMap }));
    expect(error.issues[0]?.code).toBe("E_DEF_NOT_FOUND");
    expect(error.issues[0]?.hint).toContain("enable it with: vela-ts addon enable fluxcd");
  });
});
