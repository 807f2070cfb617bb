import { openSandbox, type OpenSandboxOptions, type SandboxCluster } from "../cluster/sandbox/index.js";
import { listBundledAddons, loadDefinitions, type Definition } from "../definitions/index.js";
import { definitionObjectOf } from "../model/definition.js";
import type { KubeObject } from "../model/kube-object.js";
import { LABEL_ADDON_NAME } from "../model/labels.js";

/** Where addons install their Definition objects (KubeVela's system namespace). */
export const ADDON_DEFINITION_NAMESPACE = "vela-system";

/** The definitions a bundled addon brings. */
export function addonDefinitions(name: string): Definition[] {
  return loadDefinitions().definitions.filter((definition) => definition.origin.addon === name);
}

/** The Definition object an addon installs (label `addons.oam.dev/name`, in `vela-system`). */
export function definitionObject(definition: Definition, addon: string): KubeObject {
  const input = definition.input;
  return {
    ...definitionObjectOf(input),
    apiVersion: input.apiVersion,
    kind: input.kind,
    metadata: {
      ...(input.metadata.annotations === undefined ? {} : { annotations: { ...input.metadata.annotations } }),
      name: input.metadata.name,
      namespace: ADDON_DEFINITION_NAMESPACE,
      labels: { ...(input.metadata.labels ?? {}), [LABEL_ADDON_NAME]: addon },
    },
  };
}

/** The Definition objects of these bundled addons, as `addon enable` installs them. */
export function addonObjectsOf(enabledAddons: ReadonlySet<string>): KubeObject[] {
  const definitions = loadDefinitions().definitions;
  return listBundledAddons()
    .filter((addon) => enabledAddons.has(addon.name))
    .flatMap((addon) =>
      definitions
        .filter((definition) => definition.origin.addon === addon.name)
        .map((definition) => definitionObject(definition, addon.name)),
    );
}

/**
 * Opens the sandbox for a command: a new (or reset) sandbox gets its enabled addons' Definition
 * objects first, so it looks like a cluster where those addons were enabled.
 */
export function openCommandSandbox(options: Omit<OpenSandboxOptions, "addonObjects">): Promise<SandboxCluster> {
  return openSandbox({ ...options, addonObjects: addonObjectsOf });
}
