// examples/v1-framework.ts against a real master and agent: in-process, and
// as the program a user would run.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { runEchoFramework } from '../../examples/v1-framework.js';
import { world } from './scheduler-world.js';

test('the example framework launches N echo tasks, acknowledges their updates and tears down', async (t) => {
  const w = await world();
  try {
    const lines: string[] = [];
    const result = await runEchoFramework({ master: w.address, tasks: 4, contentType: 'json', log: (line) => lines.push(line) });
    t.deepEqual([result.finished, result.failed, result.error], [4, 0, undefined], lines.join('\n'));
    t.true(lines.some((line) => /^echo-4: TASK_FINISHED/.test(line)));
    t.is(w.master.master.state.frameworks.size, 0, 'torn down');
    t.is(w.master.master.state.completedFrameworks[0]?.completedTasks.length, 4);
  } finally {
    await w.stop();
  }
});

test('the example runs as a program and exits 0 when its tasks finish', async (t) => {
  const w = await world();
  try {
    const script = fileURLToPath(new URL('../../examples/v1-framework.ts', import.meta.url));
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', script, `--master=${w.address}`, '--tasks=2'], { timeout: 45_000 }, (error, out) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout: out }),
      );
    });
    t.is(code, 0, stdout);
    t.regex(stdout, /done: 2 finished, 0 failed/);
  } finally {
    await w.stop();
  }
});
