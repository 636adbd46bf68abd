// Scheduler and operator call validation, framework subscription checks
// (src/master/validation.cpp, src/master/master.cpp Master::subscribe).

import test from 'ava';
import { mesos } from '../../proto/index.js';
import { parseRoleWhitelist } from '../../common/roles.js';
import {
  isValidFailoverTimeout,
  validateFrameworkAuthentication,
  validateFrameworkInfo,
  validateMasterCall,
  validateRegisterFramework,
  validateReregisterFramework,
  validateSchedulerCall,
  type FrameworkValidationContext,
} from '../../master/validation.js';
import { res, scalar, uuidBytes } from './validation-fixtures.js';

const T = mesos.scheduler.Call.Type;
type Call = mesos.scheduler.Call.$Properties;

const FID = { value: 'f1' };
const INFO: mesos.FrameworkInfo.$Properties = { user: 'alice', name: 'fw' };

const schedulerRows: Array<{ name: string; call: Call; principal?: string; error: string | undefined }> = [
  { name: 'type missing', call: { framework_id: FID }, error: "Expecting 'type' to be present" },
  { name: 'type not in the enum', call: { type: 99 as mesos.scheduler.Call.Type }, error: "Expecting 'type' to be present" },
  {
    name: 'required field missing',
    call: { type: T.SUBSCRIBE, subscribe: { framework_info: { name: 'fw' } as mesos.FrameworkInfo.$Properties } },
    error: 'Not initialized: subscribe.framework_info.user',
  },
  {
    name: 'several required fields missing',
    call: { type: T.KILL, framework_id: FID, kill: {} as mesos.scheduler.Call.Kill.$Properties },
    error: 'Not initialized: kill.task_id',
  },
  { name: 'SUBSCRIBE without subscribe', call: { type: T.SUBSCRIBE }, error: "Expecting 'subscribe' to be present" },
  { name: 'SUBSCRIBE first time', call: { type: T.SUBSCRIBE, subscribe: { framework_info: INFO } }, error: undefined },
  {
    name: 'SUBSCRIBE with framework_id but no info id',
    call: { type: T.SUBSCRIBE, framework_id: FID, subscribe: { framework_info: INFO } },
    error: "'framework_id' differs from 'subscribe.framework_info.id'",
  },
  {
    name: 'SUBSCRIBE with info id but no framework_id',
    call: { type: T.SUBSCRIBE, subscribe: { framework_info: { ...INFO, id: FID } } },
    error: "'framework_id' differs from 'subscribe.framework_info.id'",
  },
  {
    name: 'SUBSCRIBE with different ids',
    call: { type: T.SUBSCRIBE, framework_id: { value: 'f2' }, subscribe: { framework_info: { ...INFO, id: FID } } },
    error: "'framework_id' differs from 'subscribe.framework_info.id'",
  },
  {
    name: 'SUBSCRIBE re-subscribing',
    call: { type: T.SUBSCRIBE, framework_id: FID, subscribe: { framework_info: { ...INFO, id: FID } } },
    error: undefined,
  },
  {
    name: 'SUBSCRIBE principal differs from the authenticated one',
    call: { type: T.SUBSCRIBE, subscribe: { framework_info: { ...INFO, principal: 'bob' } } },
    principal: 'alice',
    error: "Authenticated principal 'alice' does not match principal 'bob' set in `FrameworkInfo`",
  },
  {
    name: 'SUBSCRIBE principal equal to the authenticated one',
    call: { type: T.SUBSCRIBE, subscribe: { framework_info: { ...INFO, principal: 'alice' } } },
    principal: 'alice',
    error: undefined,
  },
  {
    name: 'SUBSCRIBE without principal while authenticated',
    call: { type: T.SUBSCRIBE, subscribe: { framework_info: INFO } },
    principal: 'alice',
    error: undefined,
  },
  { name: 'TEARDOWN without framework_id', call: { type: T.TEARDOWN }, error: "Expecting 'framework_id' to be present" },
  { name: 'TEARDOWN', call: { type: T.TEARDOWN, framework_id: FID }, error: undefined },
  { name: 'REVIVE', call: { type: T.REVIVE, framework_id: FID }, error: undefined },
  { name: 'SUPPRESS', call: { type: T.SUPPRESS, framework_id: FID }, error: undefined },
  { name: 'UNKNOWN', call: { type: T.UNKNOWN, framework_id: FID }, error: undefined },
  { name: 'ACCEPT', call: { type: T.ACCEPT, framework_id: FID, accept: { offer_ids: [] } }, error: undefined },
  {
    name: 'ACKNOWLEDGE with a version-4 UUID',
    call: {
      type: T.ACKNOWLEDGE,
      framework_id: FID,
      acknowledge: { slave_id: { value: 'a' }, task_id: { value: 't' }, uuid: uuidBytes(4) },
    },
    error: undefined,
  },
  {
    name: 'ACKNOWLEDGE with 8 bytes',
    call: {
      type: T.ACKNOWLEDGE,
      framework_id: FID,
      acknowledge: { slave_id: { value: 'a' }, task_id: { value: 't' }, uuid: new Uint8Array(8) },
    },
    error: 'Not a valid UUID',
  },
  {
    name: 'ACKNOWLEDGE with an unknown UUID version',
    call: {
      type: T.ACKNOWLEDGE,
      framework_id: FID,
      acknowledge: { slave_id: { value: 'a' }, task_id: { value: 't' }, uuid: uuidBytes(0) },
    },
    error: 'Not a valid UUID',
  },
];

for (const [type, field] of [
  [T.ACCEPT, 'accept'],
  [T.DECLINE, 'decline'],
  [T.ACCEPT_INVERSE_OFFERS, 'accept_inverse_offers'],
  [T.DECLINE_INVERSE_OFFERS, 'decline_inverse_offers'],
  [T.KILL, 'kill'],
  [T.SHUTDOWN, 'shutdown'],
  [T.ACKNOWLEDGE, 'acknowledge'],
  [T.RECONCILE, 'reconcile'],
  [T.MESSAGE, 'message'],
  [T.REQUEST, 'request'],
] as const) {
  schedulerRows.push({
    name: `${mesos.scheduler.Call.Type[type]} without ${field}`,
    call: { type, framework_id: FID },
    error: `Expecting '${field}' to be present`,
  });
}

for (const row of schedulerRows) {
  test(`scheduler call: ${row.name}`, (t) => {
    t.is(validateSchedulerCall(row.call, row.principal), row.error);
  });
}

test('scheduler call: decoded protobuf messages (defaults read through the prototype)', (t) => {
  const decode = (call: Call): Call => mesos.scheduler.Call.decode(mesos.scheduler.Call.encode(call).finish());
  t.is(validateSchedulerCall(decode({ type: T.REVIVE })), "Expecting 'framework_id' to be present");
  t.is(validateSchedulerCall(decode({ framework_id: FID })), "Expecting 'type' to be present");
  t.is(validateSchedulerCall(decode({ type: T.SUBSCRIBE, subscribe: { framework_info: INFO } }), 'p'), undefined);
  t.is(validateSchedulerCall(decode({ type: T.KILL, framework_id: FID })), "Expecting 'kill' to be present");
});

const M = mesos.master.Call.Type;
const masterRows: Array<{ name: string; call: mesos.master.Call.$Properties; error: string | undefined }> = [
  { name: 'type missing', call: {}, error: "Expecting 'type' to be present" },
  { name: 'GET_HEALTH', call: { type: M.GET_HEALTH }, error: undefined },
  { name: 'GET_METRICS without get_metrics', call: { type: M.GET_METRICS }, error: "Expecting 'get_metrics' to be present" },
  { name: 'SET_QUOTA without set_quota', call: { type: M.SET_QUOTA }, error: "Expecting 'set_quota' to be present" },
  {
    name: 'RESERVE_RESOURCES with valid resources',
    call: { type: M.RESERVE_RESOURCES, reserve_resources: { slave_id: { value: 'a' }, resources: res('cpus:1', 'r') } },
    error: undefined,
  },
  {
    name: 'RESERVE_RESOURCES with a negative scalar',
    call: { type: M.RESERVE_RESOURCES, reserve_resources: { slave_id: { value: 'a' }, resources: [scalar('cpus', -1)] } },
    error: "Resource 'cpus(*):-1' is invalid: Invalid scalar resource: value < 0",
  },
  {
    name: 'UNRESERVE_RESOURCES without slave_id',
    call: { type: M.UNRESERVE_RESOURCES, unreserve_resources: { resources: [] } as unknown as mesos.master.Call.UnreserveResources.$Properties },
    error: 'Not initialized: unreserve_resources.slave_id',
  },
];

for (const row of masterRows) {
  test(`operator call: ${row.name}`, (t) => {
    t.is(validateMasterCall(row.call), row.error);
  });
}

const context = (extra: Partial<FrameworkValidationContext> = {}): FrameworkValidationContext => ({
  rootSubmissions: true,
  isCompletedFramework: (id) => id === 'done',
  ...extra,
});

const frameworkRows: Array<{
  name: string;
  info: mesos.FrameworkInfo.$Properties;
  context?: Partial<FrameworkValidationContext>;
  error: string | undefined;
}> = [
  { name: 'defaults', info: INFO, error: undefined },
  { name: 'empty role', info: { ...INFO, role: '' }, error: 'Empty role name is invalid' },
  { name: 'role ..', info: { ...INFO, role: '..' }, error: "Role name '..' is invalid" },
  {
    name: 'role with a slash',
    info: { ...INFO, role: 'a/b' },
    error: "Role name 'a/b' is invalid because it contains slash, backspace or whitespace",
  },
  {
    name: 'role not whitelisted (Set)',
    info: { ...INFO, role: 'web' },
    context: { rolesWhitelist: new Set(['db']) },
    error: "Role 'web' is not present in the master's --roles",
  },
  {
    name: 'role not whitelisted (parsed --roles)',
    info: { ...INFO, role: 'web' },
    context: { rolesWhitelist: parseRoleWhitelist('db') },
    error: "Role 'web' is not present in the master's --roles",
  },
  { name: 'role whitelisted', info: { ...INFO, role: 'db' }, context: { rolesWhitelist: new Set(['db']) }, error: undefined },
  { name: 'role * always whitelisted', info: INFO, context: { rolesWhitelist: new Set(['db']) }, error: undefined },
  {
    name: 'root without --root_submissions',
    info: { ...INFO, user: 'root' },
    context: { rootSubmissions: false },
    error: "User 'root' is not allowed to run frameworks without --root_submissions set",
  },
  { name: 'root with --root_submissions', info: { ...INFO, user: 'root' }, error: undefined },
  { name: 'completed framework id', info: { ...INFO, id: { value: 'done' } }, error: 'Framework has been removed' },
  { name: 'other framework id', info: { ...INFO, id: { value: 'live' } }, error: undefined },
  {
    name: 'failover timeout too large',
    info: { ...INFO, failover_timeout: 1e10 },
    error: 'The framework failover_timeout (1e+10) is invalid',
  },
  {
    name: 'failover timeout infinite',
    info: { ...INFO, failover_timeout: Infinity },
    error: 'The framework failover_timeout (inf) is invalid',
  },
  { name: 'failover timeout one week', info: { ...INFO, failover_timeout: 604800 }, error: undefined },
  {
    name: 'role checked before root',
    info: { ...INFO, user: 'root', role: '' },
    context: { rootSubmissions: false },
    error: 'Empty role name is invalid',
  },
];

for (const row of frameworkRows) {
  test(`framework info: ${row.name}`, (t) => {
    t.is(validateFrameworkInfo(row.info, context(row.context)), row.error);
  });
}

test('failover timeout: the int64 nanosecond range', (t) => {
  t.true(isValidFailoverTimeout(0));
  t.true(isValidFailoverTimeout(-1));
  t.true(isValidFailoverTimeout(9e9));
  t.false(isValidFailoverTimeout(9.3e9));
  t.false(isValidFailoverTimeout(-9.3e9));
  t.true(isValidFailoverTimeout(NaN));
});

const from = { toString: () => 'scheduler-1@10.0.0.1:5050' };
const authRows: Array<{
  name: string;
  info: mesos.FrameworkInfo.$Properties;
  authenticating?: boolean;
  authenticateFrameworks?: boolean;
  principal?: string;
  error: string | undefined;
}> = [
  { name: 'no authentication required', info: INFO, error: undefined },
  { name: 're-authenticating', info: INFO, authenticating: true, error: 'Re-authentication in progress' },
  {
    name: 'authentication required',
    info: INFO,
    authenticateFrameworks: true,
    error: 'Framework at scheduler-1@10.0.0.1:5050 is not authenticated',
  },
  { name: 'authenticated', info: INFO, authenticateFrameworks: true, principal: 'alice', error: undefined },
  {
    name: 'principal mismatch',
    info: { ...INFO, principal: 'bob' },
    principal: 'alice',
    error: "Framework principal 'bob' does not match authenticated principal 'alice'",
  },
  { name: 'principal without authentication', info: { ...INFO, principal: 'bob' }, error: undefined },
];

for (const row of authRows) {
  test(`framework authentication: ${row.name}`, (t) => {
    const error = validateFrameworkAuthentication(row.info, {
      from,
      authenticating: row.authenticating ?? false,
      authenticateFrameworks: row.authenticateFrameworks ?? false,
      authenticatedPrincipal: row.principal,
    });
    t.is(error, row.error);
  });
}

test('register / reregister framework messages', (t) => {
  t.is(validateRegisterFramework(INFO), undefined);
  t.is(validateRegisterFramework({ ...INFO, id: { value: '' } }), undefined);
  t.is(validateRegisterFramework({ ...INFO, id: FID }), "Registering with 'id' already set");
  t.is(validateReregisterFramework(INFO), "Re-registering without an 'id'");
  t.is(validateReregisterFramework({ ...INFO, id: { value: '' } }), "Re-registering without an 'id'");
  t.is(validateReregisterFramework({ ...INFO, id: FID }), undefined);
});
