// Package tui holds the bubbletea components of `judgectl watch`, one package each with a
// Model, New, Update and View: theme (styles from one renderer, so NO_COLOR and non-colour
// terminals are honoured in one place), header (queue and worker figures), subtable (the live
// list of submissions), detail (one submission with its tests) and watch (the program that
// composes them, polls the API and handles keys).
package tui
