#!/usr/bin/env node
import { run } from './run-ts.js';

await run('../agent/main.ts');
