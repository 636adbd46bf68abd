#!/usr/bin/env node
// Internal: the shared command executor host the agent starts with --shared_command_executor.
import { run } from './run-ts.js';

await run('../executor/host-main.ts');
