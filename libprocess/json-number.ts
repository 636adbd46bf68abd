// Numbers and strings the way stout's JSON writer prints them
// (3rdparty/stout/include/stout/jsonify.hpp): doubles with 15 significant
// digits, trailing zeros dropped but always a decimal point ("2.0"), and '/'
// escaped as "\/". JSON parsers read both forms identically; matching them keeps
// byte-level diffs against real Mesos output small.

export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const exponential = value.toExponential(14);
  const ePos = exponential.indexOf('e');
  const exponent = Number(exponential.slice(ePos + 1));
  if (exponent < -4 || exponent >= 15) {
    let mantissa = exponential.slice(0, ePos);
    mantissa = trimZeros(mantissa);
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return trimZeros(value.toFixed(Math.max(0, 14 - exponent)));
}

function trimZeros(text: string): string {
  if (text.indexOf('.') < 0) return `${text}.0`;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (text.charCodeAt(end - 1) === 46 /* . */) return `${text.slice(0, end)}0`;
  return text.slice(0, end);
}

/** A JSON string literal with '/' escaped like stout. */
export function quoteString(value: string): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}
