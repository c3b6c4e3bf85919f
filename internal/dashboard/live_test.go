package dashboard

import "testing"

// TestLiveStreamsAreCappedPerUserAndInAll: any authenticated identity may
// open a live stream, and streams escape the API server's in-flight
// limits, so the broker refuses more than its caps.
func TestLiveStreamsAreCappedPerUserAndInAll(t *testing.T) {
	b := newBroker()
	var mine []chan change
	for i := 0; i < maxStreamsPerUser; i++ {
		ch := b.subscribe("alice")
		if ch == nil {
			t.Fatalf("stream %d of alice refused", i+1)
		}
		mine = append(mine, ch)
	}
	if b.subscribe("alice") != nil {
		t.Fatal("alice opened more than maxStreamsPerUser streams")
	}
	if b.subscribe("bob") == nil {
		t.Fatal("alice's streams count against bob")
	}
	b.unsubscribe(mine[0])
	if b.subscribe("alice") == nil {
		t.Fatal("a closed stream was not given back")
	}
	for i := 0; len(b.subs) < maxStreams; i++ {
		if b.subscribe(string(rune('c'+i%20))+string(rune('0'+i/20))) == nil {
			t.Fatalf("refused at %d streams, below maxStreams", len(b.subs))
		}
	}
	if b.subscribe("zed") != nil {
		t.Fatal("more than maxStreams streams open")
	}
}
