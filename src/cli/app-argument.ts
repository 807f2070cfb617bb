import { UsageError } from "../errors/index.js";
import type { TargetOptions } from "../target/target.js";
import { loadController } from "./lazy-controller.js";

/**
 * The `<app>` of a command, or — when it was left out — a usage error that lists the applications
 * there are (in the namespace, else in every namespace) and the command to run with one of them.
 */
export async function requireAppArgument(
  app: string | undefined,
  command: string,
  options: TargetOptions,
  namespace: string,
): Promise<string> {
  if (app !== undefined && app !== "") return app;
  const { listApplications } = await loadController();
  const here = (await listApplications({ ...options, namespace })).apps;
  if (here.length > 0) {
    const names = here.map((entry) => entry.name);
    throw new UsageError(`${command} needs the name of an application`, {
      hint: `applications in namespace "${namespace}": ${names.join(", ")}; e.g. vela-ts ${command} ${names[0] ?? ""}`,
    });
  }
  const everywhere = (await listApplications({ ...options, allNamespaces: true })).apps;
  if (everywhere.length > 0) {
    const first = everywhere[0];
    const elsewhere = everywhere.map((entry) => `${entry.namespace}/${entry.name}`).join(", ");
    const example = `vela-ts ${command} ${first?.name ?? ""} -n ${first?.namespace ?? ""}`;
    throw new UsageError(`${command} needs the name of an application`, {
      hint: `there are none in namespace "${namespace}"; elsewhere: ${elsewhere}; e.g. ${example}`,
    });
  }
  throw new UsageError(`${command} needs the name of an application, and there are none yet`, {
    hint: "create one with: vela-ts up -f app.yaml",
  });
}
