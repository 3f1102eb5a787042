package cache

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[string, int](2, time.Hour)
	c.Add("a", 1)
	c.Add("b", 2)
	if _, ok := c.Get("a"); !ok { // a is now most recently used
		t.Fatal("a missing")
	}
	c.Add("c", 3) // evicts b
	if _, ok := c.Get("b"); ok {
		t.Fatal("b should have been evicted")
	}
	for k, want := range map[string]int{"a": 1, "c": 3} {
		if v, ok := c.Get(k); !ok || v != want {
			t.Fatalf("Get(%q) = %d, %v", k, v, ok)
		}
	}
	s := c.Stats()
	if s.Len != 2 || s.Evictions != 1 || s.Hits != 3 || s.Misses != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestAddExistingUpdatesWithoutEvicting(t *testing.T) {
	c := New[int, string](2, time.Hour)
	c.Add(1, "x")
	c.Add(2, "y")
	c.Add(1, "z")
	if v, _ := c.Get(1); v != "z" || c.Stats().Evictions != 0 || c.Stats().Len != 2 {
		t.Fatalf("v=%q stats=%+v", v, c.Stats())
	}
}

func TestNeverExceedsCapacity(t *testing.T) {
	c := New[int, int](10, time.Hour)
	for i := range 1000 {
		c.Add(i, i)
	}
	if s := c.Stats(); s.Len != 10 || s.Evictions != 990 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string, int](10, time.Minute)
		c.Add("a", 1)
		time.Sleep(59 * time.Second)
		if _, ok := c.Get("a"); !ok {
			t.Fatal("expired too early")
		}
		c.Add("b", 2)
		time.Sleep(time.Second) // a is now exactly TTL old, b is 1s old
		if _, ok := c.Get("a"); ok {
			t.Fatal("a should have expired")
		}
		if _, ok := c.Get("b"); !ok {
			t.Fatal("b expired too early")
		}
		time.Sleep(time.Minute)
		if n := c.PurgeExpired(); n != 1 {
			t.Fatalf("PurgeExpired = %d, want 1", n)
		}
		if s := c.Stats(); s.Len != 0 || s.Expired != 2 {
			t.Fatalf("stats = %+v", s)
		}
	})
}
