import test from 'ava';
import {
  ZERO_COPY_BYTES,
  encodeChunk,
  encodeChunkParts,
  encodeResponse,
  encodeResponseParts,
} from '../../libprocess/transport/response-encoder.js';

const opts = { minorVersion: 1 as const, keepAlive: true, now: 0 };

for (const size of [0, 10, ZERO_COPY_BYTES - 1, ZERO_COPY_BYTES, 5 * ZERO_COPY_BYTES + 3]) {
  test(`response parts for a ${size}-byte body equal the single-buffer encoding`, (t) => {
    const body = Buffer.alloc(size, 7);
    const parts = encodeResponseParts(200, { 'Content-Type': 'application/json' }, body, opts);
    t.deepEqual(Buffer.concat(parts), encodeResponse(200, { 'Content-Type': 'application/json' }, body, opts));
    if (size >= ZERO_COPY_BYTES) t.is(parts[1], body, 'large bodies are written as they are, not copied');
    else t.is(parts.length, 1);
  });

  test(`chunk parts for ${size} bytes equal the single-buffer chunk`, (t) => {
    const data = Buffer.alloc(size, 3);
    const parts = encodeChunkParts(data);
    t.deepEqual(Buffer.concat(parts), encodeChunk(data));
    if (size >= ZERO_COPY_BYTES) t.is(parts[1], data);
  });
}

test('string bodies and HEAD responses keep the single-buffer path', (t) => {
  const text = 'x'.repeat(ZERO_COPY_BYTES * 2);
  t.is(encodeResponseParts(200, undefined, text, opts).length, 1);
  t.deepEqual(
    Buffer.concat(encodeResponseParts(200, undefined, Buffer.from(text), { ...opts, omitBody: true })),
    encodeResponse(200, undefined, Buffer.from(text), { ...opts, omitBody: true }),
  );
});
