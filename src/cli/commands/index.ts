import type { RegisterCommand } from "../command.js";
import { registerDryRun } from "./dry-run.js";
import { registerDef } from "./def.js";
import { registerChart } from "./chart.js";
import { registerSandbox } from "./sandbox.js";
import { registerUp } from "./up.js";
import { registerWorkflow } from "./workflow.js";
import { registerStatus } from "./status.js";
import { registerRevision } from "./revision.js";
import { registerDelete } from "./delete.js";
import { registerAddon } from "./addon.js";
import { registerController } from "./controller.js";
import { registerInstall, registerUninstall } from "./install.js";
import { registerDashboard } from "./dashboard.js";
import { registerLs } from "./ls.js";
import { registerCompletion } from "./completion.js";
import { registerCluster } from "./cluster.js";
import { registerAdopt } from "./adopt.js";

/** Every top-level command, in the order `--help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerUp,
  registerLs,
  registerWorkflow,
  registerStatus,
  registerRevision,
  registerDelete,
  registerAdopt,
  registerDryRun,
  registerDef,
  registerChart,
  registerAddon,
  registerCluster,
  registerSandbox,
  registerController,
  registerInstall,
  registerDashboard,
  registerUninstall,
  registerCompletion,
];
