// validation::resource::validate and its helpers (src/master/validation.cpp;
// cases after src/tests/master_validation_tests.cpp ResourceValidationTest).

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import {
  validateFrameworkResources,
  validatePersistentVolume,
  validateUniquePersistenceID,
} from '../../master/validation.js';
import { res, reserved, scalar, volume, type Resource } from './validation-fixtures.js';

const rows: Array<{ name: string; resources: Resource[]; error: string | undefined }> = [
  { name: 'unreserved', resources: res('cpus:8;mem:1024;ports:[31000-32000]'), error: undefined },
  { name: 'static reservation', resources: res('cpus:8', 'role'), error: undefined },
  { name: 'dynamic reservation', resources: reserved('cpus:8', 'role', 'principal'), error: undefined },
  {
    name: 'negative scalar',
    resources: [scalar('cpus', -1)],
    error: "Invalid resources: Resource 'cpus(*):-1' is invalid: Invalid scalar resource: value < 0",
  },
  {
    name: 'dynamic reservation for *',
    resources: [scalar('cpus', 8, { reservation: { principal: 'principal' } })],
    error:
      "Invalid resources: Resource 'cpus(*, principal):8' is invalid: " +
      'Invalid reservation: role "*" cannot be dynamically reserved',
  },
  { name: 'whole gpus', resources: res('gpus:2'), error: undefined },
  {
    name: 'fractional gpus',
    resources: res('gpus:0.5'),
    error: "Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer",
  },
  {
    name: 'fractional gpus summed over roles',
    resources: [...res('gpus:1.5'), ...res('gpus:1', 'role')],
    error: "Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer",
  },
  {
    name: 'revocable dynamic reservation',
    resources: [scalar('cpus', 8, { role: 'role', reservation: { principal: 'p' }, revocable: {} })],
    error:
      'Invalid ReservationInfo: Dynamically reserved resource cpus(role, p){REV}:8 ' +
      'cannot be created from revocable resources',
  },
  { name: 'persistent volume', resources: [volume('id1')], error: undefined },
  {
    name: 'persistent volume on unreserved disk',
    resources: [volume('id1', { role: '*' })],
    error: 'Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources',
  },
  {
    name: 'revocable persistent volume',
    resources: [{ ...volume('id1'), revocable: {} }],
    error: 'Invalid DiskInfo: Persistent volumes cannot be created from revocable resources',
  },
  {
    name: 'persistence id with a slash',
    resources: [volume('id1/')],
    error: "Invalid DiskInfo: Persistence ID 'id1/' contains invalid characters",
  },
  {
    name: 'persistence id with a backslash',
    resources: [volume('id\\1')],
    error: "Invalid DiskInfo: Persistence ID 'id\\1' contains invalid characters",
  },
  {
    name: 'persistent volume without volume',
    resources: [{ ...scalar('disk', 64, { role: 'role1' }), disk: { persistence: { id: 'id1' } } }],
    error: "Invalid DiskInfo: Expecting 'volume' to be set for persistent volume",
  },
  {
    name: 'read-only persistent volume',
    resources: [
      {
        ...scalar('disk', 64, { role: 'role1' }),
        disk: { persistence: { id: 'id1' }, volume: { container_path: 'p', mode: mesos.Volume.Mode.RO } },
      },
    ],
    error: 'Invalid DiskInfo: Read-only persistent volume not supported',
  },
  {
    name: 'persistent volume with host_path',
    resources: [
      {
        ...scalar('disk', 64, { role: 'role1' }),
        disk: {
          persistence: { id: 'id1' },
          volume: { container_path: 'p', host_path: 'foo', mode: mesos.Volume.Mode.RW },
        },
      },
    ],
    error: "Invalid DiskInfo: Expecting 'host_path' to be unset for persistent volume",
  },
  {
    name: 'non-persistent volume',
    resources: [
      {
        ...scalar('disk', 64, { role: 'role1' }),
        disk: { volume: { container_path: 'p', mode: mesos.Volume.Mode.RW } },
      },
    ],
    error: 'Invalid DiskInfo: Non-persistent volume not supported',
  },
  {
    name: 'empty DiskInfo',
    resources: [{ ...scalar('disk', 64, { role: 'role1' }), disk: {} }],
    error: 'Invalid DiskInfo: DiskInfo is set but empty',
  },
  {
    name: 'disk with a PATH source',
    resources: [
      {
        ...scalar('disk', 64, { role: 'role1' }),
        disk: { source: { type: mesos.Resource.DiskInfo.Source.Type.PATH, path: { root: '/mnt' } } },
      },
    ],
    error: undefined,
  },
];

for (const row of rows) {
  test(`resources: ${row.name}`, (t) => {
    t.is(validateFrameworkResources(row.resources), row.error);
  });
}

test('persistence ids are unique per role', (t) => {
  t.is(validateUniquePersistenceID([volume('id1'), volume('id2')]), undefined);
  t.is(validateUniquePersistenceID([volume('id1'), volume('id1', { size: 32 })]), "Persistence ID 'id1' is not unique");
  t.is(validateUniquePersistenceID([volume('id1'), volume('id1', { role: 'role2' })]), undefined);
  const checkpointed = Resources.fromProto([volume('id1')]);
  t.is(validateUniquePersistenceID(checkpointed.plus(Resources.fromProto([volume('id1')]))), "Persistence ID 'id1' is not unique");
});

test('every resource is a persistent volume', (t) => {
  t.is(validatePersistentVolume([volume('id1')]), undefined);
  t.is(validatePersistentVolume([volume('id1'), ...res('cpus:2')]), 'Resource cpus(*):2 does not have DiskInfo');
  t.is(
    validatePersistentVolume([{ ...scalar('disk', 64, { role: 'r' }), disk: { volume: { container_path: 'p', mode: 1 } } }]),
    "'persistence' is not set in DiskInfo",
  );
});
