#!/usr/bin/env node
import { runBundled } from './bundle.js';

await runBundled('executor/command-executor-main.ts', 'mesos-executor');
