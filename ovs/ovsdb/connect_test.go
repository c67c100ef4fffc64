package ovsdb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestConnectErrors(t *testing.T) {
	// Not parallel: t.Setenv(OVS_RUNDIR) changes the whole process's environment.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ep := "unix:" + filepath.Join(t.TempDir(), "db.sock")
	_, err := Connect(ctx, Config{Endpoint: ep})
	if err == nil {
		t.Fatal("connected to a socket that does not exist")
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Path != ep {
		t.Errorf("error %v does not name the endpoint", err)
	}
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("missing socket: %v, want ErrNotFound", err)
	}

	t.Setenv("OVS_RUNDIR", "/run/x")
	if got := DefaultEndpoint(); got != "unix:/run/x/db.sock" {
		t.Errorf("DefaultEndpoint with OVS_RUNDIR = %s", got)
	}
	t.Setenv("OVS_RUNDIR", "")
	if got := DefaultEndpoint(); got != "unix:/var/run/openvswitch/db.sock" {
		t.Errorf("DefaultEndpoint = %s", got)
	}
}
