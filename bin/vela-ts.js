#!/usr/bin/env node
import { runFromProcess } from "../dist/cli/bin.js";

runFromProcess();
