#!/usr/bin/env node
import { runFromProcess } from "../dist/bundle/bin.js";

runFromProcess();
