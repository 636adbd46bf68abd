#!/usr/bin/env node
import { run } from './run-ts.js';

await run('../executor/command-executor-main.ts');
