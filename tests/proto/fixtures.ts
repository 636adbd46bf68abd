// Realistic Mesos messages shared by the proto tests.

import { mesos } from '../../proto/index.js';

export const FRAMEWORK_ID = '20161121-194800-16777343-5050-1234-0000';
export const AGENT_ID = '20161121-194800-16777343-5050-1234-S0';

export function scalar(name: string, value: number): mesos.Resource.$Properties {
  return { name, type: mesos.Value.Type.SCALAR, scalar: { value } };
}

export function agentResources(): mesos.Resource.$Properties[] {
  return [
    scalar('cpus', 4),
    scalar('mem', 15360),
    scalar('disk', 470842),
    {
      name: 'ports',
      type: mesos.Value.Type.RANGES,
      ranges: { range: [{ begin: 31000, end: 32000 }] },
    },
    {
      name: 'disk',
      type: mesos.Value.Type.SCALAR,
      scalar: { value: 1024 },
      role: 'storage',
      reservation: { principal: 'ops', labels: { labels: [{ key: 'owner', value: 'db' }] } },
      disk: { persistence: { id: 'vol-1', principal: 'ops' }, volume: { container_path: 'data', mode: mesos.Volume.Mode.RW } },
    },
  ];
}

export function registerSlaveMessage(): mesos.internal.RegisterSlaveMessage.$Properties {
  return {
    slave: {
      hostname: 'agent-1.example.com',
      port: 5051,
      resources: agentResources(),
      attributes: [
        { name: 'rack', type: mesos.Value.Type.TEXT, text: { value: 'r1' } },
        { name: 'zone', type: mesos.Value.Type.SET, set: { item: ['a', 'b'] } },
      ],
      checkpoint: true,
    },
    checkpointed_resources: [agentResources()[4] as mesos.Resource.$Properties],
    version: '1.0.0',
  };
}

export function frameworkInfo(): mesos.FrameworkInfo.$Properties {
  return {
    user: 'root',
    name: 'marathon',
    id: { value: FRAMEWORK_ID },
    failover_timeout: 604800,
    checkpoint: true,
    role: '*',
    hostname: 'scheduler-1.example.com',
    principal: 'marathon',
    webui_url: 'http://scheduler-1.example.com:8080',
    capabilities: [{ type: mesos.FrameworkInfo.Capability.Type.REVOCABLE_RESOURCES }],
    labels: { labels: [{ key: 'team', value: 'infra' }] },
  };
}

export function taskInfo(): mesos.TaskInfo.$Properties {
  return {
    name: 'web-1',
    task_id: { value: 'web.6f1c2d0e-b0a1-11e6-80f5-76304dec7eb7' },
    slave_id: { value: AGENT_ID },
    resources: [scalar('cpus', 0.5), scalar('mem', 128)],
    command: {
      value: 'python3 -m http.server $PORT0',
      shell: true,
      environment: { variables: [{ name: 'PORT0', value: '31001' }] },
      uris: [{ value: 'http://repo.example.com/app.tgz', extract: true, cache: false }],
    },
    container: {
      type: mesos.ContainerInfo.Type.DOCKER,
      docker: {
        image: 'python:3',
        network: mesos.ContainerInfo.DockerInfo.Network.BRIDGE,
        port_mappings: [{ host_port: 31001, container_port: 8000, protocol: 'tcp' }],
        force_pull_image: false,
      },
    },
    health_check: { http: { port: 8000, path: '/health' }, delay_seconds: 15, interval_seconds: 10 },
    kill_policy: { grace_period: { nanoseconds: 5_000_000_000 } },
    data: Buffer.from([0, 1, 2, 254, 255]),
    labels: { labels: [{ key: 'app', value: 'web' }] },
    discovery: { visibility: mesos.DiscoveryInfo.Visibility.FRAMEWORK, name: 'web' },
  };
}

export function runTaskMessage(): mesos.internal.RunTaskMessage.$Properties {
  return {
    framework_id: { value: FRAMEWORK_ID },
    framework: frameworkInfo(),
    task: taskInfo(),
    pid: 'scheduler-5e2b1ac4-4b4b-4ea0-9e87-3c2b5f4f7f3a@10.0.0.7:38211',
  };
}

export const UUID_BYTES = Buffer.from('8e5c0f5c6a8b4bbb9e2b4f1f6d2c7a01', 'hex');

export function statusUpdateMessage(): mesos.internal.StatusUpdateMessage.$Properties {
  return {
    update: {
      framework_id: { value: FRAMEWORK_ID },
      executor_id: { value: 'web.6f1c2d0e-b0a1-11e6-80f5-76304dec7eb7' },
      slave_id: { value: AGENT_ID },
      status: {
        task_id: { value: 'web.6f1c2d0e-b0a1-11e6-80f5-76304dec7eb7' },
        state: mesos.TaskState.TASK_RUNNING,
        source: mesos.TaskStatus.Source.SOURCE_EXECUTOR,
        message: 'task is running',
        slave_id: { value: AGENT_ID },
        executor_id: { value: 'web.6f1c2d0e-b0a1-11e6-80f5-76304dec7eb7' },
        timestamp: 1479757680.123456,
        uuid: UUID_BYTES,
        healthy: true,
        container_status: {
          network_infos: [{ ip_addresses: [{ protocol: mesos.NetworkInfo.Protocol.IPv4, ip_address: '172.17.0.3' }] }],
        },
      },
      timestamp: 1479757680.123456,
      uuid: UUID_BYTES,
      latest_state: mesos.TaskState.TASK_RUNNING,
    },
    pid: 'slave(1)@10.0.0.5:5051',
  };
}
