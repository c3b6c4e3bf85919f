package cronstats

import "testing"

func TestDescribe(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"* * * * *", "every minute"},
		{"*/5 * * * *", "every 5 minutes"},
		{"5 * * * *", "every hour at :05"},
		{"0 */2 * * *", "every 2 hours at :00"},
		{"0 2 * * *", "at 02:00 every day"},
		{"30 9,17 * * *", "at 09:30 and 17:30 every day"},
		{"0 9 * * 1-5", "at 09:00 on weekdays"},
		{"0 9 * * MON-FRI", "at 09:00 on weekdays"},
		{"0 10 * * 0,6", "at 10:00 on weekends"},
		{"15 8 * * 1", "at 08:15 every Monday"},
		{"0 8 * * 1,3,5", "at 08:00 on Monday, Wednesday and Friday"},
		{"0 0 1 * *", "at 00:00 on day 1 of every month"},
		{"0 0 1,15 * *", "at 00:00 on day 1 and 15 of every month"},
		{"0 12 25 12 *", "at 12:00 on December 25 every year"},
		{"*/10 * * * * *", "every 10 seconds"},
		{"* * * * * *", "every second"},
		{"0 * * * * *", "every minute"},
		{"15 * * * * *", "every minute at second 15"},
		{"0 */5 * * * *", "every 5 minutes"},
		{"30 0 3 * * *", "at 03:00:30 every day"},
		{"*/5 * * * * 1-5", "every 5 seconds on weekdays"},
		{"@hourly", "every hour, on the hour"},
		{"@daily", "at 00:00 every day"},
		{"@midnight", "at 00:00 every day"},
		{"@weekly", "at 00:00 every Sunday"},
		{"@monthly", "at 00:00 on day 1 of every month"},
		{"@yearly", "at 00:00 on January 1 every year"},
		{"@every 5s", "every 5 seconds"},
		{"@every 1m", "every minute"},
		{"@every 2h", "every 2 hours"},
		{"@every 1m30s", "every 90 seconds"},
		{"TZ=Europe/Paris 0 2 * * *", "at 02:00 every day"},
		// No simpler wording: unchanged.
		{"0 9-17 * * *", "0 9-17 * * *"},
		{"*/5 9 * * *", "*/5 9 * * *"},
		{"0 0 1 * 1", "0 0 1 * 1"},
		{"not a schedule", "not a schedule"},
	} {
		if got := Describe(c.in); got != c.want {
			t.Errorf("Describe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
