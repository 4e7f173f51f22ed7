package suggest

import "testing"

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"BACKWRD", "BACKWARD", 1},
		{"kitten", "sitting", 3},
		{"lenitent", "lenient", 1},
		{"ab", "ba", 1},
		{"recrod", "record", 1},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	levels := []string{"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"}
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"BACKWRD", levels, "BACKWARD"},
		{"backward", levels, "BACKWARD"},
		{"FULL_TRANSITVE", levels, "FULL_TRANSITIVE"},
		{"SIDEWAYS", levels, ""},
		{"past_tense", []string{"past-tense", "explicit-units"}, "past-tense"},
		{"colour", []string{"rules", "ignore", "envelope"}, ""},
		{"rulse", []string{"rules", "ignore", "envelope"}, "rules"},
		{"x", []string{"y"}, "y"},
		{"x", nil, ""},
		{"NONE", levels, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	if got := DidYouMean("BACKWRD", levels); got != `; did you mean "BACKWARD"?` {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := DidYouMean("zzzzzz", levels); got != "" {
		t.Errorf("DidYouMean = %q, want none", got)
	}
}
