package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressEvery is the least time between two redraws of a progress bar,
// so that a fast run does not spend its time drawing.
const progressEvery = 100 * time.Millisecond

// progressWidth is the number of cells of the bar.
const progressWidth = 24

// progress draws a progress bar on one line of a terminal, redrawn in
// place with "\r":
//
//	replaying [##########--------------]  412/1000  41%  83/s  7s left
//
// It is not safe for concurrent use: one goroutine owns it. A nil
// *progress draws nothing, so callers need not test whether there is
// one.
type progress struct {
	w     io.Writer
	label string
	total int
	done  int
	start time.Time
	now   func() time.Time
	drawn time.Time // when the bar was last drawn
	shown int       // width of the line on screen, 0 when cleared
	ended bool      // finish was called: nothing is drawn any more
}

// newProgress returns a bar for total steps, written to w, timed by now.
func newProgress(w io.Writer, label string, total int, now func() time.Time) *progress {
	return &progress{w: w, label: label, total: total, start: now(), now: now}
}

// add counts n more steps done and redraws the bar when it was last
// drawn progressEvery ago or more, or when it is complete.
func (p *progress) add(n int) {
	if p == nil || p.ended {
		return
	}
	p.done += n
	if now := p.now(); p.done >= p.total || now.Sub(p.drawn) >= progressEvery {
		p.draw(now)
	}
}

// clear erases the bar, so that other output can be written to the same
// terminal; resume draws it again.
func (p *progress) clear() {
	if p == nil || p.shown == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.shown))
	p.shown = 0
}

// resume draws the bar again after clear.
func (p *progress) resume() {
	if p == nil || p.ended {
		return
	}
	p.draw(p.now())
}

// draw writes the bar as of now.
func (p *progress) draw(now time.Time) {
	p.drawn = now
	line := p.line(now)
	pad := ""
	if n := p.shown - len([]rune(line)); n > 0 {
		pad = strings.Repeat(" ", n) // erase what a longer line left
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.shown = len([]rune(line))
}

// line returns the text of the bar as of now.
func (p *progress) line(now time.Time) string {
	done, total := min(p.done, p.total), max(p.total, 1)
	filled := done * progressWidth / total
	bar := strings.Repeat("#", filled) + strings.Repeat("-", progressWidth-filled)
	s := fmt.Sprintf("%s [%s] %*d/%d %3d%%", p.label, bar, len(fmt.Sprint(p.total)), done, p.total, done*100/total)
	elapsed := now.Sub(p.start)
	if done > 0 && elapsed > 0 {
		rate := float64(done) / elapsed.Seconds()
		s += "  " + rateText(rate)
		if left := p.total - done; left > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Second))
			s += "  " + etaText(eta) + " left"
		}
	}
	return s
}

// rateText writes a rate a second, with one decimal below 10.
func rateText(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.0f/s", r)
}

// etaText writes a time left in whole seconds, minutes and hours.
func etaText(d time.Duration) string {
	switch d = d.Round(time.Second); {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// finish erases the bar for good.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.clear()
	p.ended = true
}
