// Command go-scheduler is a small framework written on mesos-go's libprocess
// speaking scheduler driver (github.com/mesos/mesos-go/api/v0/scheduler, as
// packaged by Debian: golang-github-mesos-mesos-go-dev 0.0.6). It is the
// client side of tests/compat/mesos-go.test.ts: an implementation of the
// Mesos wire protocol that this project did not write, talking to our
// mesos-master and mesos-agent.
//
// It registers the framework `legacy-go-acceptance` as the current user,
// launches -tasks command tasks (`echo go-task-$i`) on the offers it gets,
// and exits 0 once every task reached TASK_FINISHED. It exits 1 on
// TASK_FAILED / TASK_LOST / TASK_ERROR / TASK_KILLED, on a driver error,
// and 2 on a timeout. One line per event goes to stdout so the test can
// show what happened.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v0/mesosproto"
	util "github.com/mesos/mesos-go/api/v0/mesosutil"
	sched "github.com/mesos/mesos-go/api/v0/scheduler"
)

const (
	taskCPUs    = 0.1
	taskMem     = 32.0
	unknownTask = "go-task-never-launched"
)

type goScheduler struct {
	mu       sync.Mutex
	total    int
	launched int
	finished map[string]bool
	// reconcile: once all tasks finished, ask the master to reconcile a task
	// it never saw, and wait for its TASK_LOST (source master, no uuid, so the
	// driver must not acknowledge it).
	reconcile bool
	done      chan int // exit code
	once      sync.Once
}

func (s *goScheduler) exit(code int) {
	s.once.Do(func() { s.done <- code })
}

func scalar(resources []*mesos.Resource, name string) float64 {
	total := 0.0
	for _, r := range resources {
		if r.GetName() == name && r.GetType() == mesos.Value_SCALAR {
			total += r.GetScalar().GetValue()
		}
	}
	return total
}

func (s *goScheduler) Registered(_ sched.SchedulerDriver, id *mesos.FrameworkID, master *mesos.MasterInfo) {
	fmt.Printf("registered framework_id=%s master=%s:%d\n", id.GetValue(),
		master.GetHostname(), master.GetPort())
}

func (s *goScheduler) Reregistered(_ sched.SchedulerDriver, master *mesos.MasterInfo) {
	fmt.Printf("reregistered master=%s\n", master.GetId())
}

func (s *goScheduler) Disconnected(sched.SchedulerDriver) {
	fmt.Println("disconnected")
}

func (s *goScheduler) ResourceOffers(driver sched.SchedulerDriver, offers []*mesos.Offer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, offer := range offers {
		cpus := scalar(offer.Resources, "cpus")
		mem := scalar(offer.Resources, "mem")
		fmt.Printf("offer id=%s agent=%s hostname=%s cpus=%g mem=%g\n", offer.Id.GetValue(),
			offer.SlaveId.GetValue(), offer.GetHostname(), cpus, mem)
		var tasks []*mesos.TaskInfo
		for s.launched < s.total && cpus >= taskCPUs && mem >= taskMem {
			i := s.launched
			s.launched++
			cpus -= taskCPUs
			mem -= taskMem
			tasks = append(tasks, &mesos.TaskInfo{
				Name:    proto.String("go-task-" + strconv.Itoa(i)),
				TaskId:  &mesos.TaskID{Value: proto.String("go-task-" + strconv.Itoa(i))},
				SlaveId: offer.SlaveId,
				Resources: []*mesos.Resource{
					util.NewScalarResource("cpus", taskCPUs),
					util.NewScalarResource("mem", taskMem),
				},
				Command: &mesos.CommandInfo{
					Shell: proto.Bool(true),
					Value: proto.String("echo go-task-" + strconv.Itoa(i)),
				},
			})
		}
		if len(tasks) == 0 {
			if _, err := driver.DeclineOffer(offer.Id, &mesos.Filters{RefuseSeconds: proto.Float64(5)}); err != nil {
				fmt.Printf("decline failed: %v\n", err)
			}
			continue
		}
		fmt.Printf("launch %d task(s) on offer %s\n", len(tasks), offer.Id.GetValue())
		if _, err := driver.LaunchTasks([]*mesos.OfferID{offer.Id}, tasks, &mesos.Filters{RefuseSeconds: proto.Float64(1)}); err != nil {
			fmt.Printf("launch failed: %v\n", err)
			s.exit(1)
		}
	}
}

func (s *goScheduler) OfferRescinded(_ sched.SchedulerDriver, id *mesos.OfferID) {
	fmt.Printf("offer rescinded %s\n", id.GetValue())
}

func (s *goScheduler) StatusUpdate(driver sched.SchedulerDriver, status *mesos.TaskStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := status.TaskId.GetValue()
	reason := "-"
	if status.Reason != nil {
		reason = status.GetReason().String()
	}
	fmt.Printf("status task=%s state=%s source=%s reason=%s message=%q\n", id, status.GetState(),
		status.GetSource(), reason, status.GetMessage())
	if id == unknownTask {
		if status.GetState() == mesos.TaskState_TASK_LOST && status.GetSource() == mesos.TaskStatus_SOURCE_MASTER &&
			status.GetReason() == mesos.TaskStatus_REASON_RECONCILIATION {
			fmt.Println("reconciliation answered")
			s.exit(0)
		} else {
			s.exit(1)
		}
		return
	}
	switch status.GetState() {
	case mesos.TaskState_TASK_FINISHED:
		s.finished[id] = true
		if len(s.finished) == s.total {
			fmt.Printf("all %d tasks finished\n", s.total)
			if !s.reconcile {
				s.exit(0)
				return
			}
			go func() {
				_, err := driver.ReconcileTasks([]*mesos.TaskStatus{{
					TaskId: &mesos.TaskID{Value: proto.String(unknownTask)},
					State:  mesos.TaskState_TASK_STAGING.Enum(),
				}})
				if err != nil {
					fmt.Printf("reconcile failed: %v\n", err)
					s.exit(1)
				}
			}()
		}
	case mesos.TaskState_TASK_FAILED, mesos.TaskState_TASK_LOST, mesos.TaskState_TASK_ERROR,
		mesos.TaskState_TASK_KILLED:
		s.exit(1)
	}
}

func (s *goScheduler) FrameworkMessage(_ sched.SchedulerDriver, e *mesos.ExecutorID, a *mesos.SlaveID, m string) {
	fmt.Printf("framework message executor=%s agent=%s: %q\n", e.GetValue(), a.GetValue(), m)
}

func (s *goScheduler) SlaveLost(_ sched.SchedulerDriver, id *mesos.SlaveID) {
	fmt.Printf("agent lost %s\n", id.GetValue())
}

func (s *goScheduler) ExecutorLost(_ sched.SchedulerDriver, e *mesos.ExecutorID, a *mesos.SlaveID, status int) {
	fmt.Printf("executor lost %s on %s status=%d\n", e.GetValue(), a.GetValue(), status)
}

func (s *goScheduler) Error(_ sched.SchedulerDriver, message string) {
	fmt.Printf("error %s\n", message)
	s.exit(1)
}

func main() {
	master := flag.String("master", "127.0.0.1:5050", "address (ip:port) of the Mesos master")
	tasks := flag.Int("tasks", 3, "number of command tasks to launch")
	timeout := flag.Duration("timeout", 60*time.Second, "give up (exit 2) after this long")
	address := flag.String("address", "127.0.0.1", "IP the scheduler's libprocess endpoint binds and advertises")
	name := flag.String("name", "legacy-go-acceptance", "framework name")
	reconcile := flag.Bool("reconcile", false, "after the tasks finished, reconcile an unknown task and expect TASK_LOST")
	flag.Parse()

	username := ""
	if u, err := user.Current(); err == nil {
		username = u.Username
	}

	s := &goScheduler{total: *tasks, finished: map[string]bool{}, reconcile: *reconcile, done: make(chan int, 1)}
	bind := net.ParseIP(*address)
	driver, err := sched.NewMesosSchedulerDriver(sched.DriverConfig{
		Scheduler: s,
		Framework: &mesos.FrameworkInfo{
			User:            proto.String(username),
			Name:            proto.String(*name),
			FailoverTimeout: proto.Float64(0),
		},
		Master:           *master,
		HostnameOverride: *address,
		BindingAddress:   bind,
		PublishedAddress: bind,
	})
	if err != nil {
		fmt.Printf("cannot create the driver: %v\n", err)
		os.Exit(1)
	}
	if stat, err := driver.Start(); err != nil || stat != mesos.Status_DRIVER_RUNNING {
		fmt.Printf("cannot start the driver: status=%s err=%v\n", stat, err)
		os.Exit(1)
	}

	code := 2
	select {
	case code = <-s.done:
	case <-time.After(*timeout):
		fmt.Printf("timeout after %s\n", *timeout)
	}
	// Unregister (failover=false) so the master completes the framework; the
	// driver sends UnregisterFrameworkMessage and waits 2 s before it stops.
	stat, err := driver.Stop(false)
	fmt.Printf("driver stopped status=%s err=%v\n", stat, err)
	os.Exit(code)
}
