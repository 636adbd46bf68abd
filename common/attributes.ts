// Agent attributes: the `--attributes` text `name:value;name:value`, each
// value scalar, ranges, set or text (src/common/attributes.cpp, values.cpp).

import { mesos } from '../proto/index.js';
import { RANGES, SCALAR, SET, parseValue, rangesToPairs } from './values.js';

export class AttributesParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttributesParseError';
  }
}

export function parseAttributes(text: string): mesos.Attribute.$Properties[] {
  const out: mesos.Attribute.$Properties[] = [];
  for (const token of text.split(';')) {
    if (token.trim() === '') continue;
    const colon = token.indexOf(':');
    if (colon < 0) throw new AttributesParseError(`Invalid attribute key:value pair '${token}'`);
    const name = token.slice(0, colon).trim();
    const value = parseValue(token.slice(colon + 1));
    switch (value.type) {
      case SCALAR:
        out.push({ name, type: mesos.Value.Type.SCALAR, scalar: { value: value.scalar } });
        break;
      case RANGES:
        out.push({ name, type: mesos.Value.Type.RANGES, ranges: { range: rangesToPairs(value.ranges) } });
        break;
      case SET:
        out.push({ name, type: mesos.Value.Type.SET, set: { item: value.items } });
        break;
      default:
        out.push({ name, type: mesos.Value.Type.TEXT, text: { value: value.text } });
    }
  }
  return out;
}
