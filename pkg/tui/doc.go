// Package tui holds the bubbletea components of `judgectl watch`, one package each with a
// Model, New, Update and View: theme (styles with fixed colours, or none for NO_COLOR,
// decided in one place), header (queue, rate and worker figures), subtable (the live list of
// submissions), workers (what each worker runs), detail (one submission with its tests) and
// watch (the program that composes them, polls the API and handles keys).
//
// It is built on Bubble Tea v2: v1 probed the terminal's background colour while the package
// was initialised, so every judgectl command stalled on a terminal that does not answer.
// Nothing here queries the terminal before `judgectl watch` starts its program.
package tui
