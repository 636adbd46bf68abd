import test from 'ava';
import { IdGenerator, InvalidUPIDError, UPID } from '../../libprocess/upid.js';

test('parses and formats id@ip:port', (t) => {
  const pid = UPID.parse('master@10.0.0.1:5050');
  t.is(pid.id, 'master');
  t.is(pid.host, '10.0.0.1');
  t.is(pid.port, 5050);
  t.is(pid.address, '10.0.0.1:5050');
  t.is(pid.toString(), 'master@10.0.0.1:5050');
  t.is(JSON.stringify({ pid }), '{"pid":"master@10.0.0.1:5050"}');
});

test('keeps generated ids with parentheses and hostnames', (t) => {
  t.is(UPID.parse('scheduler(1)@127.0.0.1:45209').id, 'scheduler(1)');
  t.is(UPID.parse('slave(1)@agent-1.example.com:5051').host, 'agent-1.example.com');
  t.is(UPID.parse('  slave(2)@127.0.0.1:5051 ').id, 'slave(2)');
});

const invalid = [
  '',
  'master',
  'master@',
  'master@10.0.0.1',
  'master@10.0.0.1:',
  'master@10.0.0.1:port',
  'master@10.0.0.1:70000',
  'master@10.0.0.1:50 50',
  'master@300.0.0.1:5050',
  'master@bad_host:5050',
  'ma ster@10.0.0.1:5050',
];
for (const input of invalid) {
  test(`rejects ${JSON.stringify(input)}`, (t) => {
    t.throws(() => UPID.parse(input), { instanceOf: InvalidUPIDError });
    t.is(UPID.tryParse(input), undefined);
  });
}

test('equality and withId', (t) => {
  const a = UPID.parse('a@127.0.0.1:1');
  t.true(a.equals(new UPID('a', '127.0.0.1', 1)));
  t.false(a.equals(a.withId('b')));
  t.is(a.withId('b').toString(), 'b@127.0.0.1:1');
});

test('ids are generated per prefix as prefix(N)', (t) => {
  const ids = new IdGenerator();
  t.is(ids.generate('slave'), 'slave(1)');
  t.is(ids.generate('slave'), 'slave(2)');
  t.is(ids.generate('scheduler'), 'scheduler(1)');
  t.is(ids.generate(), '(1)');
});
