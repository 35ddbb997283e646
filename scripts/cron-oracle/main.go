// Command cron-oracle asks robfig/cron v3 (the parser and schedule Kubernetes' CronJob
// controller uses) about schedules, and writes its answers as the fixture that
// core/cronjob/schedule.test.ts checks our scheduling against.
//
//	cd scripts/cron-oracle && go run . < cases.json > ../../core/cronjob/testing/robfig.json
//
// As Kubernetes does, a case's timeZone is given to the parser as a `TZ=<zone> ` prefix, and
// parse errors pass through k8s' panic recovery ("invalid schedule format: ...").
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/robfig/cron/v3"
)

type cases struct {
	Parse []string   `json:"parse"`
	Next  []nextCase `json:"next"`
}

type nextCase struct {
	Schedule string `json:"schedule"`
	TimeZone string `json:"timeZone,omitempty"`
	From     string `json:"from"`
	Count    int    `json:"count"`
}

type parseAnswer struct {
	Schedule string `json:"schedule"`
	Error    string `json:"error,omitempty"`
}

type nextAnswer struct {
	nextCase
	// Times in UTC; "never" where robfig gives up (the zero time: no match within five years).
	Times []string `json:"times"`
}

type answers struct {
	Robfig string        `json:"robfig"`
	Parse  []parseAnswer `json:"parse"`
	Next   []nextAnswer  `json:"next"`
}

// parse is Kubernetes' ParseCronScheduleWithPanicRecovery.
func parse(schedule string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched = nil
			err = fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	return cron.ParseStandard(schedule)
}

func main() {
	var in cases
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := answers{Robfig: "github.com/robfig/cron/v3 v3.0.1"}
	for _, s := range in.Parse {
		a := parseAnswer{Schedule: s}
		if _, err := parse(s); err != nil {
			a.Error = err.Error()
		}
		out.Parse = append(out.Parse, a)
	}
	for _, c := range in.Next {
		spec := c.Schedule
		if c.TimeZone != "" {
			spec = fmt.Sprintf("TZ=%s %s", c.TimeZone, c.Schedule)
		}
		sched, err := parse(spec)
		if err != nil {
			fmt.Fprintln(os.Stderr, c.Schedule, err)
			os.Exit(1)
		}
		t, err := time.Parse(time.RFC3339Nano, c.From)
		if err != nil {
			fmt.Fprintln(os.Stderr, c.From, err)
			os.Exit(1)
		}
		a := nextAnswer{nextCase: c}
		for i := 0; i < c.Count; i++ {
			t = sched.Next(t)
			if t.IsZero() {
				a.Times = append(a.Times, "never")
				break
			}
			a.Times = append(a.Times, t.UTC().Format(time.RFC3339))
		}
		out.Next = append(out.Next, a)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
