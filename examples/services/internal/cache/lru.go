// Package cache is a bounded LRU cache with a time-to-live per entry.
package cache

import (
	"container/list"
	"sync"
	"time"
)

// LRU holds at most Capacity entries; adding one more evicts the least
// recently used. Entries older than TTL are misses. Safe for concurrent use.
type LRU[K comparable, V any] struct {
	mu       sync.Mutex
	capacity int
	ttl      time.Duration
	order    *list.List // front = most recently used; values are *entry[K, V]
	items    map[K]*list.Element
	stats    Stats
}

type entry[K comparable, V any] struct {
	key     K
	value   V
	expires time.Time
}

// Stats counts cache outcomes since creation.
type Stats struct {
	Hits, Misses, Evictions, Expired uint64
	Len                              int
}

// New returns an LRU with the given capacity (≥ 1) and TTL (> 0).
func New[K comparable, V any](capacity int, ttl time.Duration) *LRU[K, V] {
	if capacity < 1 {
		panic("cache: capacity must be at least 1")
	}
	if ttl <= 0 {
		panic("cache: ttl must be positive")
	}
	return &LRU[K, V]{capacity: capacity, ttl: ttl, order: list.New(), items: make(map[K]*list.Element)}
}

// Get returns the value for key if present and not expired.
func (c *LRU[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[K, V])
		if time.Now().Before(e.expires) {
			c.order.MoveToFront(el)
			c.stats.Hits++
			return e.value, true
		}
		c.remove(el)
		c.stats.Expired++
	}
	c.stats.Misses++
	var zero V
	return zero, false
}

// Add stores value under key for TTL, evicting the least recently used
// entry when the cache is full.
func (c *LRU[K, V]) Add(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := time.Now().Add(c.ttl)
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[K, V])
		e.value, e.expires = value, expires
		c.order.MoveToFront(el)
		return
	}
	if c.order.Len() >= c.capacity {
		c.remove(c.order.Back())
		c.stats.Evictions++
	}
	c.items[key] = c.order.PushFront(&entry[K, V]{key: key, value: value, expires: expires})
}

// PurgeExpired drops every expired entry and returns how many it dropped.
func (c *LRU[K, V]) PurgeExpired() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, n := time.Now(), 0
	for el := c.order.Back(); el != nil; {
		prev := el.Prev()
		if !now.Before(el.Value.(*entry[K, V]).expires) {
			c.remove(el)
			n++
		}
		el = prev
	}
	c.stats.Expired += uint64(n)
	return n
}

// Stats returns a snapshot of the counters.
func (c *LRU[K, V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Len = c.order.Len()
	return s
}

func (c *LRU[K, V]) remove(el *list.Element) {
	c.order.Remove(el)
	delete(c.items, el.Value.(*entry[K, V]).key)
}
