#!/usr/bin/env node
import { run } from './run-ts.js';

await run('../master/local-main.ts');
