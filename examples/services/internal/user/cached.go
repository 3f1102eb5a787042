package user

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/msvc-dev/microservice-operator/examples/services/internal/cache"
)

// Cached puts a bounded LRU cache in front of a Store. Concurrent misses for
// the same id share one store lookup. Errors are not cached.
type Cached struct {
	store       Store
	cache       *cache.LRU[int, User]
	loadTimeout time.Duration

	mu       sync.Mutex
	inflight map[int]*call
}

type call struct {
	done chan struct{} // closed when user and err are set
	user User
	err  error
}

// NewCached returns a cache of at most size users, each kept for ttl.
// One store lookup may take at most loadTimeout.
func NewCached(store Store, size int, ttl, loadTimeout time.Duration) *Cached {
	return &Cached{
		store:       store,
		cache:       cache.New[int, User](size, ttl),
		loadTimeout: loadTimeout,
		inflight:    make(map[int]*call),
	}
}

// Lookup returns the user from the cache, or loads it from the store.
func (c *Cached) Lookup(ctx context.Context, id int) (User, error) {
	if u, ok := c.cache.Get(id); ok {
		return u, nil
	}
	c.mu.Lock()
	if cl, ok := c.inflight[id]; ok { // someone is already loading it: wait
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.user, cl.err
		case <-ctx.Done():
			return User{}, ctx.Err()
		}
	}
	cl := &call{done: make(chan struct{})}
	c.inflight[id] = cl
	c.mu.Unlock()

	// The load serves every waiter, so it must not end when this caller's
	// client disconnects; it gets its own timeout instead.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.loadTimeout)
	cl.user, cl.err = c.store.Lookup(lctx, id)
	cancel()
	if cl.err == nil {
		c.cache.Add(id, cl.user)
	}
	c.mu.Lock()
	delete(c.inflight, id)
	c.mu.Unlock()
	close(cl.done)
	return cl.user, cl.err
}

// Stats returns the cache counters.
func (c *Cached) Stats() cache.Stats { return c.cache.Stats() }

// Janitor drops expired entries and logs cache counters every interval
// until ctx is cancelled. Run it as a server background goroutine.
func (c *Cached) Janitor(log *slog.Logger, every time.Duration) func(context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				purged := c.cache.PurgeExpired()
				s := c.cache.Stats()
				log.Info("cache stats", "len", s.Len, "hits", s.Hits, "misses", s.Misses,
					"evictions", s.Evictions, "expired", s.Expired, "purged", purged)
			}
		}
	}
}
