import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { valid as validSemver } from "semver";
import { readAddon } from "../../src/definitions/index.js";
import { describeIssues, validateAgainstSchema } from "../support/k8s-schema.js";
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING_REASON } from "../support/shared.js";
import { ADDON_NAMES, CATALOG_FILES } from "./catalog-files.js";

const ADDONS = ADDON_NAMES.map((name) => ({ name, dir: join(PROJECT_ROOT, "addons", name) }));

describe("bundled addons", () => {
  it("are the four of DESIGN §5 plus nothing unexpected", () => {
    expect(ADDON_NAMES).toEqual(["argo-rollouts", "fluxcd", "ingress-nginx", "istio", "kruise-rollout"]);
  });

  it.each(ADDONS)(
    "$name: metadata names the folder, has a semver version, a description and known dependencies",
    ({ name, dir }) => {
      const addon = readAddon(dir);
      expect(addon.name).toBe(name);
      expect(validSemver(addon.version)).not.toBeNull();
      expect(addon.description.length).toBeGreaterThan(20);
      for (const dependency of addon.dependencies) {
        expect(ADDON_NAMES).toContain(dependency);
        expect(dependency).not.toBe(name);
      }
      expect(addon.readme ?? "").toContain(`# ${name} addon`);
      expect(addon.resourceFiles.length).toBeGreaterThan(0);
    },
  );

  it.each(ADDONS)("$name: its definitions are the catalog's files of that addon", ({ name, dir }) => {
    const addon = readAddon(dir);
    expect(addon.definitionFiles).toEqual(CATALOG_FILES.filter((file) => file.addon === name).map((file) => file.file));
  });

  it("addons that install through Flux depend on fluxcd", () => {
    for (const { dir } of ADDONS) {
      const addon = readAddon(dir);
      const usesFlux = addon.resourceFiles.some((file) =>
        readFileSync(file, "utf8").includes("helm.toolkit.fluxcd.io"),
      );
      if (usesFlux) expect(addon.dependencies).toContain("fluxcd");
    }
  });
});

describe.skipIf(!HAS_SHARED)(
  `bundled addon resources are valid objects ${HAS_SHARED ? "" : SHARED_MISSING_REASON}`,
  () => {
    const resources = ADDONS.flatMap(({ name, dir }) =>
      readAddon(dir).resourceFiles.flatMap((file) =>
        parseAllDocuments(readFileSync(file, "utf8")).map((document, index) => ({
          name: `${name}: ${file.slice(dir.length + 1)}#${index}`,
          object: document.toJS() as unknown,
        })),
      ),
    );
    it.each(resources)("$name", ({ object }) => {
      expect(describeIssues(object, validateAgainstSchema(object))).toBe("");
    });
  },
);
