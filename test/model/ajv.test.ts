import { describe, expect, it } from "vitest";
import { APPLICATION_SCHEMA, compileTrustedSchemaCheck, createAjv, DEFINITION_SCHEMA } from "../../src/model/index.js";

describe("trusted schemas", () => {
  // compileTrustedSchemaCheck skips the meta-schema check at run time; this is where it happens.
  it.each([
    ["Application", APPLICATION_SCHEMA],
    ["definition envelope", DEFINITION_SCHEMA],
  ])("the %s schema is valid JSON Schema draft-07", (_name, schema) => {
    const ajv = createAjv({ useDefaults: false });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
  });

  it("compiles each schema once per process and reports issues like any other check", () => {
    const check = compileTrustedSchemaCheck(APPLICATION_SCHEMA);
    expect(compileTrustedSchemaCheck(APPLICATION_SCHEMA)).toBe(check);
    const issues = check(
      {
        apiVersion: "core.oam.dev/v1beta1",
        kind: "Application",
        metadata: { name: "a" },
        spec: { components: "nope" },
      },
      { code: "E_APP_INVALID", basePath: "" },
    );
    expect(issues.map((issue) => issue.path)).toContain("/spec/components");
  });

  it("does not hide a broken schema from the meta-schema check the tests run", () => {
    const ajv = createAjv({ useDefaults: false });
    expect(ajv.validateSchema({ type: "not-a-type" })).toBe(false);
  });
});
