// DRF sorter order; cases re-expressed from Mesos 1.0's src/tests/sorter_tests.cpp
// plus the tie-breaking and snapshot rules of sorter.cpp.

import test from 'ava';
import { Resources } from '../../common/resources.js';
import { DRFSorter } from '../../master/allocator/sorter.js';

const R = (text: string): Resources => Resources.parse(text);
const AGENT = 'agent';

test('DRF order follows dominant shares as clients and totals change', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:100;mem:100'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:5;mem:5'));
  sorter.add('b');
  sorter.allocated('b', AGENT, R('cpus:6;mem:6'));
  t.deepEqual(sorter.sortedNames(), ['a', 'b']);

  sorter.add('c');
  sorter.allocated('c', AGENT, R('cpus:1;mem:1'));
  sorter.add('d');
  sorter.allocated('d', AGENT, R('cpus:3;mem:1'));
  // a = .05, b = .06, c = .01, d = .03
  t.deepEqual(sorter.sortedNames(), ['c', 'd', 'a', 'b']);

  sorter.remove('a');
  sorter.unallocated('b', AGENT, R('cpus:4;mem:4'));
  // b = .02, c = .01, d = .03
  t.deepEqual(sorter.sortedNames(), ['c', 'b', 'd']);

  sorter.add('e');
  sorter.allocated('e', AGENT, R('cpus:1;mem:5'));
  sorter.removeTotal(R('cpus:50'));
  // total cpus 50, mem 100: b = .04, c = .02, d = .06, e = .05
  t.deepEqual(sorter.sortedNames(), ['c', 'b', 'e', 'd']);

  sorter.addTotal(R('mem:100'));
  sorter.add('f');
  sorter.allocated('f', AGENT, R('cpus:5;mem:1'));
  sorter.allocated('c', AGENT, R('mem:15'));
  // total cpus 50, mem 200: b = .04, c = .08, d = .06, e = .025, f = .1
  t.deepEqual(sorter.sortedNames(), ['e', 'b', 'd', 'c', 'f']);
  t.true(sorter.contains('b'));
  t.false(sorter.contains('a'));
  t.is(sorter.count(), 5);

  sorter.deactivate('d');
  t.true(sorter.contains('d'));
  t.deepEqual(sorter.sortedNames(), ['e', 'b', 'c', 'f']);
  t.is(sorter.count(), 5);
  sorter.activate('d');
  t.deepEqual(sorter.sortedNames(), ['e', 'b', 'd', 'c', 'f']);
  t.is(sorter.share('c'), 0.08);
});

test('weighted DRF divides shares by weight', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:100;mem:100'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:5;mem:5'));
  sorter.add('b', 2);
  sorter.allocated('b', AGENT, R('cpus:6;mem:6'));
  // a = .05, b = .03
  t.deepEqual(sorter.sortedNames(), ['b', 'a']);
  sorter.add('c');
  sorter.allocated('c', AGENT, R('cpus:4;mem:4'));
  t.deepEqual(sorter.sortedNames(), ['b', 'c', 'a']);
  sorter.add('d', 10);
  sorter.allocated('d', AGENT, R('cpus:10;mem:20'));
  // d = .02
  t.deepEqual(sorter.sortedNames(), ['d', 'b', 'c', 'a']);
  sorter.remove('b');
  t.deepEqual(sorter.sortedNames(), ['d', 'c', 'a']);
  sorter.allocated('d', AGENT, R('cpus:10;mem:25'));
  // d = .045
  t.deepEqual(sorter.sortedNames(), ['c', 'd', 'a']);
  sorter.add('e', 0.1);
  sorter.allocated('e', AGENT, R('cpus:1;mem:1'));
  // e = .1
  t.deepEqual(sorter.sortedNames(), ['c', 'd', 'a', 'e']);
  sorter.remove('a');
  t.deepEqual(sorter.sortedNames(), ['c', 'd', 'e']);
});

test('updating a weight reorders', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:100;mem:100'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:5;mem:5'));
  sorter.add('b');
  sorter.allocated('b', AGENT, R('cpus:6;mem:6'));
  t.deepEqual(sorter.sortedNames(), ['a', 'b']);
  sorter.updateWeight('b', 2);
  t.deepEqual(sorter.sortedNames(), ['b', 'a']);
});

test('ties: fewer allocations first, then name order', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:10'));
  for (const name of ['c', 'a', 'b', 'aa']) sorter.add(name);
  t.deepEqual(sorter.sortedNames(), ['a', 'aa', 'b', 'c']);
  // Allocating nothing scalar still counts as an allocation.
  sorter.allocated('a', AGENT, R('ports:[1-2]'));
  t.deepEqual(sorter.sortedNames(), ['aa', 'b', 'c', 'a']);
  sorter.allocated('c', AGENT, R('cpus:1'));
  sorter.allocated('aa', AGENT, R('ports:[3-4]'));
  t.deepEqual(sorter.sortedNames(), ['b', 'a', 'aa', 'c']);
  // Deactivation forgets the allocation count.
  sorter.deactivate('a');
  sorter.activate('a');
  t.deepEqual(sorter.sortedNames(), ['a', 'b', 'aa', 'c']);
  t.is(sorter.sort().at(1).allocations, 0);
  t.is(sorter.sort().at(2).allocations, 1);
});

test('the share is the maximum over resource names, across roles and attributes', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:10;mem:100;cpus(r):10;disk:1000'));
  sorter.add('x');
  sorter.allocated('x', AGENT, R('cpus(r):4;mem:10'));
  t.is(sorter.share('x'), 0.2);
  sorter.add('y');
  sorter.allocated('y', AGENT, R('disk:300'));
  t.deepEqual(sorter.sortedNames(), ['x', 'y']);
  t.is(sorter.totalScalarQuantities().toString(), 'cpus(*):10; mem(*):100; cpus(r):10; disk(*):1000');
  t.is(sorter.allocationScalarQuantities('x').toString(), 'cpus(r):4; mem(*):10');
});

test('reading a share between changes does not hide a total change from the next sort', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:10;mem:100'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:2'));
  sorter.add('b');
  sorter.allocated('b', AGENT, R('mem:30'));
  t.deepEqual(sorter.sortedNames(), ['a', 'b']);
  sorter.addTotal(R('mem:200'));
  t.is(sorter.share('b'), 0.1);
  t.deepEqual(sorter.sortedNames(), ['b', 'a']);
});

test('a lone client is ordered without bookkeeping, which catches up when another arrives', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:10'));
  sorter.add('b');
  for (let i = 0; i < 3; i++) {
    sorter.allocated('b', AGENT, R('cpus:1'));
    t.deepEqual(sorter.sortedNames(), ['b']);
  }
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:4'));
  t.deepEqual(sorter.sortedNames(), ['b', 'a']);
  t.is(sorter.sort().at(0).allocations, 3);
  sorter.deactivate('b');
  sorter.unallocated('a', AGENT, R('cpus:4'));
  t.deepEqual(sorter.sortedNames(), ['a']);
  sorter.activate('b');
  t.deepEqual(sorter.sortedNames(), ['a', 'b']);
});

test('excluded resource names do not count for fairness', (t) => {
  const sorter = new DRFSorter({ excludedResourceNames: ['gpus'] });
  sorter.addTotal(R('cpus:10;gpus:2'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:1;gpus:2'));
  sorter.add('b');
  sorter.allocated('b', AGENT, R('cpus:2'));
  t.deepEqual(sorter.sortedNames(), ['a', 'b']);
  t.is(sorter.share('a'), 0.1);
});

test('names with a zero total are ignored', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:10'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('mem:100'));
  t.is(sorter.share('a'), 0);
});

test('allocations per agent are tracked and updated', (t) => {
  const sorter = new DRFSorter();
  sorter.add('a');
  sorter.allocated('a', 'a1', R('cpus:1'));
  sorter.allocated('a', 'a1', R('mem:10'));
  sorter.allocated('a', 'a2', R('cpus:2'));
  t.is(sorter.allocationOn('a', 'a1').toString(), 'cpus(*):1; mem(*):10');
  t.deepEqual([...sorter.allocation('a').keys()], ['a1', 'a2']);
  sorter.unallocated('a', 'a2', R('cpus:2'));
  t.deepEqual([...sorter.allocation('a').keys()], ['a1']);
  sorter.update('a', 'a1', R('cpus:1'), R('cpus:1;disk:5'));
  t.is(sorter.allocationOn('a', 'a1').toString(), 'mem(*):10; cpus(*):1; disk(*):5');
  t.is(sorter.allocationScalarQuantities('a').toString(), 'mem(*):10; cpus(*):1; disk(*):5');
  t.throws(() => sorter.update('a', 'a1', R('cpus:9'), R('cpus:1')), { message: /does not have/ });
  t.deepEqual([...sorter.allocationsOn('a1').keys()], ['a']);
  t.throws(() => sorter.allocated('nobody', 'a1', R('cpus:1')), { message: "Unknown client 'nobody'" });
  t.throws(() => sorter.add('a'), { message: "Client 'a' already exists" });
});

test('an order keeps its sequence while the caller allocates; the next sort sees the changes', (t) => {
  const sorter = new DRFSorter<string>();
  sorter.addTotal(R('cpus:100'));
  for (const name of ['a', 'b', 'c']) sorter.add(name, 1, `data-${name}`);
  const order = sorter.sort();
  t.is(order.length, 3);
  t.is(order.at(0).name, 'a');
  t.is(order.at(0).data, 'data-a');
  sorter.allocated('a', AGENT, R('cpus:50'));
  sorter.addTotal(R('cpus:100'));
  t.deepEqual([...order].map((c) => c.name), ['a', 'b', 'c']);
  const next = sorter.sort();
  t.deepEqual(next.names(), ['b', 'c', 'a']);
  t.throws(() => order.at(5), { instanceOf: RangeError });
  // An unchanged sorter returns the same order.
  t.is(sorter.sort(), next);
});

test('an order read lazily after a later sort() is refused', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:100'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('cpus:1'));
  sorter.add('b');
  const old = sorter.sort();
  sorter.allocated('b', AGENT, R('cpus:5'));
  sorter.sort();
  t.throws(() => old.at(1), { message: /used after a later sort/ });
});

test('classes tied on share interleave by allocations and name', (t) => {
  const sorter = new DRFSorter();
  sorter.addTotal(R('cpus:100;mem:100'));
  // Different vectors, same dominant share (.1).
  sorter.add('b');
  sorter.allocated('b', AGENT, R('cpus:10'));
  sorter.add('a');
  sorter.allocated('a', AGENT, R('mem:10'));
  sorter.add('c');
  sorter.allocated('c', AGENT, R('cpus:10;mem:5'));
  sorter.add('d');
  sorter.allocated('d', AGENT, R('cpus:5'));
  sorter.allocated('d', AGENT, R('cpus:5'));
  t.deepEqual(sorter.sortedNames(), ['a', 'b', 'c', 'd']);
});

// A straightforward sort by Mesos's rule, to compare against.
function reference(sorter: DRFSorter, names: string[], allocations: Map<string, number>): string[] {
  return [...names].sort((x, y) => {
    const sx = sorter.share(x);
    const sy = sorter.share(y);
    if (sx !== sy) return sx - sy;
    const cx = allocations.get(x) ?? 0;
    const cy = allocations.get(y) ?? 0;
    if (cx !== cy) return cx - cy;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

test('random operations give the order of a plain sort by (share, allocations, name)', (t) => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const sorter = new DRFSorter();
  const active = new Set<string>();
  const counts = new Map<string, number>();
  const held = new Map<string, Resources[]>();
  sorter.addTotal(R('cpus:64;mem:65536;disk:100000'));
  const pieces = [R('cpus:1;mem:1024'), R('cpus:2'), R('mem:4096'), R('disk:500;cpus:1'), R('ports:[1-2]')];
  for (let step = 0; step < 3000; step++) {
    const name = `f${random(12)}`;
    const op = random(10);
    if (!sorter.contains(name)) {
      sorter.add(name);
      active.add(name);
      counts.set(name, 0);
      held.set(name, []);
    } else if (op < 5) {
      const piece = pieces[random(pieces.length)] as Resources;
      sorter.allocated(name, `a${random(3)}`, piece);
      if (active.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
      held.get(name)?.push(piece);
    } else if (op < 7) {
      const list = held.get(name) ?? [];
      const piece = list.pop();
      if (piece !== undefined) {
        const agent = [...sorter.allocation(name)].find(([, r]) => r.contains(piece))?.[0];
        if (agent !== undefined) sorter.unallocated(name, agent, piece);
      }
    } else if (op === 7) {
      if (active.has(name)) {
        sorter.deactivate(name);
        active.delete(name);
      } else {
        sorter.activate(name);
        active.add(name);
        counts.set(name, 0);
      }
    } else if (op === 8) {
      if (random(2) === 0) sorter.addTotal(R('cpus:8;mem:8192'));
      else sorter.removeTotal(R('cpus:4'));
    } else if (random(20) === 0) {
      sorter.remove(name);
      active.delete(name);
    }
    if (step % 7 === 0) {
      t.deepEqual(sorter.sortedNames(), reference(sorter, [...active], counts), `step ${step}`);
    }
  }
});
