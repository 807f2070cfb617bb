/** `vela-ts` run from the sources (tests start real CLI processes without a build). */
import { runFromProcess } from "../src/cli/bin.js";

runFromProcess();
