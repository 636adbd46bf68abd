// Offer validation and RESERVE / UNRESERVE / CREATE / DESTROY validation
// (src/master/validation.cpp validation::offer and validation::operation; cases
// after src/tests/master_validation_tests.cpp).

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { Resources } from '../../common/resources.js';
import {
  validateAcceptInverseOffers,
  validateAcceptOffers,
  validateCreate,
  validateDestroy,
  validateInverseOffers,
  validateOffers,
  validateOperation,
  validateReserve,
  validateUnreserve,
  type OfferOwner,
} from '../../master/validation.js';
import { res, reserved, volume } from './validation-fixtures.js';

const offers = new Map<string, OfferOwner>([
  ['o1', { frameworkId: 'f1', agentId: 'a1' }],
  ['o2', { frameworkId: 'f1', agentId: 'a1' }],
  ['o3', { frameworkId: 'f1', agentId: 'a2' }],
  ['o4', { frameworkId: 'f2', agentId: 'a1' }],
  ['o5', { frameworkId: 'f1', agentId: 'gone' }],
  ['o6', { frameworkId: 'f1', agentId: 'down' }],
]);
const inverseOffers = new Map<string, OfferOwner>([
  ['i1', { frameworkId: 'f1', agentId: 'a1' }],
  ['i2', { frameworkId: 'f2', agentId: 'a1' }],
]);
const agents = new Map([
  ['a1', { connected: true }],
  ['a2', { connected: true }],
  ['down', { connected: false }],
]);
const getOffer = (id: string): OfferOwner | undefined => offers.get(id);
const getInverse = (id: string): OfferOwner | undefined => inverseOffers.get(id);
const getAgent = (id: string): { connected: boolean } | undefined => agents.get(id);

const offerRows: Array<{ name: string; ids: string[]; error: string | undefined }> = [
  { name: 'one offer', ids: ['o1'], error: undefined },
  { name: 'two offers on one agent', ids: ['o1', 'o2'], error: undefined },
  { name: 'no offers', ids: [], error: 'No offers specified' },
  { name: 'duplicate', ids: ['o1', 'o1'], error: 'Duplicate offer o1 in offer list' },
  { name: 'duplicate checked before existence', ids: ['x', 'x'], error: 'Duplicate offer x in offer list' },
  { name: 'unknown offer', ids: ['o1', 'x'], error: 'Offer x is no longer valid' },
  { name: 'inverse offer id', ids: ['i1'], error: 'Offer i1 is no longer valid' },
  {
    name: "another framework's offer",
    ids: ['o1', 'o4'],
    error: 'Offer o4 has invalid framework f2 while framework f1 is expected',
  },
  {
    name: 'offers on two agents',
    ids: ['o1', 'o3'],
    error: 'Aggregated offers must belong to one single agent. Offer o3 uses agent a2 and agent a1',
  },
  { name: 'offer of a removed agent', ids: ['o5'], error: 'Offer o5 outlived agent gone' },
  { name: 'offer of a disconnected agent', ids: ['o6'], error: 'Offer o6 outlived disconnected agent down' },
];

for (const row of offerRows) {
  test(`offers: ${row.name}`, (t) => {
    t.is(validateAcceptOffers(row.ids, 'f1', getOffer, getAgent), row.error);
  });
}

test('offers: OfferID messages and plain ids are the same', (t) => {
  t.is(validateOffers([{ value: 'o1' }, { value: 'o1' }], 'f1', getOffer, getAgent), 'Duplicate offer o1 in offer list');
  t.is(validateOffers([{ value: 'o1' }, 'o2'], 'f1', getOffer, getAgent), undefined);
});

test('inverse offers', (t) => {
  t.is(validateAcceptInverseOffers([], 'f1', getInverse, getAgent), 'No inverse offers specified');
  t.is(validateAcceptInverseOffers(['i1'], 'f1', getInverse, getAgent), undefined);
  t.is(validateInverseOffers(['o1'], 'f1', getInverse, getAgent), 'Inverse offer o1 is no longer valid');
  t.is(
    validateInverseOffers(['i2'], 'f1', getInverse, getAgent),
    'Offer i2 has invalid framework f2 while framework f1 is expected',
  );
});

type Reserve = mesos.Offer.Operation.Reserve.$Properties;
const reserveRows: Array<{ name: string; reserve: Reserve; principal?: string; error: string | undefined }> = [
  { name: 'matching principal', reserve: { resources: reserved('cpus:8', 'role', 'principal') }, principal: 'principal', error: undefined },
  { name: 'no framework principal', reserve: { resources: reserved('cpus:8', 'role', 'anyone') }, error: undefined },
  {
    name: 'reservation for *',
    reserve: { resources: res('cpus:8').map((r) => ({ ...r, reservation: { principal: 'principal' } })) },
    principal: 'principal',
    error:
      "Invalid resources: Invalid resources: Resource 'cpus(*, principal):8' is invalid: " +
      'Invalid reservation: role "*" cannot be dynamically reserved',
  },
  {
    name: 'other principal',
    reserve: { resources: reserved('cpus:8', 'role', 'principal2') },
    principal: 'principal1',
    error:
      "A reserve operation was attempted by principal 'principal1', but there is a reserved resource " +
      "in the request with principal 'principal2' set in `ReservationInfo`",
  },
  {
    name: 'reservation without principal',
    reserve: { resources: reserved('cpus:8', 'role') },
    principal: 'principal',
    error:
      "A reserve operation was attempted by principal 'principal', but there is a reserved resource " +
      'in the request with no principal set in `ReservationInfo`',
  },
  {
    name: 'static reservation',
    reserve: { resources: res('cpus:8', 'role') },
    principal: 'principal',
    error: 'Resource cpus(role):8 is not dynamically reserved',
  },
  {
    name: 'persistent volume',
    reserve: { resources: [...reserved('cpus:8', 'role', 'principal'), volume('id1', { role: 'role', principal: 'principal' })] },
    principal: 'principal',
    error: 'A persistent volume disk(role, principal)[id1:path1]:64 must already be reserved',
  },
];

for (const row of reserveRows) {
  test(`reserve: ${row.name}`, (t) => {
    t.is(validateReserve(row.reserve, row.principal), row.error);
  });
}

const unreserveRows: Array<{ name: string; resources: mesos.Resource.$Properties[]; error: string | undefined }> = [
  { name: 'dynamically reserved', resources: reserved('cpus:8', 'role', 'principal'), error: undefined },
  { name: 'reservation without principal', resources: reserved('cpus:8', 'role'), error: undefined },
  { name: 'static reservation', resources: res('cpus:8', 'role'), error: 'Resource cpus(role):8 is not dynamically reserved' },
  {
    name: 'persistent volume',
    resources: [...reserved('cpus:8', 'role', 'p'), volume('id1', { role: 'role', principal: 'p' })],
    error:
      'A dynamically reserved persistent volume disk(role, p)[id1:path1]:64 cannot be unreserved directly. ' +
      'Please destroy the persistent volume first then unreserve the resource',
  },
];

for (const row of unreserveRows) {
  test(`unreserve: ${row.name}`, (t) => {
    t.is(validateUnreserve({ resources: row.resources }), row.error);
  });
}

const NONE = Resources.EMPTY;
const createRows: Array<{
  name: string;
  volumes: mesos.Resource.$Properties[];
  checkpointed?: Resources;
  principal?: string;
  error: string | undefined;
}> = [
  { name: 'persistent volume', volumes: [volume('id1')], error: undefined },
  {
    name: 'not a volume',
    volumes: [volume('id1'), ...res('cpus:2')],
    error: 'Not a persistent volume: Resource cpus(*):2 does not have DiskInfo',
  },
  {
    name: 'invalid volume',
    volumes: [volume('id1', { role: '*' })],
    error: 'Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources',
  },
  {
    name: 'id already checkpointed',
    volumes: [volume('id1', { size: 32 })],
    checkpointed: Resources.fromProto([volume('id1')]),
    error: "Persistence ID 'id1' is not unique",
  },
  { name: 'duplicate ids', volumes: [volume('id1'), volume('id1', { size: 32 })], error: "Persistence ID 'id1' is not unique" },
  {
    name: 'same id in another role',
    volumes: [volume('id1', { role: 'role2' })],
    checkpointed: Resources.fromProto([volume('id1')]),
    error: undefined,
  },
  {
    name: 'other principal',
    volumes: [volume('id1', { volumePrincipal: 'principal' })],
    principal: 'other-principal',
    error:
      "Create volume operation has been attempted by principal 'other-principal', but there is a volume " +
      "in the operation with principal 'principal' set in 'DiskInfo.Persistence'",
  },
  {
    name: 'no volume principal',
    volumes: [volume('id1')],
    principal: 'principal',
    error:
      "Create volume operation has been attempted by principal 'principal', but there is a volume " +
      "in the operation with no principal set in 'DiskInfo.Persistence'",
  },
  { name: 'matching principal', volumes: [volume('id1', { volumePrincipal: 'p' })], principal: 'p', error: undefined },
];

for (const row of createRows) {
  test(`create: ${row.name}`, (t) => {
    t.is(validateCreate({ volumes: row.volumes }, row.checkpointed ?? NONE, row.principal), row.error);
  });
}

test('destroy', (t) => {
  const checkpointed = Resources.fromProto([volume('id1'), volume('id2', { size: 32, path: 'path2' })]);
  t.is(validateDestroy({ volumes: [volume('id1')] }, checkpointed), undefined);
  t.is(
    validateDestroy({ volumes: [volume('id1'), ...res('cpus:2')] }, checkpointed),
    'Not a persistent volume: Resource cpus(*):2 does not have DiskInfo',
  );
  t.is(validateDestroy({ volumes: [volume('id1')] }, NONE), 'Persistent volumes not found');
  t.is(validateDestroy({ volumes: [volume('id1', { size: 128 })] }, checkpointed), 'Persistent volumes not found');
});

test('validateOperation dispatches by type', (t) => {
  const Type = mesos.Offer.Operation.Type;
  const context = { principal: 'p', checkpointedResources: NONE };
  t.is(validateOperation({ type: Type.LAUNCH, launch: { task_infos: [] } }, context), undefined);
  t.is(
    validateOperation({ type: Type.RESERVE, reserve: { resources: res('cpus:1', 'r') } }, context),
    'Resource cpus(r):1 is not dynamically reserved',
  );
  t.is(
    validateOperation({ type: Type.UNRESERVE, unreserve: { resources: res('cpus:1', 'r') } }, context),
    'Resource cpus(r):1 is not dynamically reserved',
  );
  t.is(
    validateOperation({ type: Type.CREATE, create: { volumes: [volume('id1')] } }, context),
    "Create volume operation has been attempted by principal 'p', but there is a volume in the operation " +
      "with no principal set in 'DiskInfo.Persistence'",
  );
  t.is(validateOperation({ type: Type.DESTROY, destroy: { volumes: [volume('id1')] } }, context), 'Persistent volumes not found');
});
