// Role names, the --roles whitelist and --weights (src/common/roles.cpp,
// src/master/master.cpp Master::initialize).

import test from 'ava';
import {
  RoleError,
  isWhitelistedRole,
  parseRoleWhitelist,
  parseRoles,
  parseWeights,
  validateRole,
  validateRoles,
} from '../../common/roles.js';

const roles: Array<[string, string | undefined]> = [
  ['*', undefined],
  ['role', undefined],
  ['a.b-c_d', undefined],
  ['..a', undefined],
  ['', 'Empty role name is invalid'],
  ['.', "Role name '.' is invalid"],
  ['..', "Role name '..' is invalid"],
  ['-role', "Role name '-role' is invalid because it starts with a dash"],
  ['a/b', "Role name 'a/b' is invalid because it contains slash, backspace or whitespace"],
  ['a b', "Role name 'a b' is invalid because it contains slash, backspace or whitespace"],
  ['a\tb', "Role name 'a\tb' is invalid because it contains slash, backspace or whitespace"],
  ['a\x7fb', "Role name 'a\x7fb' is invalid because it contains slash, backspace or whitespace"],
];
for (const [role, error] of roles) {
  test(`validateRole(${JSON.stringify(role)})`, (t) => {
    t.is(validateRole(role), error);
  });
}

test('role lists', (t) => {
  t.is(validateRoles(['a', 'b']), undefined);
  t.is(validateRoles(['a', '.', '-x']), "Role name '.' is invalid");
  t.deepEqual(parseRoles('a,b,,c'), ['a', 'b', 'c']);
  t.throws(() => parseRoles('a,b c'), { instanceOf: RoleError });
});

test('--roles whitelist always allows *', (t) => {
  const whitelist = parseRoleWhitelist('dev,prod,dev');
  t.deepEqual([...whitelist.roles].sort(), ['*', 'dev', 'prod']);
  t.true(whitelist.duplicates);
  t.true(isWhitelistedRole(whitelist, '*'));
  t.false(isWhitelistedRole(whitelist, 'qa'));
  t.true(isWhitelistedRole(undefined, 'qa'));
  t.throws(() => parseRoleWhitelist('ok,bad/role'), {
    message: "Failed to parse roles: Role name 'bad/role' is invalid because it contains slash, backspace or whitespace",
  });
});

test('--weights parses role=weight pairs', (t) => {
  t.deepEqual([...parseWeights('role1=2.0,role2=3.5')], [['role1', 2], ['role2', 3.5]]);
  t.deepEqual([...parseWeights('a=2.5x,,b=1')], [['a', 2.5], ['b', 1]]);
});

const weightErrors: Array<[string, string]> = [
  ['role1', "Invalid weight: 'role1'. --weights should be of the form 'role=weight,role=weight'"],
  ['a=1=2', "Invalid weight: 'a=1=2'. --weights should be of the form 'role=weight,role=weight'"],
  ['a=0', "Invalid weight: 'a=0'. Weights must be positive"],
  ['a=-1', "Invalid weight: 'a=-1'. Weights must be positive"],
  ['a=abc', "Invalid weight: 'a=abc'. Weights must be positive"],
];
for (const [text, message] of weightErrors) {
  test(`--weights error: ${text}`, (t) => {
    t.throws(() => parseWeights(text), { message });
  });
}

test('--weights roles must be whitelisted', (t) => {
  const whitelist = parseRoleWhitelist('dev');
  t.deepEqual([...parseWeights('dev=2,*=3', whitelist)], [['dev', 2], ['*', 3]]);
  t.throws(() => parseWeights('qa=2', whitelist), { message: "Invalid weight: 'qa=2'. qa is not a valid role" });
});
