// The smallest useful framework: launches one command task on the first
// offer, prints its status updates and stops when it finishes.
//
//   npm start                                                   # in one terminal
//   node --import tsx examples/hello-framework.ts 127.0.0.1:5050   # in another

import os from 'node:os';
import { MesosSchedulerDriver, Status, type Scheduler } from '../scheduler-driver/driver.js';
import { mesos } from '../proto/index.js';

const master = process.argv[2] ?? '127.0.0.1:5050';
let launched = false;

const scheduler: Scheduler = {
  registered: (_driver, frameworkId) => console.log(`registered as ${frameworkId.value}`),
  reregistered: () => undefined,
  disconnected: () => console.log('disconnected from the master'),
  resourceOffers: (driver, offers) => {
    for (const offer of offers) {
      if (launched) {
        driver.declineOffer(offer.id);
        continue;
      }
      launched = true;
      driver.launchTasks([offer.id], [
        {
          name: 'hello',
          task_id: { value: 'hello' },
          slave_id: offer.slave_id,
          resources: [
            { name: 'cpus', type: mesos.Value.Type.SCALAR, scalar: { value: 0.1 } },
            { name: 'mem', type: mesos.Value.Type.SCALAR, scalar: { value: 32 } },
          ],
          command: { value: 'echo hello from mesos-ts' },
        },
      ]);
    }
  },
  offerRescinded: () => undefined,
  statusUpdate: (driver, status) => {
    console.log(`task ${status.task_id.value} is ${mesos.TaskState[status.state]}`);
    if (status.state === mesos.TaskState.TASK_FINISHED) driver.stop();
    else if (status.state !== mesos.TaskState.TASK_RUNNING && status.state !== mesos.TaskState.TASK_STARTING) driver.abort();
  },
  frameworkMessage: () => undefined,
  slaveLost: () => undefined,
  executorLost: () => undefined,
  error: (_driver, message) => console.error(`error: ${message}`),
};

const driver = new MesosSchedulerDriver(scheduler, { user: os.userInfo().username, name: 'hello' }, master);
const status = await driver.run();
process.exit(status === Status.DRIVER_STOPPED ? 0 : 1);
