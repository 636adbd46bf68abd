// Runs benchmark parts: `node --import tsx benchmarks/run.ts [part...]`.
// Each part is a module in benchmarks/ exporting `run()`, printing BENCH lines.

process.env['MESOS_TS_LOG_LEVEL'] ??= 'fatal';

const PARTS = ['libprocess', 'codec', 'proto', 'master', 'master-register', 'allocator', 'http', 'agent'] as const;

const wanted = process.argv.slice(2);
const parts = wanted.length > 0 ? wanted : [...PARTS];
for (const part of parts) {
  if (!(PARTS as readonly string[]).includes(part)) {
    process.stderr.write(`unknown benchmark part '${part}' (known: ${PARTS.join(', ')})\n`);
    process.exit(2);
  }
  const module = (await import(`./${part}.ts`)) as { run: () => Promise<void> };
  await module.run();
}
process.exit(0);
