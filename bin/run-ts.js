// Runs a TypeScript entry point through tsx without a build step.
import { register } from 'tsx/esm/api';

export async function run(entry) {
  register();
  await import(new URL(entry, import.meta.url).href);
}
