// Package user serves user lookups from a slow backing store through a
// bounded, TTL-limited cache that also merges concurrent misses for one key.
package user

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// User is the JSON body of GET /users/{id}.
type User struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Tier  string `json:"tier"`
}

// ErrNotFound means the store has no such user.
var ErrNotFound = errors.New("user not found")

// Store looks users up in the system of record.
type Store interface {
	Lookup(ctx context.Context, id int) (User, error)
}

// SimStore stands in for a database: users 1..Users exist, and every lookup
// takes Latency.
type SimStore struct {
	Users   int
	Latency time.Duration
}

// Lookup waits Latency (or until ctx ends) and returns the user.
func (s SimStore) Lookup(ctx context.Context, id int) (User, error) {
	t := time.NewTimer(s.Latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return User{}, ctx.Err()
	}
	if id < 1 || id > s.Users {
		return User{}, ErrNotFound
	}
	tiers := [...]string{"free", "pro", "enterprise"}
	return User{
		ID:    id,
		Name:  fmt.Sprintf("user-%d", id),
		Email: fmt.Sprintf("user-%d@example.com", id),
		Tier:  tiers[id%len(tiers)],
	}, nil
}
