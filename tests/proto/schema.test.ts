import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { messageTypeByName, messageTypeNames } from '../../proto/index.js';
import { enumDef, messageDef } from '../../proto/schema.js';

const protoDir = fileURLToPath(new URL('../../proto/', import.meta.url));

function protoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...protoFiles(path));
    else if (entry.name.endsWith('.proto')) out.push(relative(protoDir, path));
  }
  return out.sort();
}

/** The committed .proto files, parsed and resolved by protobufjs's own parser. */
function loadProtos(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync(protoFiles(join(protoDir, 'mesos')), { keepCase: true });
  root.resolveAll();
  return root;
}

function allTypes(ns: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) out.push(n);
    if (n instanceof protobuf.Namespace) allTypes(n, out);
  }
  return out;
}

const root = loadProtos();
const types = allTypes(root);

test('each .proto file starts with our header and declares proto2', (t) => {
  for (const file of protoFiles(join(protoDir, 'mesos'))) {
    const text = readFileSync(join(protoDir, file), 'utf8');
    t.true(text.startsWith('// mesos-ts: Mesos 1.0.0 wire schema'), file);
    t.true(text.includes('syntax = "proto2";'), file);
  }
});

test('generated descriptor matches the committed .proto files (regenerate with npm run gen:proto)', (t) => {
  const descriptor: unknown = JSON.parse(readFileSync(join(protoDir, 'gen', 'descriptor.json'), 'utf8'));
  t.deepEqual(JSON.parse(JSON.stringify(root.toJSON())), descriptor);
});

test('every message has a generated codec, and nothing else does', (t) => {
  const names = types.map((ty) => ty.fullName.slice(1)).sort();
  t.is(names.length, 552);
  t.deepEqual(messageTypeNames(), names);
  for (const name of names) t.truthy(messageTypeByName(name), name);
});

test('schema.ts resolves every field as protobufjs does', (t) => {
  for (const type of types) {
    const name = type.fullName.slice(1);
    const def = messageDef(name);
    if (!def) {
      t.fail(name);
      continue;
    }
    t.deepEqual(def.fields.map((f) => f.name), type.fieldsArray.map((f) => f.name), name);
    for (const [i, f] of type.fieldsArray.entries()) {
      const ours = def.fields[i];
      if (!ours) continue;
      t.is(ours.id, f.id);
      t.is(ours.rule, f.repeated ? 'repeated' : f.required ? 'required' : 'optional');
      const resolved = f.resolvedType;
      if (resolved) {
        t.is(ours.type, resolved.fullName.slice(1), f.fullName);
        t.is(ours.kind, resolved instanceof protobuf.Enum ? 'enum' : 'message');
      } else {
        t.is(ours.type, f.type);
      }
      const options = f.options as Record<string, unknown> | undefined;
      t.is(ours.defaultValue, options?.['default'], f.fullName);
    }
  }
  t.deepEqual(enumDef('mesos.TaskState')?.values, { ...root.lookupEnum('mesos.TaskState').values });
  t.is(messageDef('mesos.TaskState'), undefined);
  t.is(enumDef('mesos.TaskInfo'), undefined);
});

test('the schemas carry Mesos 1.0 facts', (t) => {
  const fields = (name: string): string =>
    (messageDef(name)?.fields ?? []).map((f) => `${f.rule} ${f.name}=${f.id}`).join(', ');
  t.is(
    fields('mesos.FrameworkInfo'),
    'required user=1, required name=2, optional id=3, optional failover_timeout=4, optional checkpoint=5, ' +
      'optional role=6, optional hostname=7, optional principal=8, optional webui_url=9, ' +
      'repeated capabilities=10, optional labels=11',
  );
  t.is(fields('mesos.internal.RegisterSlaveMessage'), 'required slave=1, repeated checkpointed_resources=3, optional version=2');
  t.is(fields('mesos.internal.StatusUpdateMessage'), 'required update=1, optional pid=2');
  t.is(fields('mesos.v1.scheduler.Call.Subscribe'), 'required framework_info=1');
  t.is(messageDef('mesos.v1.TaskInfo')?.fields.find((f) => f.id === 3)?.name, 'agent_id');
  t.is(messageDef('mesos.TaskInfo')?.fields.find((f) => f.id === 3)?.name, 'slave_id');
});
