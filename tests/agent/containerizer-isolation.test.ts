import test from 'ava';
import {
  IsolationError,
  IsolatorBase,
  MesosContainerizer,
  createIsolators,
  defaultIsolatorRegistry,
  resolveIsolation,
} from '../../agent/containerizer/index.js';
import { flagsFor } from './containerizer-helpers.js';

const names = (isolation: string, extra = {}): string[] =>
  createIsolators({ ...flagsFor('/tmp/unused'), isolation, ...extra }, defaultIsolatorRegistry(), 'linux').map(
    (i) => i.name,
  );

test('the default isolation adds filesystem/posix first and network/cni on Linux', (t) => {
  t.deepEqual(names('posix/cpu,posix/mem'), ['filesystem/posix', 'posix/cpu', 'posix/mem', 'network/cni']);
  t.deepEqual(resolveIsolation('posix/cpu', 'darwin'), ['posix/cpu', 'filesystem/posix']);
});

test('deprecated `process` means posix/cpu,posix/mem', (t) => {
  t.deepEqual(names('process'), ['filesystem/posix', 'posix/cpu', 'posix/mem', 'network/cni']);
});

test('an explicit filesystem isolator is moved to the front', (t) => {
  t.deepEqual(names('posix/mem,filesystem/posix'), ['filesystem/posix', 'posix/mem', 'network/cni']);
});

test('unknown isolators are refused, naming the isolator and the flag value', (t) => {
  const error = t.throws(() => names('posix/cpu,foo/bar'), { instanceOf: IsolationError });
  t.is(error.message, "Failed to create isolator 'foo/bar': Unknown or unsupported isolator (--isolation=posix/cpu,foo/bar)");
  t.is(error.flagValue, 'posix/cpu,foo/bar');
});

test('isolators Mesos has but this build lacks say so', (t) => {
  t.throws(() => names('cgroups/cpu,cgroups/mem'), {
    message: "Failed to create isolator 'cgroups/cpu': Not supported by this build (--isolation=cgroups/cpu,cgroups/mem)",
  });
  t.throws(() => names('cgroups'), { message: /Failed to create isolator 'cgroups\/cpu'.*--isolation=cgroups\)$/ });
});

test('duplicates and posix/disk with disk/du are refused', (t) => {
  t.throws(() => names('posix/cpu,posix/cpu'), {
    message:
      "Duplicate entries found in --isolation flag '[ posix/cpu, posix/cpu, filesystem/posix, network/cni ]'" +
      ' (--isolation=posix/cpu,posix/cpu)',
  });
  t.throws(() => names('posix/disk,disk/du'), {
    message: "Using 'posix/disk' and 'disk/du' simultaneously is disallowed (--isolation=posix/disk,disk/du)",
  });
});

test('CNI networks cannot be configured in this build', (t) => {
  t.throws(() => names('posix/cpu', { network_cni_config_dir: '/etc/cni' }), {
    message: /Failed to create isolator 'network\/cni': CNI networks .* are not supported by this build/,
  });
});

test('new isolators plug in through the registry', (t) => {
  class Custom extends IsolatorBase {
    readonly name = 'custom/thing';
  }
  const registry = defaultIsolatorRegistry().register('custom/thing', () => new Custom());
  const isolators = createIsolators({ ...flagsFor('/tmp/unused'), isolation: 'custom/thing' }, registry, 'linux');
  t.deepEqual(
    isolators.map((i) => i.name),
    ['filesystem/posix', 'custom/thing', 'network/cni'],
  );
});

test('MesosContainerizer.create() reports bad --isolation, --launcher and --container_logger', (t) => {
  t.throws(() => MesosContainerizer.create(flagsFor('/tmp/unused', { isolation: 'nope' })), { instanceOf: IsolationError });
  t.throws(() => MesosContainerizer.create(flagsFor('/tmp/unused', { launcher: 'linux' })), {
    message: /The 'linux' launcher is not supported by this build/,
  });
  t.throws(() => MesosContainerizer.create(flagsFor('/tmp/unused', { launcher: 'windows' })), {
    message: 'Failed to create launcher: Unknown or unsupported launcher: windows',
  });
  t.throws(() => MesosContainerizer.create(flagsFor('/tmp/unused', { container_logger: 'org_x_Logger' })), {
    message: /--container_logger=org_x_Logger/,
  });
  t.deepEqual(MesosContainerizer.create(flagsFor('/tmp/unused', { launcher: 'posix' })).isolatorNames.slice(0, 3), [
    'filesystem/posix',
    'posix/cpu',
    'posix/mem',
  ]);
});
