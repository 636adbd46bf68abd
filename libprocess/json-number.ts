// Numbers and strings the way stout's JSON writer prints them
// (3rdparty/stout/include/stout/jsonify.hpp, json.hpp): doubles as C's "%#.15g"
// with trailing zeros trimmed but always a decimal point ("2.0"); strings with
// '/' escaped as "\/" and control characters as \u00XX. JSON parsers read both
// forms identically; matching them keeps byte-level diffs against real Mesos
// output small. Shared by the metrics snapshot and proto/json.ts.

const ESCAPE_RE = /["\\/\u0000-\u001f\u007f]/;
const ESCAPE_ALL_RE = /["\\/\u0000-\u001f\u007f]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t',
};

/** A JSON string literal escaped the way stout/picojson do (including "\/"). */
export function quoteJSONString(s: string): string {
  if (!ESCAPE_RE.test(s)) return `"${s}"`;
  return `"${s.replace(ESCAPE_ALL_RE, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * A double as Mesos prints it: C's "%#.15g" with trailing zeros trimmed and a
 * trailing "." completed to ".0". Exponent forms keep their mantissa zeros, as in
 * Mesos ("1.00000000000000e-05"); unlike Mesos we do not also strip a trailing "0" from
 * the exponent (Mesos 1.0 prints 1e20 as "1.00000000000000e+2"). NaN and infinities
 * have no JSON form and print as null.
 */
export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const negative = value < 0;
  const exp = Math.abs(value).toExponential(14); // d.dddddddddddddde±X, 15 significant digits
  const e = exp.indexOf('e');
  const digits = exp[0] + exp.slice(2, e);
  const x = Number(exp.slice(e + 1));
  let out: string;
  if (x < -4 || x >= 15) {
    const ax = Math.abs(x);
    out = `${digits[0]}.${digits.slice(1)}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  } else {
    let int: string;
    let frac: string;
    if (x >= 0) {
      int = digits.slice(0, x + 1);
      frac = digits.slice(x + 1);
    } else {
      int = '0';
      frac = '0'.repeat(-x - 1) + digits;
    }
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    out = `${int}.${end === 0 ? '0' : frac.slice(0, end)}`;
  }
  return negative ? `-${out}` : out;
}


/** Short alias used by libprocess code. */
export const quoteString = quoteJSONString;
