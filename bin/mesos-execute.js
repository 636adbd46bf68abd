#!/usr/bin/env node
// Runs one command as a task on a Mesos cluster (scheduler-driver/execute.ts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scheduler-driver/execute.ts');
process.exit(await main(process.argv.slice(2), process.env));
