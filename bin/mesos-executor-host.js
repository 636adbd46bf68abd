#!/usr/bin/env node
// Internal: the shared command executor host the agent starts with --shared_command_executor.
import { runBundled } from './bundle.js';

await runBundled('executor/host-main.ts', 'mesos-executor-host');
