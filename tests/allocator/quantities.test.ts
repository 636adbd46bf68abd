// The mutable stripped-scalar accounts behind the DRF sorter.

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources, resourceNameId } from '../../common/resources.js';
import { ScalarQuantities } from '../../master/allocator/quantities.js';

const R = (text: string): Resources => Resources.parse(text);

test('ScalarQuantities keeps role and revocability, drops reservations and non-scalars', (t) => {
  const q = new ScalarQuantities();
  q.add(R('cpus:2;mem:100;ports:[1-5];cpus(r):1'));
  q.add(Resources.fromProto({ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 1 }, role: 'role', reservation: { principal: 'p' } }));
  q.add(Resources.fromProto({ name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 3 }, revocable: {} }));
  t.is(q.toResources().toString(), 'cpus(*):2; mem(*):100; cpus(r):1; cpus(role):1; cpus(*){REV}:3');
  t.is(q.sumOf(resourceNameId('cpus')), 7000);
  t.deepEqual([...q.row(resourceNameId('mem') + 1)].slice(resourceNameId('mem')), [100000]);
});

test('subtracting clamps at zero per kind and ignores absent kinds', (t) => {
  const q = ScalarQuantities.of(R('cpus:2;mem:100;cpus(r):1'));
  q.subtract(R('cpus:5;mem:40;disk:1'));
  t.is(q.toResources().toString(), 'mem(*):60; cpus(r):1');
  t.is(q.sumOf(resourceNameId('cpus')), 1000);
  const mem = [...R('mem:1')][0];
  t.is(q.amountOf(mem!.kind), 60000);
  t.false(q.isEmpty());
  q.subtract(R('mem:60;cpus(r):1'));
  t.true(q.isEmpty());
  t.true(q.toResources().isEmpty());
});
