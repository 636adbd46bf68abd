// ExecutorInfo equality as Mesos 1.0 defines it (src/common/type_utils.cpp,
// operator== for ExecutorInfo and the messages it compares). The master uses it
// to refuse a task whose ExecutorInfo differs from the running executor with the
// same ExecutorID. Unset fields compare as their protobuf defaults, several
// repeated fields compare without regard to order ("each element of the left is
// found in the right, and the sizes match"), and some fields are deliberately
// not compared (ExecutorInfo labels and shutdown_grace_period, URI cache and
// output_file, ContainerInfo mesos and network_infos, Port labels).

import { mesos } from '../proto/index.js';
import { Resources } from '../common/resources.js';
import { idValue } from './validation-common.js';

type Maybe<T> = T | null | undefined;

/** Same size and every left element has an equal right element (Mesos's loop). */
function sameElements<T>(left: Maybe<readonly T[]>, right: Maybe<readonly T[]>, equal: (a: T, b: T) => boolean): boolean {
  const l = left ?? [];
  const r = right ?? [];
  if (l.length !== r.length) return false;
  return l.every((a) => r.some((b) => equal(a, b)));
}

function bytesEqual(left: Maybe<Uint8Array>, right: Maybe<Uint8Array>): boolean {
  const l = left ?? new Uint8Array();
  const r = right ?? new Uint8Array();
  return l.length === r.length && l.every((byte, i) => byte === r[i]);
}

function uriEqual(left: mesos.CommandInfo.URI.$Properties, right: mesos.CommandInfo.URI.$Properties): boolean {
  return (
    left.value === right.value &&
    (left.executable ?? false) === (right.executable ?? false) &&
    (left.extract ?? true) === (right.extract ?? true)
  );
}

function variableEqual(
  left: mesos.Environment.Variable.$Properties,
  right: mesos.Environment.Variable.$Properties,
): boolean {
  return left.name === right.name && left.value === right.value;
}

function environmentEqual(left: Maybe<mesos.Environment.$Properties>, right: Maybe<mesos.Environment.$Properties>): boolean {
  return sameElements(left?.variables, right?.variables, variableEqual);
}

export function commandInfoEqual(left: Maybe<mesos.CommandInfo.$Properties>, right: Maybe<mesos.CommandInfo.$Properties>): boolean {
  if (!sameElements(left?.uris, right?.uris, uriEqual)) return false;
  const la = left?.arguments ?? [];
  const ra = right?.arguments ?? [];
  if (la.length !== ra.length || la.some((arg, i) => arg !== ra[i])) return false;
  return (
    environmentEqual(left?.environment, right?.environment) &&
    (left?.value ?? '') === (right?.value ?? '') &&
    (left?.user ?? '') === (right?.user ?? '') &&
    (left?.shell ?? true) === (right?.shell ?? true)
  );
}

function volumeEqual(left: mesos.Volume.$Properties, right: mesos.Volume.$Properties): boolean {
  return (
    left.container_path === right.container_path &&
    (left.host_path ?? '') === (right.host_path ?? '') &&
    (left.mode ?? mesos.Volume.Mode.RW) === (right.mode ?? mesos.Volume.Mode.RW)
  );
}

type PortMapping = mesos.ContainerInfo.DockerInfo.PortMapping.$Properties;
type Parameter = mesos.Parameter.$Properties;

function dockerInfoEqual(
  left: Maybe<mesos.ContainerInfo.DockerInfo.$Properties>,
  right: Maybe<mesos.ContainerInfo.DockerInfo.$Properties>,
): boolean {
  const mappingEqual = (a: PortMapping, b: PortMapping): boolean =>
    a.host_port === b.host_port && a.container_port === b.container_port && (a.protocol ?? '') === (b.protocol ?? '');
  const parameterEqual = (a: Parameter, b: Parameter): boolean => a.key === b.key && a.value === b.value;
  const HOST = mesos.ContainerInfo.DockerInfo.Network.HOST;
  return (
    sameElements(left?.port_mappings, right?.port_mappings, mappingEqual) &&
    sameElements(left?.parameters, right?.parameters, parameterEqual) &&
    (left?.image ?? '') === (right?.image ?? '') &&
    (left?.network ?? HOST) === (right?.network ?? HOST) &&
    (left?.privileged ?? false) === (right?.privileged ?? false) &&
    (left?.force_pull_image ?? false) === (right?.force_pull_image ?? false)
  );
}

export function containerInfoEqual(
  left: Maybe<mesos.ContainerInfo.$Properties>,
  right: Maybe<mesos.ContainerInfo.$Properties>,
): boolean {
  const DOCKER = mesos.ContainerInfo.Type.DOCKER;
  return (
    sameElements(left?.volumes, right?.volumes, volumeEqual) &&
    (left?.type ?? DOCKER) === (right?.type ?? DOCKER) &&
    (left?.hostname ?? '') === (right?.hostname ?? '') &&
    dockerInfoEqual(left?.docker, right?.docker)
  );
}

function labelEqual(left: mesos.Label.$Properties, right: mesos.Label.$Properties): boolean {
  return left.key === right.key && (left.value ?? '') === (right.value ?? '');
}

export function labelsEqual(left: Maybe<mesos.Labels.$Properties>, right: Maybe<mesos.Labels.$Properties>): boolean {
  return sameElements(left?.labels, right?.labels, labelEqual);
}

function portEqual(left: mesos.Port.$Properties, right: mesos.Port.$Properties): boolean {
  const FRAMEWORK = mesos.DiscoveryInfo.Visibility.FRAMEWORK;
  return (
    left.number === right.number &&
    (left.name ?? '') === (right.name ?? '') &&
    (left.protocol ?? '') === (right.protocol ?? '') &&
    (left.visibility ?? FRAMEWORK) === (right.visibility ?? FRAMEWORK)
  );
}

export function discoveryInfoEqual(
  left: Maybe<mesos.DiscoveryInfo.$Properties>,
  right: Maybe<mesos.DiscoveryInfo.$Properties>,
): boolean {
  const FRAMEWORK = mesos.DiscoveryInfo.Visibility.FRAMEWORK;
  return (
    (left?.visibility ?? FRAMEWORK) === (right?.visibility ?? FRAMEWORK) &&
    (left?.name ?? '') === (right?.name ?? '') &&
    (left?.environment ?? '') === (right?.environment ?? '') &&
    (left?.location ?? '') === (right?.location ?? '') &&
    (left?.version ?? '') === (right?.version ?? '') &&
    sameElements(left?.ports?.ports, right?.ports?.ports, portEqual) &&
    labelsEqual(left?.labels, right?.labels)
  );
}

/** operator==(ExecutorInfo, ExecutorInfo). */
export function executorInfoEqual(left: mesos.ExecutorInfo.$Properties, right: mesos.ExecutorInfo.$Properties): boolean {
  return (
    idValue(left.executor_id) === idValue(right.executor_id) &&
    bytesEqual(left.data, right.data) &&
    Resources.fromProto(left.resources ?? []).equals(Resources.fromProto(right.resources ?? [])) &&
    commandInfoEqual(left.command, right.command) &&
    idValue(left.framework_id) === idValue(right.framework_id) &&
    (left.name ?? '') === (right.name ?? '') &&
    (left.source ?? '') === (right.source ?? '') &&
    containerInfoEqual(left.container, right.container) &&
    discoveryInfoEqual(left.discovery, right.discovery)
  );
}
