// Durations in Mesos's text form: a number followed by ns|us|ms|secs|mins|hrs|days|weeks
// (3rdparty/stout/include/stout/duration.hpp). Values are held in milliseconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

export class DurationParseError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`Invalid duration '${input}': ${reason}`);
    this.name = 'DurationParseError';
  }
}

/** Parses e.g. `5secs`, `1.5mins`, `100ms` into milliseconds. */
export function parseDuration(input: string): number {
  const match = /^\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([a-z]+)\s*$/.exec(input);
  if (!match) throw new DurationParseError(input, 'expected <number><unit>');
  const unit = match[2] ?? '';
  const factor = UNIT_MS[unit];
  if (factor === undefined) throw new DurationParseError(input, `unknown unit '${unit}'`);
  return Number(match[1]) * factor;
}

/** Formats milliseconds the way stout prints a Duration (largest exact-ish unit). */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['weeks', 604_800_000],
    ['days', 86_400_000],
    ['hrs', 3_600_000],
    ['mins', 60_000],
    ['secs', 1000],
    ['ms', 1],
    ['us', 1e-3],
    ['ns', 1e-6],
  ];
  const abs = Math.abs(ms);
  for (const [unit, factor] of units) {
    if (abs >= factor) return `${Number((ms / factor).toPrecision(15))}${unit}`;
  }
  return `${ms * 1e6}ns`;
}
